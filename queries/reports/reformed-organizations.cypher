// id: reformed-organizations
// title: {zh: 撤销后换名重组, en: Revoked organizations re-formed under a new name}
// description: >
//   Revoked (撤销), deregistered (注销) or blacklisted organizations and a newer one (unregistered,
//   or registered after the old one ended) sharing at least min_shared leaders, or an address, or
//   an account (held by it or collecting its members' fees), with the events the newer one held
//   after the revocation: the pattern of carrying on under a new name. The Cypher twin of
//   analytics/reformed.py (python cli.py analyze reformed): same criteria, same settings
//   (analytics/settings.yaml: reformed, org_org), checked to agree by tests/test_analytics_twin.py
//   and tests/test_analytics_demo.py; change both together.
// parameters:
//   - {name: min_shared, type: integer, default: 2, min: 1, max: 100, description: "fewest shared leaders when no address or account is shared"}
// result_kind: table
// row_cap: 500
// timeout_s: 60
CALL () {
  // what each organization can share: (organization, kind, item, reached through, text)
  MATCH (p:Person)-[:LEADS|DIRECTOR_OF|OWNS|REPRESENTS]->(o:Organization) WHERE NOT p.key STARTS WITH 'ns:'
  RETURN o, 'leader' AS kind, p.key AS item, p.key AS via, p.name + ' ' + p.key AS text
  UNION
  MATCH (o:Organization)-[:LOCATED_AT]->(a:Address)
  RETURN o, 'address' AS kind, a.key AS item, o.key AS via, a.text AS text
  UNION
  MATCH (o:Organization)-[:ORGANIZED]->(:Event)-[:HELD_AT]->(a:Address)
  RETURN o, 'address' AS kind, a.key AS item, o.key AS via, a.text AS text
  UNION
  MATCH (a:Address)<-[:LOCATED_AT]-(p:Person)-[:LEADS|DIRECTOR_OF|OWNS|REPRESENTS]->(o:Organization)
  WHERE NOT p.key STARTS WITH 'ns:'
  RETURN o, 'address' AS kind, a.key AS item, p.key AS via, a.text AS text
  UNION
  MATCH (o:Organization)-[:HOLDS]->(acc:BankAccount)
  RETURN o, 'account' AS kind, acc.key AS item, o.key AS via, acc.key AS text
  UNION
  // an account collecting an organization's fees: at least 5 of its members' accounts paid
  // in, and at least 20% of all the accounts paying in
  MATCH (o:Organization)<-[:MEMBER_OF]-(:Person)-[:HOLDS]->(src:BankAccount)-[:TRANSFER]->(acc:BankAccount)
  WHERE src <> acc
  WITH o, acc, count(DISTINCT src) AS members
  WHERE members >= 5 AND members >= 0.2 * size(COLLECT { MATCH (x:BankAccount)-[:TRANSFER]->(acc) WHERE x <> acc RETURN DISTINCT x.key })
  RETURN o, 'account' AS kind, acc.key AS item, acc.key AS via, acc.key AS text
}
WITH kind, item, text, collect({o: o, via: via}) AS reach
WITH kind, item, text, reach, reduce(s = [], r IN reach | CASE WHEN r.o IN s THEN s ELSE s + r.o END) AS orgs
WHERE size(orgs) >= 2 AND (kind <> 'address' OR size(orgs) <= 6)
UNWIND orgs AS old
WITH kind, item, text, reach, orgs, old
WHERE old.status IN ['撤销', '注销'] OR EXISTS { (:BlacklistEntry)-[:CONCERNS]->(old) }
UNWIND orgs AS new
WITH kind, text, old, new,
     reduce(s = [], r IN [r IN reach WHERE r.o = old] | CASE WHEN r.via IN s THEN s ELSE s + r.via END) AS v1,
     reduce(s = [], r IN [r IN reach WHERE r.o = new] | CASE WHEN r.via IN s THEN s ELSE s + r.via END) AS v2
WHERE new <> old AND NOT coalesce(new.status, '') IN ['撤销', '注销']
  AND NOT EXISTS { (:BlacklistEntry)-[:CONCERNS]->(new) }
  AND (new.registered_on IS NULL OR coalesce(old.revoked_on, old.registered_on) IS NULL
       OR new.registered_on > coalesce(old.revoked_on, old.registered_on))
  // an address reached through one and the same person on both sides: that person is a
  // shared leader already
  AND NOT (kind = 'address' AND size(v1) = 1 AND v1 = v2 AND NOT v1[0] IN [old.key, new.key])
WITH old, new, kind, collect(DISTINCT text) AS items
WITH old, new, collect({kind: kind, items: items}) AS shared
WITH old, new,
     coalesce([s IN shared WHERE s.kind = 'leader' | s.items][0], []) AS shared_leaders,
     coalesce([s IN shared WHERE s.kind = 'address' | s.items][0], []) AS shared_addresses,
     coalesce([s IN shared WHERE s.kind = 'account' | s.items][0], []) AS shared_accounts
WHERE size(shared_leaders) >= $min_shared OR size(shared_addresses) > 0 OR size(shared_accounts) > 0
RETURN old.key AS old_key, old.name AS old_org, coalesce(old.status, '') AS old_status, old.revoked_on AS revoked_on,
       new.key AS new_key, new.name AS new_org, coalesce(new.status, '未登记') AS new_status,
       shared_leaders, shared_addresses, shared_accounts,
       [(new)-[:ORGANIZED]->(e:Event) WHERE old.revoked_on IS NOT NULL AND e.date > old.revoked_on | toString(e.date) + ' ' + e.name] AS events_after
ORDER BY old_org, new_org, old_key, new_key
