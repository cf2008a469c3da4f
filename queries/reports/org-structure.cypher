// id: org-structure
// title: {zh: 组织架构, en: Organization structure}
// description: >
//   Who and what belongs to one organization: leaders with their roles, branches and parent,
//   members (the first 200 listed, with the total), accounts held by it or by its leaders,
//   addresses and events. One row per link; the picture draws them.
// parameters:
//   - {name: org, type: entity_key, description: "organization key or exact name", kinds: [Organization]}
// zh:
//   description: "一个组织的构成：负责人及职务、分支机构和上级、成员（列出前 200 人及总数）、组织或其负责人持有的账户、地址和活动。每个关联一行，图中画出。"
//   parameters:
//     org: {label: "组织", description: "组织的键或完整名称"}
// result_kind: graph
// row_cap: 2000
// timeout_s: 30
// picture: [link]
MATCH (o:Organization)
WHERE o.key = $org OR o.name = $org
CALL (o) {
  MATCH link = (p:Person)-[r:LEADS]->(o)
  RETURN '领导 leader' AS part, r.role AS role, p.key AS key, p.name AS name,
         CASE WHEN EXISTS { (p)<-[:LISTS]-(:BlacklistEntry) } THEN '黑名单 blacklisted' END AS detail, link
  UNION ALL
  MATCH link = (b:Organization)-[:BRANCH_OF]->(o)
  RETURN '分支 branch' AS part, null AS role, b.key AS key, b.name AS name, b.status AS detail, link
  UNION ALL
  MATCH link = (o)-[:BRANCH_OF]->(b:Organization)
  RETURN '上级 parent' AS part, null AS role, b.key AS key, b.name AS name, b.status AS detail, link
  UNION ALL
  MATCH link = (p:Person)-[r:MEMBER_OF]->(o)
  WITH p, r, link ORDER BY r.joined_on LIMIT 200
  RETURN '成员 member' AS part, null AS role, p.key AS key, p.name AS name,
         toString(r.joined_on) + ' / ' + toString(r.fee) AS detail, link
  UNION ALL
  RETURN '成员总数 members total' AS part, null AS role, null AS key, null AS name,
         toString(COUNT { (o)<-[:MEMBER_OF]-() }) AS detail, null AS link
  UNION ALL
  MATCH link = (o)-[:HOLDS]->(a:BankAccount)
  RETURN '账户 account' AS part, '本组织 own' AS role, a.key AS key, a.holder_name AS name, a.bank AS detail, link
  UNION ALL
  MATCH link = (o)<-[:LEADS]-(p:Person)-[:HOLDS]->(a:BankAccount)
  RETURN '账户 account' AS part, '负责人 leader: ' + p.name AS role, a.key AS key,
         a.holder_name AS name, a.bank AS detail, link
  UNION ALL
  MATCH link = (o)-[:LOCATED_AT]->(a:Address)
  RETURN '地址 address' AS part, null AS role, a.key AS key, a.text AS name, a.district AS detail, link
  UNION ALL
  MATCH link = (o)-[:ORGANIZED]->(e:Event)
  RETURN '活动 event' AS part, e.event_type AS role, e.key AS key, e.name AS name,
         toString(e.date) + ' · ' + toString(e.participants) + '人 · ¥' + toString(e.amount) AS detail, link
}
RETURN o.name AS organization, part, role, key, name, detail, link
