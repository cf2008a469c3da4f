// id: activity-keywords
// title: {zh: 活动名称或转账摘要含关键词, en: Event titles or transfer memos contain keywords}
// description: >
//   Organizations whose events are titled with one of the keywords, or whose accounts (held by
//   the organization) move money with one of the keywords in the memo.
// parameters:
//   - {name: keywords, type: list, description: "words to look for in event titles and memos"}
//   - {name: max_evidence, type: integer, default: 8, min: 1, max: 100, description: "evidence records kept per kind"}
// result_kind: table
// row_cap: 10000
// timeout_s: 120
MATCH (o:Organization)
CALL (o) {
  OPTIONAL MATCH (o)-[:ORGANIZED]->(e:Event)
  WHERE any(k IN $keywords WHERE e.name CONTAINS k)
  RETURN collect(e) AS events
}
CALL (o) {
  OPTIONAL MATCH (o)-[:HOLDS]->(:BankAccount)-[t:TRANSFER]-(:BankAccount)
  WHERE t.memo IS NOT NULL AND any(k IN $keywords WHERE t.memo CONTAINS k)
  RETURN collect(DISTINCT t) AS transfers
}
WITH o, events, transfers WHERE size(events) + size(transfers) > 0
WITH o, events, transfers,
     [k IN $keywords WHERE any(e IN events WHERE e.name CONTAINS k) OR any(t IN transfers WHERE t.memo CONTAINS k)] AS words
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {words: words, events: size(events), transfers: size(transfers)} AS detail,
       [e IN events[..$max_evidence] | {record: 'Event', key: e.key, text: toString(e.date) + ' ' + e.name,
         src_run: e.src_run, src_row: e.src_row}] +
       [t IN transfers[..$max_evidence] | {record: 'TRANSFER', key: t.tx_key,
         text: toString(date(t.time)) + ' ¥' + toString(t.amount) + ' ' + t.memo,
         load_runs: t.load_runs, src_rows: t.src_rows}] AS evidence
ORDER BY subject_key
