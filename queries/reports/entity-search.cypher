// id: entity-search
// title: {zh: 实体检索, en: Entity search}
// description: >
//   Full-text search (CJK analyzer) over the names and aliases of organizations and persons,
//   account holder names, addresses, event names and lead summaries. Lucene syntax works:
//   扶贫, 扶贫 AND 促进会, "乡村振兴".
// parameters:
//   - {name: text, type: string, description: "the words to look for, e.g. 扶贫"}
//   - {name: top, type: integer, default: 50, min: 1, max: 1000, description: "how many hits"}
// zh:
//   description: "全文检索（中日韩分词）组织和人员的名称及别名、账户户名、地址、活动名称和线索摘要。支持 Lucene 语法：扶贫、扶贫 AND 促进会、\"乡村振兴\"。"
//   parameters:
//     text: {label: "检索词", description: "要查找的词语，例如 扶贫"}
//     top: {label: "结果数", description: "最多返回多少条"}
// result_kind: table
// row_cap: 1000
// timeout_s: 30
CALL db.index.fulltext.queryNodes('entity_names', $text) YIELD node, score
RETURN labels(node)[0] AS label,
       node.key AS key,
       coalesce(node.name, node.holder_name, node.text, node.summary) AS name,
       coalesce(node.status, node.kind, node.district, node.event_type, node.source) AS detail,
       round(score, 3) AS score
ORDER BY score DESC, key
LIMIT $top
