// id: paid-training
// title: {zh: 收费培训等经营活动, en: Paid trainings and other business}
// description: >
//   Organizations holding events of the given types (trainings, certification) that charge
//   money: possibly unlicensed business (无照经营), for market regulation.
// parameters:
//   - {name: event_types, type: list, default: [培训], description: "event types that are business when charged for"}
//   - {name: min_amount, type: float, default: 0.01, min: 0, max: 1000000000000000, description: "money charged, yuan"}
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (o:Organization)-[:ORGANIZED]->(e:Event)
WHERE e.event_type IN $event_types AND coalesce(e.amount, 0.0) >= $min_amount
WITH o, e ORDER BY e.date
WITH o, collect(e) AS events
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {events: size(events), amount: reduce(s = 0.0, e IN events | s + e.amount)} AS detail,
       [e IN events | {record: 'Event', key: e.key, text: toString(e.date) + ' ' + e.name + ' ¥' + toString(e.amount),
         src_run: e.src_run, src_row: e.src_row}] AS evidence
ORDER BY subject_key
