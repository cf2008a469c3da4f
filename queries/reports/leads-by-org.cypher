// id: leads-by-org
// title: {zh: 各组织线索汇总, en: Leads per organization}
// description: >
//   Leads (线索) received in a date window, counted per organization they name and by channel:
//   complaints (举报投诉), letters and visits (来信来访), the big-data platform (大数据平台).
// parameters:
//   - {name: from, type: date, default: 2000-01-01, description: "first day received"}
//   - {name: to, type: date, default: 2099-12-31, description: "last day received"}
//   - {name: min_leads, type: integer, default: 1, min: 1, max: 100000, description: "fewest leads shown"}
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
