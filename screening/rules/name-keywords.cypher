// id: name-keywords
// title: {zh: 名称含关键词, en: Name contains keywords}
// description: >
//   Organizations whose name or an alias contains one of the keywords. A name alone is not a
//   finding: the screening keeps this only for organizations that are unregistered, revoked or
//   acting beyond their registration.
// parameters:
//   - {name: keywords, type: list, description: "words to look for in names"}
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (o:Organization)
WITH o, [k IN $keywords WHERE o.name CONTAINS k OR any(a IN coalesce(o.aliases, []) WHERE a CONTAINS k)] AS words
WHERE size(words) > 0
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {words: words} AS detail,
       [{record: 'Organization', key: o.key, text: o.name, src_run: o.src_run, src_row: o.src_row}] AS evidence
ORDER BY subject_key
