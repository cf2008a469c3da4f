// id: reformed-organizations
// title: {zh: 撤销后换名重组, en: Revoked organizations re-formed under a new name}
// description: >
//   Revoked (撤销) or deregistered (注销) organizations and another organization sharing at least
//   min_shared of their leaders, with any shared domicile or account and the events the other
//   one held after the revocation: the pattern of carrying on under a new name.
// parameters:
//   - {name: min_shared, type: integer, default: 2, min: 1, max: 100, description: "fewest shared leaders"}
// zh:
//   description: "被撤销或注销的组织，与另一个至少共有 min_shared 名负责人的组织，以及共用的住所或账户、另一组织在撤销后举办的活动：换个名字继续活动的模式。"
//   parameters:
//     min_shared: {label: "最少共同负责人数", description: "两个组织至少共有几名负责人"}
// result_kind: table
// row_cap: 500
// timeout_s: 30
MATCH (old:Organization)<-[:LEADS]-(p:Person)-[:LEADS]->(new:Organization)
WHERE old.status IN ['撤销', '注销'] AND new <> old
WITH old, new, collect(DISTINCT p.name + ' ' + p.key) AS shared_leaders
WHERE size(shared_leaders) >= $min_shared
RETURN old.key AS old_key, old.name AS old_org, old.status AS old_status, old.revoked_on AS revoked_on,
       new.key AS new_key, new.name AS new_org, coalesce(new.status, '未登记') AS new_status,
       shared_leaders,
       [(old)-[:LOCATED_AT]->(ad:Address)<-[:LOCATED_AT|HELD_AT]-(x) WHERE x = new OR (new)-[:ORGANIZED]->(x) | ad.text] AS shared_addresses,
       [(new)-[:ORGANIZED]->(e:Event) WHERE old.revoked_on IS NOT NULL AND e.date > old.revoked_on | toString(e.date) + ' ' + e.name] AS events_after
ORDER BY size(shared_leaders) DESC, old_org, new_org
