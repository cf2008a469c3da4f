// id: multi-org-leaders
// title: {zh: 多组织负责人, en: People leading several organizations}
// description: >
//   Persons who lead (会长, 秘书长, 理事, 财务, 法定代表人…) at least min_orgs organizations, with
//   their roles and the organizations' statuses: candidates for ringleaders (挑头扛旗人物).
// parameters:
//   - {name: min_orgs, type: integer, default: 2, min: 1, max: 1000, description: "fewest organizations led"}
// zh:
//   description: "在至少 min_orgs 个组织中担任负责人（会长、秘书长、理事、财务、法定代表人等）的人员，及其职务和各组织的登记状态：挑头扛旗人物的候选。"
//   parameters:
//     min_orgs: {label: "最少组织数", description: "至少担任负责人的组织数"}
// result_kind: table
// row_cap: 1000
// timeout_s: 30
MATCH (p:Person)-[l:LEADS]->(o:Organization)
WITH p, o, collect(DISTINCT l.role) AS roles
WITH p, collect(o.name + '（' + coalesce(o.status, '未登记') + '）: ' +
                reduce(s = '', r IN roles | s + CASE s WHEN '' THEN '' ELSE '、' END + coalesce(r, '')))
        AS positions, count(o) AS org_count,
     sum(CASE WHEN o.status IS NULL OR o.status IN ['撤销', '注销', '筹备'] THEN 1 ELSE 0 END) AS irregular
WHERE org_count >= $min_orgs
RETURN p.key AS person, p.name AS name, org_count, irregular AS unregistered_or_revoked, positions,
       EXISTS { (p)<-[:LISTS]-(:BlacklistEntry) } AS blacklisted,
       [(p)-[:HAS_PHONE]->(ph:Phone) | ph.key] AS phones,
       [(p)-[:HOLDS]->(a:BankAccount) | a.key] AS accounts
ORDER BY org_count DESC, unregistered_or_revoked DESC, person
