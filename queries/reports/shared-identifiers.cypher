// id: shared-identifiers
// title: {zh: 共用标识关联组织, en: Organizations sharing identifiers}
// description: >
//   Pairs of organizations tied together by the same leader, the same domicile or event venue,
//   the same leader phone number, the same account held, or one personal account collecting from
//   members of both (at least min_payers members of each; company accounts left out). Linked
//   groups run by one set of people show up as pairs with several kinds of link.
// parameters:
//   - {name: min_links, type: integer, default: 2, min: 1, max: 100, description: "fewest kinds of link for a pair to be shown"}
//   - {name: min_payers, type: integer, default: 3, min: 1, max: 100000, description: "members of each organization paying one account for it to count as shared"}
// zh:
//   description: "由同一负责人、同一住所或活动地点、同一负责人电话、同一持有账户，或一个同时向两个组织成员收款的个人账户（每个组织至少 min_payers 名成员付款；不含企业账户）联系在一起的组织对。由同一伙人操纵的关联组织群表现为具有多种联系的组织对。"
//   parameters:
//     min_links: {label: "最少联系种类", description: "组织对至少有几种联系才显示"}
//     min_payers: {label: "最少付款成员数", description: "每个组织至少有多少成员向同一账户付款才算共用"}
// result_kind: table
// row_cap: 1000
// timeout_s: 60
CALL {
  MATCH (o1:Organization)<-[:LEADS]-(p:Person)-[:LEADS]->(o2:Organization)
  WHERE o1.key < o2.key
  RETURN o1, o2, '负责人 leader' AS link, p.name + ' ' + p.key AS via
  UNION
  MATCH (o1:Organization)-[:LOCATED_AT]->(ad:Address)<-[:LOCATED_AT]-(o2:Organization)
  WHERE o1.key < o2.key
  RETURN o1, o2, '住所 domicile' AS link, ad.text AS via
  UNION
  MATCH (o1:Organization)-[:ORGANIZED]->(:Event)-[:HELD_AT]->(ad:Address)<-[:HELD_AT]-(:Event)<-[:ORGANIZED]-(o2:Organization)
  WHERE o1.key < o2.key
  RETURN o1, o2, '活动地点 venue' AS link, ad.text AS via
  UNION
  MATCH (o1:Organization)<-[:LEADS]-(:Person)-[:HAS_PHONE]->(ph:Phone)<-[:HAS_PHONE]-(:Person)-[:LEADS]->(o2:Organization)
  WHERE o1.key < o2.key
  RETURN o1, o2, '电话 phone' AS link, ph.key AS via
  UNION
  MATCH (o1:Organization)-[:HOLDS]->(ac:BankAccount)<-[:HOLDS]-(o2:Organization)
  WHERE o1.key < o2.key
  RETURN o1, o2, '账户 account' AS link, ac.key AS via
  UNION
  MATCH (o:Organization)<-[:MEMBER_OF]-(m:Person)-[:HOLDS]->(:BankAccount)-[:TRANSFER]->(ac:BankAccount)
  WHERE NOT EXISTS { (c:Organization)-[:HOLDS]->(ac) WHERE c.key STARTS WITH '9' }
  WITH ac, o, count(DISTINCT m) AS paying
  WHERE paying >= $min_payers
  WITH ac, collect(o) AS orgs
  UNWIND orgs AS o1
  UNWIND orgs AS o2
  WITH ac, o1, o2 WHERE o1.key < o2.key
  RETURN o1, o2, '收款账户 collecting account' AS link, coalesce(ac.holder_name, '') + ' ' + ac.key AS via
}
WITH o1, o2, collect(DISTINCT link) AS links, collect(link + ': ' + via) AS shared
WHERE size(links) >= $min_links
RETURN o1.key AS org1_key, o1.name AS org1, o2.key AS org2_key, o2.name AS org2,
       size(links) AS link_kinds, links, size(shared) AS shared_count, shared[..20] AS shared
ORDER BY link_kinds DESC, shared_count DESC, org1, org2
