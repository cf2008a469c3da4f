// id: reformed
// title: {zh: 被撤销后换名继续活动, en: Re-formed under a new name after revocation}
// description: >
//   An organization led by several of the leaders of a revoked or deregistered organization,
//   who took their roles after the revocation (or linked by the analytics' REFORMED_AS).
// parameters:
//   - {name: min_shared_leaders, type: integer, default: 2, min: 1, max: 100, description: "leaders shared with the revoked organization"}
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (old:Organization)<-[:LEADS]-(p:Person)-[r:LEADS]->(new:Organization)
WHERE old.status IN ['撤销', '注销'] AND old.revoked_on IS NOT NULL AND new <> old
  AND coalesce(new.status, '未登记') IN ['未登记', '筹备']
  AND (r.since IS NULL OR r.since > old.revoked_on)
WITH old, new, collect({p: p, r: r}) AS shared
WHERE size(shared) >= $min_shared_leaders OR EXISTS { (old)-[:REFORMED_AS]->(new) }
RETURN new.key AS subject_key, 'Organization' AS subject_label, new.name AS subject_name,
       {old_key: old.key, old_name: old.name, revoked_on: old.revoked_on, shared: size(shared)} AS detail,
       [{record: 'Organization', key: old.key, text: old.name + ' ' + old.status + ' ' + toString(old.revoked_on),
         src_run: old.src_run, src_row: old.src_row}] +
       [s IN shared | {record: 'LEADS', key: s.p.key,
         text: s.p.name + ' ' + coalesce(s.r.role, '') + ' ' + coalesce(toString(s.r.since), ''),
         load_runs: s.r.load_runs, src_rows: s.r.src_rows}] AS evidence
ORDER BY subject_key
