// id: hub-figure
// title: {zh: 分析识别的挑头人物, en: Hub figure from the analytics}
// description: >
//   Persons the analytics (`python cli.py analyze run`) ranked among the top hub figures
//   (hub_rank), with the organizations they lead. Nothing is found before the analytics ran.
// parameters:
//   - {name: top, type: integer, default: 10, min: 1, max: 10000, description: "best hub ranks counted"}
// result_kind: table
// row_cap: 10000
// timeout_s: 60
MATCH (p:Person)
WHERE p.hub_rank IS NOT NULL AND p.hub_rank <= $top
OPTIONAL MATCH (p)-[r:LEADS]->(o:Organization)
WITH p, collect(o) AS orgs
RETURN p.key AS subject_key, 'Person' AS subject_label, p.name AS subject_name,
       {hub_rank: p.hub_rank, hub_score: p.hub_score, orgs: size(orgs), names: [o IN orgs | o.name]} AS detail,
       [o IN orgs | o.key] AS related,
       [{record: 'Person', key: p.key, text: p.name + ' hub_rank ' + toString(p.hub_rank) + ' hub_score ' + toString(p.hub_score),
         src_run: p.src_run, src_row: p.src_row}] AS evidence
ORDER BY subject_key
