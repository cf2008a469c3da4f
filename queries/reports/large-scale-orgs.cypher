// id: large-scale-orgs
// title: {zh: 涉及资金量大、参与人数多的组织, en: Organizations with much money or many participants}
// description: >
//   The notice's class 6: organizations ranked by money (raised at events, plus what members paid
//   into accounts held by the organization or its leaders) and by people (members, event
//   participants). Shown when any of the thresholds is reached. Companies are left out.
// parameters:
//   - {name: min_participants, type: integer, default: 1000, min: 0, description: "event participants in total"}
//   - {name: min_members, type: integer, default: 100, min: 0, description: "members"}
//   - {name: min_amount, type: float, default: 100000, min: 0, description: "money in total (yuan)"}
// zh:
//   description: "通知第六类：按资金（活动收费，加上成员向组织或其负责人持有账户的付款）和人数（成员、活动参与人数）排列的组织，达到任一门槛即显示。不含企业。"
//   parameters:
//     min_participants: {label: "最少活动参与人次", description: "活动参与人数合计"}
//     min_members: {label: "最少成员数", description: "成员人数"}
//     min_amount: {label: "最少金额（元）", description: "资金合计"}
// result_kind: table
// row_cap: 500
// timeout_s: 60
MATCH (o:Organization)
WHERE NOT coalesce(o.credit_code, o.key) STARTS WITH '9'
CALL (o) {
  OPTIONAL MATCH (o)-[:ORGANIZED]->(e:Event)
  RETURN count(e) AS events, sum(coalesce(e.participants, 0)) AS participants,
         sum(coalesce(e.amount, 0.0)) AS event_amount
}
CALL (o) {
  OPTIONAL MATCH (o)<-[:MEMBER_OF]-(m:Person)-[:HOLDS]->(:BankAccount)-[t:TRANSFER]->(:BankAccount)<-[:HOLDS]-(h)
  WHERE h = o OR (h)-[:LEADS]->(o)
  RETURN count(DISTINCT m) AS paying_members, sum(coalesce(t.amount, 0.0)) AS member_payments
}
WITH o, events, participants, event_amount, paying_members, member_payments,
     COUNT { (o)<-[:MEMBER_OF]-(:Person) } AS members
WHERE participants >= $min_participants OR members >= $min_members
   OR event_amount + member_payments >= $min_amount
RETURN o.key AS org_key,
       o.name AS org,
       coalesce(o.status, '未登记') AS status,
       members,
       events,
       participants,
       round(event_amount, 2) AS event_amount,
       paying_members,
       round(member_payments, 2) AS member_payments,
       round(event_amount + member_payments, 2) AS total_amount
ORDER BY total_amount DESC, participants DESC, org
