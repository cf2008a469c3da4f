// id: fund-flow-downstream
// title: {zh: 资金去向追踪, en: Fund flow downstream}
// description: >
//   Where the money went: every chain of transfers leaving an account (or the accounts held by
//   a person or organization), up to max_hops transfers, each hop no earlier than the one before,
//   every hop at least min_amount, the first hop inside the date window and the later ones within
//   within_days of it. One row per chain: the accounts in order and the amounts. Transfers without
//   a date (an FtM payment may have none) cannot be put in time order and are not followed;
//   undated_left_out counts those into or out of the starting accounts.
// parameters:
//   - {name: start, type: entity_key, description: "account number, resident ID or organization key"}
//   - {name: max_hops, type: integer, default: 4, min: 1, max: 8, description: "longest chain (1-8 transfers)"}
//   - {name: min_amount, type: float, default: 0, min: 0, description: "smallest transfer followed (yuan)"}
//   - {name: from, type: date, default: 2000-01-01, description: "first day of the window"}
//   - {name: to, type: date, default: 2099-12-31, description: "last day of the window"}
//   - {name: within_days, type: integer, default: 30, min: 1, max: 3650, description: "days allowed after the first hop"}
// result_kind: paths
// row_cap: 2000
// timeout_s: 60
// picture: [trail]
CALL {
  MATCH (a:BankAccount {key: $start}) RETURN a
  UNION
  MATCH (:Person|Organization|LegalEntity {key: $start})-[:HOLDS]->(a:BankAccount) RETURN a
}
WITH collect(a) AS starts
CALL (starts) {
  UNWIND starts AS s
  MATCH (s)-[u:TRANSFER]-()
  WHERE u.time IS NULL
  RETURN count(DISTINCT u) AS undated_left_out
}
UNWIND starts AS a
MATCH trail = (a)-[first:TRANSFER]->()
      (()-[t:TRANSFER]->()
        WHERE t.amount >= $min_amount
          AND first.time <= t.time <= first.time + duration({days: $within_days})){0,{{max_hops - 1}}}
      (b:BankAccount)
WHERE first.amount >= $min_amount
  AND localdatetime({date: $from}) <= first.time < localdatetime({date: $to}) + duration('P1D')
  AND length(trail) <= $max_hops
  AND all(i IN range(0, size(t) - 2) WHERE t[i].time <= t[i + 1].time)
WITH a, b, trail, [first] + t AS hops, undated_left_out
RETURN a.key AS source,
       b.key AS account,
       b.holder_name AS holder,
       length(trail) AS hop_count,
       [n IN nodes(trail) | n.key] AS path,
       [r IN hops | r.amount] AS amounts,
       [r IN hops | toString(r.time)] AS times,
       hops[-1].amount AS amount_reached,
       undated_left_out,
       trail
ORDER BY hop_count, amount_reached DESC, path
