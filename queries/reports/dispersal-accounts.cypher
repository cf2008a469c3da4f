// id: dispersal-accounts
// title: {zh: 快进快出账户（资金分散转出）, en: Dispersal accounts (fan-out)}
// description: >
//   Accounts that pass money on: transfers received and, within within_hours after each receipt,
//   sent onward to other accounts (not back to the payer). Shows how much came in, how much
//   went out quickly, to how many accounts, and the share forwarded. Mule accounts in a layering
//   chain and collection accounts that scatter money show up here. Transfers without a date (an
//   FtM payment may have none) cannot be timed and are left out; undated_left_out counts them
//   (in the whole graph).
// parameters:
//   - {name: from, type: date, default: 2000-01-01, description: "first day of the window"}
//   - {name: to, type: date, default: 2099-12-31, description: "last day of the window"}
//   - {name: within_hours, type: integer, default: 48, min: 1, max: 720, description: "hours after a receipt that count as quick"}
//   - {name: min_amount, type: float, default: 10000, min: 0, description: "smallest receipt considered (yuan)"}
//   - {name: min_ratio, type: float, default: 0.8, min: 0, max: 10, description: "smallest share of the receipts sent on"}
// result_kind: table
// row_cap: 500
// timeout_s: 60
CALL {
  MATCH ()-[u:TRANSFER]->()
  WHERE u.time IS NULL
  RETURN count(u) AS undated_left_out
}
MATCH (src:BankAccount)-[tin:TRANSFER]->(a:BankAccount)
WHERE tin.amount >= $min_amount
  AND localdatetime({date: $from}) <= tin.time < localdatetime({date: $to}) + duration('P1D')
  AND coalesce(a.kind, 'account') <> 'cash'
MATCH (a)-[tout:TRANSFER]->(dst:BankAccount)
WHERE tin.time <= tout.time <= tin.time + duration({hours: $within_hours})
  AND dst <> src AND dst <> a
WITH a, undated_left_out, collect(DISTINCT tin) AS ins, collect(DISTINCT tout) AS outs,
     collect(DISTINCT src.key) AS payers, collect(DISTINCT dst.key) AS recipients
WITH a, undated_left_out, payers, recipients, outs,
     reduce(s = 0.0, r IN ins | s + r.amount) AS received,
     reduce(s = 0.0, r IN outs | s + r.amount) AS forwarded
WHERE forwarded >= $min_ratio * received
RETURN a.key AS account,
       a.holder_name AS holder,
       round(received, 2) AS received,
       round(forwarded, 2) AS forwarded_quickly,
       round(forwarded / received, 3) AS ratio,
       size(payers) AS payer_count,
       size(recipients) AS recipient_count,
       payers[..10] AS payers,
       recipients[..10] AS recipients,
       undated_left_out
ORDER BY forwarded_quickly DESC, account
