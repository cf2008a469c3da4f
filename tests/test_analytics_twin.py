"""analytics/reformed.py and its Cypher twin, the ``reformed-organizations`` report, agree
(one definition of a re-formed organization) on a hand-made graph covering each criterion."""

from __future__ import annotations

import pytest

from analytics import api
from analytics.config import analytics_settings
from queries.registry import load_reports
from queries.runner import run_report

# old orgs: O1 revoked, O2 deregistered, O3 blacklisted (status normal); newer ones:
#   N1 shares two leaders with O1                       -> pair
#   N2 shares one leader with O1                        -> no pair (too few)
#   N3 shares O2's domicile                             -> pair
#   N4 holds O3's account                               -> pair
#   N5 shares two leaders with O1 but registered before O1 was revoked -> no pair (not newer)
#   N6 shares a leader known by name alone (ns:) twice  -> no pair
#   N7: six of its members pay into O2's account (and nobody else does) -> pair (collector)
GRAPH = """
CREATE (o1:Organization {key: 'O1', name: '旧一', status: '撤销', registered_on: date('2010-01-01'), revoked_on: date('2022-01-01')}),
       (o2:Organization {key: 'O2', name: '旧二', status: '注销', registered_on: date('2011-01-01'), revoked_on: date('2021-06-01')}),
       (o3:Organization {key: 'O3', name: '旧三', status: '正常', registered_on: date('2012-01-01')}),
       (n1:Organization {key: 'N1', name: '新一'}), (n2:Organization {key: 'N2', name: '新二'}),
       (n3:Organization {key: 'N3', name: '新三', status: '正常', registered_on: date('2023-01-01')}),
       (n4:Organization {key: 'N4', name: '新四'}),
       (n5:Organization {key: 'N5', name: '新五', status: '正常', registered_on: date('2015-01-01')}),
       (n6:Organization {key: 'N6', name: '新六'}), (n7:Organization {key: 'N7', name: '新七'}),
       (a:Person {key: '110', name: '甲', id_valid: true}), (b:Person {key: '120', name: '乙', id_valid: true}),
       (c:Person {key: '130', name: '丙', id_valid: true}),
       (x1:Person {key: 'ns:f:丁', name: '丁'}), (x2:Person {key: 'ns:f:戊', name: '戊'}),
       (a)-[:LEADS {role: '会长'}]->(o1), (b)-[:LEADS {role: '副会长'}]->(o1), (a)-[:LEADS {role: '会长'}]->(n1),
       (b)-[:LEADS {role: '秘书长'}]->(n1), (c)-[:LEADS {role: '理事'}]->(o1), (c)-[:LEADS {role: '会长'}]->(n2),
       (a)-[:LEADS {role: '理事'}]->(n5), (b)-[:LEADS {role: '理事'}]->(n5),
       (x1)-[:LEADS {role: '法定代表人'}]->(o1), (x1)-[:LEADS {role: '会长'}]->(n6),
       (x2)-[:LEADS {role: '法定代表人'}]->(o1), (x2)-[:LEADS {role: '副会长'}]->(n6),
       (ad:Address {key: 'AD', text: '某路1号'}), (o2)-[:LOCATED_AT]->(ad), (n3)-[:LOCATED_AT]->(ad),
       (acc:BankAccount {key: 'ACC3'}), (o3)-[:HOLDS]->(acc), (n4)-[:HOLDS]->(acc),
       (bl:BlacklistEntry {key: 'BL', name: '某'}), (bl)-[:CONCERNS]->(o3),
       (acc2:BankAccount {key: 'ACC2'}), (o2)-[:HOLDS]->(acc2)
WITH acc2, n7
UNWIND range(1, 6) AS i
CREATE (m:Person {key: 'M' + i, name: '会员' + i, id_valid: true})-[:MEMBER_OF]->(n7),
       (m)-[:HOLDS]->(ma:BankAccount {key: 'MA' + i}),
       (ma)-[:TRANSFER {tx_key: 'T' + i, amount: 100.0, time: datetime('2024-01-01T10:00:00')}]->(acc2)
"""
EXPECTED = {("O1", "N1"), ("O2", "N3"), ("O3", "N4"), ("O2", "N7")}


def test_reformed_analytics_and_report_agree(clean_db):
    db = clean_db
    db.write(GRAPH)
    mine = {(p["old_key"], p["new_key"]) for p in api.reformed_pairs(db)}
    assert mine == EXPECTED
    report = load_reports()["reformed-organizations"]
    min_shared = analytics_settings()["reformed"]["min_shared_leaders"]
    rows = run_report(db, report, {"min_shared": min_shared}).rows
    assert {(r["old_key"], r["new_key"]) for r in rows} == EXPECTED
    by_pair = {(r["old_key"], r["new_key"]): r for r in rows}
    assert by_pair[("O2", "N3")]["shared_addresses"] == ["某路1号"]
    assert by_pair[("O3", "N4")]["shared_accounts"] == ["ACC3"]
    assert by_pair[("O2", "N7")]["shared_accounts"] == ["ACC2"]
    assert len(by_pair[("O1", "N1")]["shared_leaders"]) == 2
