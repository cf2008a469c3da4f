// id: regional-distribution
// title: {zh: 区域分布, en: Regional distribution}
// description: >
//   Social organizations per district (区县) with their registration status, events and
//   participants. The district is the domicile's; for organizations without one (typically the
//   unregistered), the district where most of their events took place. Companies are left out.
// parameters: []
// zh:
//   description: "各区县的社会组织及其登记状态、活动和参与人数。区县取住所所在地；没有住所的组织（通常是未登记的）取其大多数活动所在区县。不含企业。"
// result_kind: table
// row_cap: 500
// timeout_s: 30
MATCH (o:Organization)
WHERE NOT coalesce(o.credit_code, o.key) STARTS WITH '9'
CALL (o) {
  OPTIONAL MATCH (o)-[:LOCATED_AT]->(home:Address)
  RETURN head(collect(home.district)) AS home_district
}
CALL (o) {
  OPTIONAL MATCH (o)-[:ORGANIZED]->(:Event)-[:HELD_AT]->(v:Address)
  WITH v.district AS d, count(*) AS n ORDER BY n DESC, d
  RETURN head(collect(d)) AS venue_district
}
CALL (o) {
  OPTIONAL MATCH (o)-[:ORGANIZED]->(e:Event)
  RETURN count(e) AS events, sum(coalesce(e.participants, 0)) AS participants
}
WITH o, events, participants, coalesce(home_district, o.region, venue_district, '未知 unknown') AS district
RETURN district,
       count(o) AS organizations,
       sum(CASE WHEN o.status IS NULL OR o.status = '未登记' THEN 1 ELSE 0 END) AS unregistered,
       sum(CASE o.status WHEN '正常' THEN 1 ELSE 0 END) AS registered,
       sum(CASE o.status WHEN '撤销' THEN 1 ELSE 0 END) AS revoked,
       sum(CASE o.status WHEN '注销' THEN 1 ELSE 0 END) AS deregistered,
       sum(CASE o.status WHEN '筹备' THEN 1 ELSE 0 END) AS preparing,
       sum(events) AS events,
       sum(participants) AS participants,
       collect(CASE WHEN o.status IS NULL OR o.status <> '正常' THEN o.name END)[..10] AS not_in_good_standing
ORDER BY organizations DESC, district
