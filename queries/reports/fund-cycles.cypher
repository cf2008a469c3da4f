// id: fund-cycles
// title: {zh: 资金回流（闭环）, en: Fund cycles (money returning to its source)}
// description: >
//   Money that leaves an account and comes back to it through other accounts: closed chains of
//   2 to max_hops transfers, each hop no earlier than the one before, the whole cycle within
//   within_days, each transfer at least min_amount, starting inside the date window. Cash
//   withdrawals and deposits are not followed. One row per cycle; cycle lists the accounts in order.
//   Transfers without a date (an FtM payment may have none) cannot be put in time order and are
//   not followed; undated_left_out counts them (in the whole graph).
// parameters:
//   - {name: max_hops, type: integer, default: 6, min: 2, max: 8, description: "longest cycle (2-8 transfers)"}
//   - {name: min_amount, type: float, default: 10000, min: 0, description: "smallest transfer followed (yuan)"}
//   - {name: from, type: date, default: 2000-01-01, description: "first day of the window"}
//   - {name: to, type: date, default: 2099-12-31, description: "last day of the window"}
//   - {name: within_days, type: integer, default: 30, min: 1, max: 3650, description: "days from the first to the last hop"}
// result_kind: paths
// row_cap: 1000
// timeout_s: 120
// picture: [loop]
CALL {
  MATCH ()-[u:TRANSFER]->()
  WHERE u.time IS NULL
  RETURN count(u) AS undated_left_out
}
MATCH (a:BankAccount)-[first:TRANSFER]->(:BankAccount)
WHERE first.amount >= $min_amount
  AND localdatetime({date: $from}) <= first.time < localdatetime({date: $to}) + duration('P1D')
  AND coalesce(a.kind, 'account') <> 'cash'
MATCH loop = (a)-[first]->()
      (()-[t:TRANSFER]->(x)
        WHERE t.amount >= $min_amount AND coalesce(x.kind, 'account') <> 'cash'
          AND first.time <= t.time <= first.time + duration({days: $within_days})){1,{{max_hops - 1}}}
      (a)
WHERE length(loop) <= $max_hops
  AND all(i IN range(0, size(t) - 2) WHERE t[i].time <= t[i + 1].time)
WITH a, loop, [first] + t AS hops, nodes(loop)[..-1] AS ring, undated_left_out
WHERE all(n IN ring WHERE single(m IN ring WHERE m = n))
RETURN a.key AS account,
       a.holder_name AS holder,
       [n IN ring | n.key] AS cycle,
       [n IN ring | n.holder_name] AS holders,
       length(loop) AS hop_count,
       [r IN hops | r.amount] AS amounts,
       [r IN hops | toString(r.time)] AS times,
       round(hops[-1].amount / hops[0].amount, 3) AS returned_share,
       undated_left_out,
       loop
ORDER BY hops[0].time, account
