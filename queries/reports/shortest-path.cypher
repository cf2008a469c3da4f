// id: shortest-path
// title: {zh: 最短关联路径, en: Shortest connection}
// description: >
//   The shortest chain of relationships between two entities (any of organization, person,
//   account, address, phone, event, lead, blacklist entry, by key), using only the relationship
//   types listed, at most max_hops long, in either direction.
// parameters:
//   - {name: from, type: entity_key, description: "key of the first entity"}
//   - {name: to, type: entity_key, description: "key of the second entity"}
//   - {name: types, type: list, default: [LEADS, MEMBER_OF, HOLDS, TRANSFER, LOCATED_AT, HAS_PHONE, ORGANIZED, ATTENDED, HELD_AT, CONCERNS, LISTS, BRANCH_OF, OWNS, ASSOCIATE_OF, FAMILY_OF, LINKED_TO, EMPLOYED_BY, REPRESENTS, SUCCEEDED_BY, OCCUPIES, POST_IN], description: "relationship types that may be used"}
//   - {name: max_hops, type: integer, default: 6, min: 1, max: 12, description: "longest chain"}
// result_kind: paths
// row_cap: 10
// timeout_s: 30
// picture: [connection]
MATCH (a:Organization|Person|LegalEntity|Position|BankAccount|Address|Phone|Event|Lead|BlacklistEntry {key: $from})
MATCH (b:Organization|Person|LegalEntity|Position|BankAccount|Address|Phone|Event|Lead|BlacklistEntry {key: $to})
WHERE a <> b
MATCH connection = shortestPath((a)-[*..{{max_hops}}]-(b))
WHERE all(r IN relationships(connection) WHERE type(r) IN $types)
  AND length(connection) <= $max_hops
RETURN length(connection) AS hops,
       [n IN nodes(connection) | labels(n)[0] + ': ' + coalesce(n.name, n.holder_name, n.text, n.key)] AS chain,
       [r IN relationships(connection) | type(r)] AS relationship_types,
       [n IN nodes(connection) | n.key] AS keys,
       connection
