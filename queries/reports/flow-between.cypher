// id: flow-between
// title: {zh: 两方资金往来, en: Money between two parties}
// description: >
//   Money from one party to the other and back, directly or through other accounts: chains of up
//   to max_hops transfers (each no earlier than the one before, all within within_days of the
//   first), grouped by direction and by the accounts it passed through. A party is an account, a
//   person or an organization (their accounts). Amounts per group add up chains, so a transfer
//   shared by several chains is counted in each. Transfers without a date (an FtM payment may have
//   none) cannot be put in time order and are not followed; undated_left_out counts those into or
//   out of either party's accounts.
// parameters:
//   - {name: a, type: entity_key, description: "first party: account, resident ID or organization key"}
//   - {name: b, type: entity_key, description: "second party: account, resident ID or organization key"}
//   - {name: max_hops, type: integer, default: 3, min: 1, max: 8, description: "longest chain (1-8 transfers)"}
//   - {name: min_amount, type: float, default: 0, min: 0, description: "smallest transfer followed (yuan)"}
//   - {name: from, type: date, default: 2000-01-01, description: "first day of the window"}
//   - {name: to, type: date, default: 2099-12-31, description: "last day of the window"}
//   - {name: within_days, type: integer, default: 30, min: 1, max: 3650, description: "days from the first to the last hop"}
// result_kind: table
// row_cap: 1000
// timeout_s: 60
CALL {
  MATCH (x:BankAccount {key: $a}) RETURN x
  UNION
  MATCH (:Person|Organization|LegalEntity {key: $a})-[:HOLDS]->(x:BankAccount) RETURN x
}
WITH collect(x) AS side_a
CALL {
  MATCH (y:BankAccount {key: $b}) RETURN y
  UNION
  MATCH (:Person|Organization|LegalEntity {key: $b})-[:HOLDS]->(y:BankAccount) RETURN y
}
WITH side_a, collect(y) AS side_b
WITH side_a, side_b, side_a + side_b AS both
CALL (both) {
  UNWIND both AS s
  MATCH (s)-[u:TRANSFER]-()
  WHERE u.time IS NULL
  RETURN count(DISTINCT u) AS undated_left_out
}
UNWIND [{label: $a + ' → ' + $b, starts: side_a, ends: side_b},
        {label: $b + ' → ' + $a, starts: side_b, ends: side_a}] AS direction
UNWIND direction.starts AS s
MATCH trail = (s)-[first:TRANSFER]->()
      (()-[t:TRANSFER]->()
        WHERE t.amount >= $min_amount
          AND first.time <= t.time <= first.time + duration({days: $within_days})){0,{{max_hops - 1}}}
      (e:BankAccount)
WHERE e IN direction.ends
  AND first.amount >= $min_amount
  AND localdatetime({date: $from}) <= first.time < localdatetime({date: $to}) + duration('P1D')
  AND length(trail) <= $max_hops
  AND all(i IN range(0, size(t) - 2) WHERE t[i].time <= t[i + 1].time)
  AND none(n IN nodes(trail)[1..-1] WHERE n IN direction.starts OR n IN direction.ends)
WITH direction.label AS direction, [first] + t AS hops, undated_left_out,
     [n IN nodes(trail)[1..-1] | coalesce(n.holder_name, '') + ' ' + n.key] AS via
RETURN direction,
       CASE size(via) WHEN 0 THEN '直接 direct' ELSE '经由 via' END AS how,
       via,
       count(*) AS chains,
       round(sum(hops[0].amount), 2) AS amount_sent,
       round(sum(hops[-1].amount), 2) AS amount_arrived,
       toString(min(hops[0].time)) AS first_time,
       toString(max(hops[-1].time)) AS last_time,
       undated_left_out
ORDER BY direction, amount_arrived DESC, via
