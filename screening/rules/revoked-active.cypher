// id: revoked-active
// title: {zh: 被撤销或注销登记后继续活动, en: Still active after revocation or deregistration}
// description: >
//   Organizations whose registration was revoked (撤销) or cancelled (注销) that still act after
//   the date: events held, money moved through accounts they hold, members or leaders who
//   joined afterwards.
// parameters:
//   - {name: statuses, type: list, default: [撤销, 注销], description: "registration statuses that end lawful activity"}
//   - {name: max_evidence, type: integer, default: 8, min: 1, max: 100, description: "evidence records kept per kind"}
// result_kind: table
// row_cap: 10000
// timeout_s: 120
MATCH (o:Organization)
WHERE o.status IN $statuses AND o.revoked_on IS NOT NULL
CALL (o) {
  OPTIONAL MATCH (o)-[:ORGANIZED]->(e:Event) WHERE e.date > o.revoked_on
  WITH e ORDER BY e.date
  RETURN collect(e) AS events
}
CALL (o) {
  OPTIONAL MATCH (o)-[:HOLDS]->(:BankAccount)-[t:TRANSFER]-(:BankAccount)
  WHERE date(t.time) > o.revoked_on
  WITH DISTINCT t ORDER BY t.time
  RETURN collect(t) AS transfers, sum(t.amount) AS amount
}
CALL (o) {
  OPTIONAL MATCH (p:Person)-[r:LEADS|MEMBER_OF]->(o)
  WHERE coalesce(r.since, r.joined_on) > o.revoked_on
  WITH p, r ORDER BY coalesce(r.since, r.joined_on)
  RETURN collect(CASE WHEN p IS NULL THEN null ELSE {p: p, r: r} END) AS joins
}
WITH o, events, transfers, amount, joins
WHERE size(events) + size(transfers) + size(joins) > 0
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {status: o.status, revoked_on: o.revoked_on, events: size(events), transfers: size(transfers),
        amount: amount, joins: size(joins)} AS detail,
       [{record: 'Organization', key: o.key, text: '登记状态 ' + o.status + ' ' + toString(o.revoked_on),
         src_run: o.src_run, src_row: o.src_row}] +
       [e IN events[..$max_evidence] | {record: 'Event', key: e.key,
         text: toString(e.date) + ' ' + e.name, src_run: e.src_run, src_row: e.src_row}] +
       [t IN transfers[..$max_evidence] | {record: 'TRANSFER', key: t.tx_key,
         text: toString(date(t.time)) + ' ¥' + toString(t.amount) + ' ' + coalesce(t.memo, ''),
         load_runs: t.load_runs, src_rows: t.src_rows}] +
       [j IN joins[..$max_evidence] | {record: type(j.r), key: j.p.key,
         text: j.p.name + ' ' + coalesce(j.r.role, '成员') + ' ' + toString(coalesce(j.r.since, j.r.joined_on)),
         load_runs: j.r.load_runs, src_rows: j.r.src_rows}] AS evidence
ORDER BY subject_key
