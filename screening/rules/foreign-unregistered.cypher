// id: foreign-unregistered
// title: {zh: 境外组织未经登记备案在境内活动, en: Foreign organization active without registration or filing}
// description: >
//   Unregistered organizations that are foreign ("offshore" or "counterfeit" societies): marked
//   foreign by their source, named after a place abroad, or described as registered abroad in
//   a lead that is about them.
// parameters:
//   - {name: name_keywords, type: list, default: [香港, 澳门, 台湾, 美国, 世界, 全球, 代表处], description: "words in a name that point abroad"}
//   - {name: lead_keywords, type: list, default: [境外注册, 在境外, 离岸], description: "words in a lead that point abroad"}
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (o:Organization)
WHERE (o.status IS NULL OR o.status = '未登记')
  AND EXISTS { (o)<-[:LEADS|MEMBER_OF|CONCERNS]-() }
CALL (o) {
  OPTIONAL MATCH (l:Lead)-[:CONCERNS]->(o)
  WHERE any(k IN $lead_keywords WHERE l.summary CONTAINS k)
    AND (l.summary CONTAINS o.name OR COUNT { (l)-[:CONCERNS]->(:Organization) } = 1)
  RETURN collect(l) AS leads
}
WITH o, leads, [k IN $name_keywords WHERE o.name CONTAINS k] AS words
WHERE coalesce(o.foreign, false) OR size(words) > 0 OR size(leads) > 0
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {words: words, leads: size(leads), marked_foreign: coalesce(o.foreign, false)} AS detail,
       [{record: 'Organization', key: o.key,
         text: CASE WHEN size(words) > 0 THEN '名称含 ' + reduce(s = '', w IN words | s + w + ' ') ELSE '境外组织 foreign' END,
         src_run: o.src_run, src_row: o.src_row}] +
       [l IN leads | {record: 'Lead', key: l.key, text: l.source + ' ' + coalesce(l.summary, ''),
         src_run: l.src_run, src_row: l.src_row}] AS evidence
ORDER BY subject_key
