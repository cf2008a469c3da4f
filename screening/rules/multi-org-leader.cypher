// id: multi-org-leader
// title: {zh: 多个非法组织的负责人, en: Leader of several irregular organizations}
// description: >
//   Persons leading several organizations that are not lawfully registered (unregistered,
//   revoked, deregistered or in preparation): candidate ringleaders (挑头扛旗人物).
// parameters:
//   - {name: min_orgs, type: integer, default: 2, min: 2, max: 1000, description: "irregular organizations led"}
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (p:Person)-[r:LEADS]->(o:Organization)
WHERE coalesce(o.status, '未登记') <> '正常' AND EXISTS { (o)<-[:MEMBER_OF|CONCERNS]-() }
WITH p, collect({o: o, r: r}) AS led
WHERE size(led) >= $min_orgs
RETURN p.key AS subject_key, 'Person' AS subject_label, p.name AS subject_name,
       {orgs: size(led), names: [x IN led | x.o.name], roles: [x IN led | x.r.role]} AS detail,
       [x IN led | x.o.key] AS related,
       [x IN led | {record: 'LEADS', key: x.o.key, text: x.o.name + ' ' + coalesce(x.r.role, ''),
         load_runs: x.r.load_runs, src_rows: x.r.src_rows}] AS evidence
ORDER BY subject_key
