// id: leads-by-org
// title: {zh: 各组织线索汇总, en: Leads per organization}
// description: >
//   Leads (线索) received in a date window, counted per organization they name and by channel:
//   complaints (举报投诉), letters and visits (来信来访), the big-data platform (大数据平台).
// parameters:
//   - {name: from, type: date, default: 2000-01-01, description: "first day received"}
//   - {name: to, type: date, default: 2099-12-31, description: "last day received"}
//   - {name: min_leads, type: integer, default: 1, min: 1, max: 100000, description: "fewest leads shown"}
// zh:
//   description: "时间窗口内收到的线索，按其涉及的组织和来源渠道统计：举报投诉、来信来访、大数据平台。"
//   parameters:
//     from: {label: "起始日期", description: "收到线索的第一天"}
//     to: {label: "截止日期", description: "收到线索的最后一天"}
//     min_leads: {label: "最少线索数", description: "至少有多少条线索才显示"}
// result_kind: table
// row_cap: 1000
// timeout_s: 30
MATCH (l:Lead)-[:CONCERNS]->(o:Organization)
WHERE l.received_on IS NULL OR $from <= l.received_on <= $to
WITH o, l ORDER BY l.received_on
WITH o, collect(l) AS leads
WHERE size(leads) >= $min_leads
RETURN o.key AS org_key,
       o.name AS org,
       coalesce(o.status, '未登记') AS status,
       size(leads) AS leads,
       size([l IN leads WHERE l.source = '举报投诉']) AS complaints,
       size([l IN leads WHERE l.source = '来信来访']) AS letters_visits,
       size([l IN leads WHERE l.source = '大数据平台']) AS big_data,
       leads[0].received_on AS first_received,
       leads[-1].received_on AS last_received,
       [l IN leads | l.key] AS lead_keys,
       leads[-1].summary AS latest_summary
ORDER BY leads DESC, org
