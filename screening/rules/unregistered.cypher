// id: unregistered
// title: {zh: 未经登记以社会组织名义活动, en: Acting as a social organization without registration}
// description: >
//   Organizations with no registry record (status empty or 未登记) that act as a social
//   organization: they have leaders or members, hold events or are named in leads. Companies
//   that only appear as account holders have none of these and are left out.
// parameters:
//   - {name: min_activity, type: integer, default: 1, min: 1, max: 100000, description: "leaders + members + events + leads needed"}
//   - {name: max_evidence, type: integer, default: 8, min: 1, max: 100, description: "evidence records kept per organization"}
// result_kind: table
// row_cap: 10000
// timeout_s: 120
MATCH (o:Organization)
WHERE o.status IS NULL OR o.status = '未登记'
CALL (o) {
  OPTIONAL MATCH (p:Person)-[r:LEADS|MEMBER_OF]->(o)
  RETURN sum(CASE type(r) WHEN 'LEADS' THEN 1 ELSE 0 END) AS leaders,
         sum(CASE type(r) WHEN 'MEMBER_OF' THEN 1 ELSE 0 END) AS members
}
CALL (o) {
  OPTIONAL MATCH (o)-[:ORGANIZED]->(e:Event)
  WITH e ORDER BY e.date
  RETURN collect(e) AS events
}
CALL (o) {
  OPTIONAL MATCH (l:Lead)-[:CONCERNS]->(o)
  WITH l ORDER BY l.received_on
  RETURN collect(l) AS leads
}
WITH o, leaders, members, events, leads
WHERE leaders + members + size(events) + size(leads) >= $min_activity
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {leaders: leaders, members: members, events: size(events), leads: size(leads)} AS detail,
       [{record: 'Organization', key: o.key, text: '登记信息中无此组织 no registry record; first seen here',
         src_run: o.src_run, src_row: o.src_row}] +
       [e IN events[..$max_evidence] | {record: 'Event', key: e.key,
         text: toString(e.date) + ' ' + e.name + ' (' + coalesce(toString(e.participants), '?') + '人)',
         src_run: e.src_run, src_row: e.src_row}] +
       [l IN leads[..$max_evidence] | {record: 'Lead', key: l.key,
         text: l.source + ' ' + toString(l.received_on) + ' ' + coalesce(l.summary, ''),
         src_run: l.src_run, src_row: l.src_row}] AS evidence
ORDER BY subject_key
