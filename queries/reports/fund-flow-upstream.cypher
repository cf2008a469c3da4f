// id: fund-flow-upstream
// title: {zh: 资金来源追踪, en: Fund flow upstream}
// description: >
//   Where the money came from: every chain of transfers arriving at an account (or the accounts
//   held by a person or organization), up to max_hops transfers back, each hop no earlier than the
//   one before, every hop at least min_amount, the last hop inside the date window and the earlier
//   ones within within_days before it. One row per chain, accounts in the order money moved.
//   Transfers without a date (an FtM payment may have none) cannot be put in time order and are
//   not followed; undated_left_out counts those into or out of the target accounts.
// parameters:
//   - {name: target, type: entity_key, description: "account number, resident ID or organization key"}
//   - {name: max_hops, type: integer, default: 4, min: 1, max: 8, description: "longest chain (1-8 transfers)"}
//   - {name: min_amount, type: float, default: 0, min: 0, description: "smallest transfer followed (yuan)"}
//   - {name: from, type: date, default: 2000-01-01, description: "first day of the window"}
//   - {name: to, type: date, default: 2099-12-31, description: "last day of the window"}
//   - {name: within_days, type: integer, default: 30, min: 1, max: 3650, description: "days allowed before the last hop"}
// result_kind: paths
// row_cap: 2000
// timeout_s: 60
// picture: [trail]
CALL {
  MATCH (a:BankAccount {key: $target}) RETURN a
  UNION
  MATCH (:Person|Organization|LegalEntity {key: $target})-[:HOLDS]->(a:BankAccount) RETURN a
}
WITH collect(a) AS targets
CALL (targets) {
  UNWIND targets AS s
  MATCH (s)-[u:TRANSFER]-()
  WHERE u.time IS NULL
  RETURN count(DISTINCT u) AS undated_left_out
}
UNWIND targets AS a
MATCH trail = (b:BankAccount)
      (()-[t:TRANSFER]->()
        WHERE t.amount >= $min_amount
          AND last.time - duration({days: $within_days}) <= t.time <= last.time){0,{{max_hops - 1}}}
      ()-[last:TRANSFER]->(a)
WHERE last.amount >= $min_amount
  AND localdatetime({date: $from}) <= last.time < localdatetime({date: $to}) + duration('P1D')
  AND length(trail) <= $max_hops
  AND all(i IN range(0, size(t) - 2) WHERE t[i].time <= t[i + 1].time)
WITH a, b, trail, t + [last] AS hops, undated_left_out
RETURN a.key AS target,
       b.key AS account,
       b.holder_name AS holder,
       length(trail) AS hop_count,
       [n IN nodes(trail) | n.key] AS path,
       [r IN hops | r.amount] AS amounts,
       [r IN hops | toString(r.time)] AS times,
       hops[0].amount AS amount_sent,
       undated_left_out,
       trail
ORDER BY hop_count, amount_sent DESC, path
