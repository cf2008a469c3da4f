// id: revoked-but-active
// title: {zh: 撤销后仍活动及筹备期超范围活动, en: Active after revocation, or beyond preparation}
// description: >
//   Organizations whose registration was revoked (撤销) or cancelled (注销) and which still held
//   events afterwards, and organizations in preparation (筹备) holding events other than
//   preparatory meetings (trainings, fundraising, ceremonies, annual meetings…).
// parameters:
//   - {name: preparatory_types, type: list, default: [会议], description: "event types a preparing organization may hold"}
// zh:
//   description: "登记已被撤销或注销但之后仍举办活动的组织，以及筹备期间举办筹备会议以外活动（培训、募捐、庆典、年会等）的组织。"
//   parameters:
//     preparatory_types: {label: "筹备期允许的活动类型", description: "筹备中的组织可以举办的活动类型，逗号分隔"}
// result_kind: table
// row_cap: 1000
// timeout_s: 30
MATCH (o:Organization)-[:ORGANIZED]->(e:Event)
WHERE (o.status IN ['撤销', '注销'] AND o.revoked_on IS NOT NULL AND e.date > o.revoked_on)
   OR (o.status = '筹备' AND NOT coalesce(e.event_type, '') IN $preparatory_types)
WITH o, e ORDER BY e.date
WITH o, collect(e) AS events
RETURN o.key AS org_key,
       o.name AS org,
       o.status AS status,
       o.revoked_on AS revoked_on,
       CASE o.status WHEN '筹备' THEN '筹备期超范围活动 beyond preparation'
                     WHEN '撤销' THEN '撤销后仍活动 active after revocation'
                     ELSE '注销后仍活动 active after deregistration' END AS finding,
       size(events) AS events,
       [e IN events | toString(e.date) + ' ' + e.name + '（' + coalesce(e.event_type, '') + '）'] AS event_list,
       reduce(s = 0, e IN events | s + coalesce(e.participants, 0)) AS participants,
       reduce(s = 0.0, e IN events | s + coalesce(e.amount, 0)) AS amount
ORDER BY finding, org
