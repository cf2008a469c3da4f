// id: preparing-overreach
// title: {zh: 筹备期间开展筹备以外活动, en: Beyond preparation while in preparation}
// description: >
//   Organizations in preparation (筹备) that hold events other than preparatory meetings
//   (trainings, fundraising, ceremonies, annual meetings…).
// parameters:
//   - {name: preparatory_types, type: list, default: [会议], description: "event types a preparing organization may hold"}
//   - {name: max_evidence, type: integer, default: 8, min: 1, max: 100, description: "evidence records kept"}
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (o:Organization {status: '筹备'})-[:ORGANIZED]->(e:Event)
WHERE NOT coalesce(e.event_type, '') IN $preparatory_types
WITH o, e ORDER BY e.date
WITH o, collect(e) AS events
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {events: size(events), types: reduce(s = [], e IN events | CASE WHEN e.event_type IN s THEN s ELSE s + e.event_type END)} AS detail,
       [{record: 'Organization', key: o.key, text: '登记状态 筹备 ' + coalesce(toString(o.registered_on), ''),
         src_run: o.src_run, src_row: o.src_row}] +
       [e IN events[..$max_evidence] | {record: 'Event', key: e.key,
         text: toString(e.date) + ' ' + e.name + '（' + coalesce(e.event_type, '') + '）',
         src_run: e.src_run, src_row: e.src_row}] AS evidence
ORDER BY subject_key
