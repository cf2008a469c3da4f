// id: lead-keywords
// title: {zh: 线索内容含关键词, en: Leads describing the organization contain keywords}
// description: >
//   Organizations named in a lead whose summary contains one of the keywords. A lead naming
//   several organizations counts only for the one its summary names.
// parameters:
//   - {name: keywords, type: list, description: "words to look for in lead summaries"}
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (l:Lead)-[:CONCERNS]->(o:Organization)
WHERE l.summary IS NOT NULL AND any(k IN $keywords WHERE l.summary CONTAINS k)
  AND (l.summary CONTAINS o.name OR COUNT { (l)-[:CONCERNS]->(:Organization) } = 1)
WITH o, l ORDER BY l.received_on
WITH o, collect(l) AS leads
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {leads: size(leads), words: [k IN $keywords WHERE any(l IN leads WHERE l.summary CONTAINS k)]} AS detail,
       [l IN leads | {record: 'Lead', key: l.key, text: l.source + ' ' + toString(l.received_on) + ' ' + l.summary,
         src_run: l.src_run, src_row: l.src_row}] AS evidence
ORDER BY subject_key
