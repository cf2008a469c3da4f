// id: org-profile
// title: {zh: 组织概况, en: Organization profile}
// description: >
//   One organization at a glance: registration data, counts of leaders, members, events,
//   leads and blacklisted leaders, accounts held, the money raised at its events.
//   The organization is given by its key (credit code or 'name:'+name) or its exact name.
// parameters:
//   - {name: org, type: entity_key, description: "organization key or exact name, e.g. name:中华精准扶贫促进会", kinds: [Organization]}
// zh:
//   description: "一个组织的概况：登记信息，负责人、成员、活动、线索和被列入黑名单负责人的数量，持有的账户，活动收费金额。组织以其键（信用代码或 'name:'+名称）或完整名称指定。"
//   parameters:
//     org: {label: "组织", description: "组织的键或完整名称"}
// result_kind: table
// row_cap: 10
// timeout_s: 30
MATCH (o:Organization)
WHERE o.key = $org OR o.name = $org
RETURN o.name AS name,
       o.key AS key,
       coalesce(o.status, '未登记') AS status,
       o.credit_code AS credit_code,
       o.org_type AS org_type,
       o.registered_on AS registered_on,
       o.revoked_on AS revoked_on,
       o.authority AS authority,
       o.legal_rep AS legal_rep,
       o.scope AS scope,
       [(o)-[:LOCATED_AT]->(a:Address) | a.text] AS addresses,
       COUNT { (o)<-[:LEADS]-(:Person) } AS leaders,
       COUNT { (o)<-[:MEMBER_OF]-(:Person) } AS members,
       COUNT { (o)-[:ORGANIZED]->(:Event) } AS events,
       reduce(s = 0, e IN [(o)-[:ORGANIZED]->(e:Event) | e] | s + coalesce(e.participants, 0)) AS participants,
       reduce(s = 0.0, e IN [(o)-[:ORGANIZED]->(e:Event) | e] | s + coalesce(e.amount, 0)) AS event_amount,
       COUNT { (o)<-[:CONCERNS]-(:Lead) } AS leads,
       COUNT { (o)<-[:LEADS]-(:Person)<-[:LISTS]-(:BlacklistEntry) } AS blacklisted_leaders,
       [(o)-[:HOLDS]->(b:BankAccount) | b.key] AS accounts
