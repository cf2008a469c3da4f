// id: collection-accounts
// title: {zh: 归集账户（资金汇入）, en: Collection accounts (fan-in)}
// description: >
//   Accounts into which many distinct accounts paid (会费, 培训费 collected into one personal
//   card is typical), within a date window; cash deposits are not counted as payers, and company
//   accounts are left out unless asked for. Ranked by
//   the number of distinct payer accounts, then the total received. Transfers without a date (an
//   FtM payment may have none) fall in no window and are left out; undated_left_out counts them
//   (in the whole graph).
// parameters:
//   - {name: from, type: date, default: 2000-01-01, description: "first day of the window"}
//   - {name: to, type: date, default: 2099-12-31, description: "last day of the window"}
//   - {name: min_payers, type: integer, default: 10, min: 1, max: 1000000, description: "fewest distinct payer accounts shown"}
//   - {name: min_amount, type: float, default: 0, min: 0, description: "smallest transfer counted (yuan)"}
//   - {name: include_companies, type: integer, default: 0, min: 0, max: 1, description: "1 = also accounts held by companies (credit codes starting with 9), whose customers pay them"}
// result_kind: table
// row_cap: 500
// timeout_s: 60
CALL {
  MATCH ()-[u:TRANSFER]->()
  WHERE u.time IS NULL
  RETURN count(u) AS undated_left_out
}
WITH undated_left_out, localdatetime({date: $from}) AS window_start, localdatetime({date: $to}) + duration('P1D') AS window_end
MATCH (payer:BankAccount)-[t:TRANSFER]->(a:BankAccount)
WHERE window_start <= t.time < window_end
  AND t.amount >= $min_amount
  AND payer <> a
  AND coalesce(payer.kind, 'account') <> 'cash'
WITH a, undated_left_out, count(DISTINCT payer) AS payers, sum(t.amount) AS total_in, count(t) AS transfers,
     min(t.time) AS first_in, max(t.time) AS last_in
// filters on the few aggregated accounts, not on every transfer
WHERE payers >= $min_payers
  AND ($include_companies = 1 OR NOT EXISTS { (c:Organization)-[:HOLDS]->(a) WHERE c.key STARTS WITH '9' })
RETURN a.key AS account,
       a.holder_name AS holder,
       a.bank AS bank,
       payers,
       round(total_in, 2) AS total_in,
       transfers,
       toString(first_in) AS first_in,
       toString(last_in) AS last_in,
       COLLECT { MATCH (:BankAccount)-[x:TRANSFER]->(a) WHERE x.memo IS NOT NULL
                 RETURN DISTINCT x.memo LIMIT 5 } AS memos,
       [(h)-[:HOLDS]->(a) | h.key] AS holders,
       COLLECT { MATCH (h:Person)-[:HOLDS]->(a) MATCH (h)-[l:LEADS]->(o:Organization)
                 RETURN o.name + '（' + coalesce(l.role, '') + '）' } AS holder_leads,
       undated_left_out
ORDER BY payers DESC, total_in DESC, account
