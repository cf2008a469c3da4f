// id: blacklist-hits
// title: {zh: 黑名单人员任职, en: Blacklisted persons in other organizations}
// description: >
//   Persons on the blacklist (黑名单) who lead or are members of an organization other than the
//   one they were listed for, with the date listed, the reason, the role, and whether the role
//   began after the listing.
// parameters: []
// zh:
//   description: "列入黑名单的人员又在其被列入时所涉组织以外的组织中担任负责人或成为成员：列入日期、原因、职务，以及任职是否始于列入之后。"
// result_kind: table
// row_cap: 1000
// timeout_s: 30
MATCH (b:BlacklistEntry)-[:LISTS]->(p:Person)
MATCH (p)-[r:LEADS|MEMBER_OF]->(o:Organization)
WHERE NOT EXISTS { (b)-[:CONCERNS]->(o) } AND o.name <> coalesce(b.org_name, '')
RETURN p.key AS person,
       p.name AS name,
       b.listed_on AS listed_on,
       b.reason AS reason,
       b.org_name AS listed_org,
       o.key AS org_key,
       o.name AS org,
       coalesce(o.status, '未登记') AS org_status,
       CASE type(r) WHEN 'LEADS' THEN '负责人 leader' ELSE '成员 member' END AS relation,
       r.role AS role,
       coalesce(r.since, r.joined_on) AS since,
       coalesce(r.since, r.joined_on) > b.listed_on AS after_listing
ORDER BY listed_on, person, org
