// id: blacklisted-leader
// title: {zh: 黑名单人员发起或担任负责人, en: Blacklisted person founding or leading an organization}
// description: >
//   Persons on the blacklist (黑名单) who lead an organization other than the one they were
//   listed for; the notice bars them from founding or leading social organizations.
// parameters: []
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (b:BlacklistEntry)-[:LISTS]->(p:Person)-[r:LEADS]->(o:Organization)
WHERE NOT EXISTS { (b)-[:CONCERNS]->(o) } AND o.name <> coalesce(b.org_name, '')
WITH o, p, r, collect(b) AS entries
RETURN o.key AS subject_key, 'Organization' AS subject_label, o.name AS subject_name,
       {person_key: p.key, person: p.name, role: r.role, since: r.since,
        listed_on: entries[0].listed_on, listed_org: entries[0].org_name,
        after_listing: r.since IS NOT NULL AND r.since > entries[0].listed_on} AS detail,
       [p.key] AS related,
       [b IN entries | {record: 'BlacklistEntry', key: b.key,
         text: b.name + ' ' + toString(b.listed_on) + ' ' + coalesce(b.reason, '') + ' ' + coalesce(b.org_name, ''),
         src_run: b.src_run, src_row: b.src_row}] +
       [{record: 'LEADS', key: p.key, text: p.name + ' ' + coalesce(r.role, '') + ' ' + coalesce(toString(r.since), ''),
         load_runs: r.load_runs, src_rows: r.src_rows}] AS evidence
ORDER BY subject_key, detail.person_key
