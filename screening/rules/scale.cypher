// id: scale
// title: {zh: 涉及资金量大或参与人数多, en: Large sums of money or many participants}
// description: >
//   Organizations with an event of many participants, many participants in all, many members,
//   or a large sum of money: event fees and money raised, members' fees, and money received
//   by accounts the organization holds.
// parameters:
//   - {name: min_event_participants, type: integer, default: 800, min: 1, max: 100000000, description: "participants at one event"}
//   - {name: min_total_participants, type: integer, default: 5000, min: 1, max: 100000000, description: "participants at all events"}
//   - {name: min_members, type: integer, default: 500, min: 1, max: 100000000, description: "members"}
//   - {name: min_amount, type: float, default: 10000000, min: 0, max: 1000000000000000, description: "money involved, yuan"}
//   - {name: max_evidence, type: integer, default: 5, min: 1, max: 100, description: "largest events kept as evidence"}
// result_kind: table
// row_cap: 10000
// timeout_s: 120
MATCH (o:Organization)
CALL (o) {
  OPTIONAL MATCH (o)-[:ORGANIZED]->(e:Event)
  WITH e ORDER BY coalesce(e.participants, 0) DESC
  RETURN collect(e) AS events, max(e.participants) AS max_participants,
         sum(coalesce(e.participants, 0)) AS participants, sum(coalesce(e.amount, 0.0)) AS event_amount
}
CALL (o) {
  OPTIONAL MATCH (:Person)-[m:MEMBER_OF]->(o)
  RETURN count(m) AS members, sum(coalesce(m.fee, 0.0)) AS fees
}
CALL (o) {
  OPTIONAL MATCH (o)-[:HOLDS]->(:BankAccount)<-[t:TRANSFER]-(:BankAccount)
  RETURN sum(coalesce(t.amount, 0.0)) AS inflow
}
WITH o, events, coalesce(max_participants, 0) AS max_participants, participants, members,
     event_amount, fees, inflow, event_amount + fees + inflow AS amount
WHERE max_participants >= $min_event_participants OR participants >= $min_total_participants
   OR members >= $min_members OR amount >= $min_amount
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {max_participants: max_participants, participants: participants, members: members,
        amount: amount, event_amount: event_amount, fees: fees, inflow: inflow,
        many_people: max_participants >= $min_event_participants OR participants >= $min_total_participants OR members >= $min_members,
        much_money: amount >= $min_amount} AS detail,
       [e IN events[..$max_evidence] | {record: 'Event', key: e.key,
         text: toString(e.date) + ' ' + e.name + ' ' + coalesce(toString(e.participants), '?') + '人 ¥' + coalesce(toString(e.amount), '0'),
         src_run: e.src_run, src_row: e.src_row}] AS evidence
ORDER BY subject_key
