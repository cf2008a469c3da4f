"""Report headers in both interface languages, choices and entity kinds (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import QueryError
from queries.registry import coerce_params, load_reports, parse_report

HEADER = """// id: demo-report
// title: {zh: 演示, en: Demo}
// description: Demo.
// parameters:
//   - {name: who, type: entity_key, description: "a party", kinds: [Person]}
//   - {name: flag, type: integer, default: 0, min: 0, max: 1, description: "a flag", choices: [{value: 0, zh: 否, en: 'no'}, {value: 1, zh: 是, en: 'yes'}]}
"""
BODY = """// result_kind: table
// row_cap: 10
// timeout_s: 10
MATCH (p:Person {key: $who}) RETURN p.name AS name, $flag AS flag
"""


def test_every_report_speaks_chinese_and_english():
    for report in load_reports().values():
        assert report.description_text("zh") != report.description_text("en"), report.id
        assert any("\u4e00" <= ch <= "\u9fff" for ch in report.description_text("zh")), report.id
        for p in report.parameters:
            assert p.label_text("zh") != p.name and p.description_text("zh") != p.description, (report.id, p.name)
            assert p.label_text("en") and p.description_text("en") == p.description
        for p in report.parameters:
            if p.type == "entity_key":
                assert p.kinds, (report.id, p.name)


def test_zh_block_choices_and_kinds_parse_and_check(tmp_path):
    text = HEADER + "// zh:\n//   description: 演示报告。\n//   parameters:\n//     who: {label: 人员, description: 一个人}\n" + BODY
    report = parse_report(text, Path("demo-report.cypher"))
    who, flag = report.parameters
    assert report.description_text("zh") == "演示报告。" and report.description_text("en") == "Demo."
    assert who.kinds == ("Person",) and who.label_text("zh") == "人员" and who.label_text("en") == "Who"
    assert flag.choices == (0, 1) and flag.choice_text(1, "zh") == "是" and flag.choice_text(0, "en") == "no"
    assert coerce_params(report, {"who": "x", "flag": "1"})["flag"] == 1
    unbounded = parse_report(text.replace("max: 1, ", ""), Path("demo-report.cypher"))
    with pytest.raises(QueryError, match="'flag'.*one of 0, 1"):
        coerce_params(unbounded, {"who": "x", "flag": "2"})


def test_list_choices_are_checked_item_by_item():
    path = load_reports()["shortest-path"]
    assert coerce_params(path, {"from": "a", "to": "b", "types": "LEADS, HOLDS"})["types"] == ["LEADS", "HOLDS"]
    with pytest.raises(QueryError, match="'types'.*DROP"):
        coerce_params(path, {"from": "a", "to": "b", "types": "LEADS, DROP"})


@pytest.mark.parametrize("bad, why", [
    ("// zh:\n//   title: x\n", "zh block"),
    ("// zh:\n//   parameters:\n//     nobody: {label: 无}\n", "nobody"),
    ("// zh:\n//   parameters:\n//     who: {label: 人员, colour: red}\n", "zh entry"),
])
def test_bad_zh_blocks_are_refused_with_a_sentence(bad, why):
    with pytest.raises(QueryError, match=why):
        parse_report(HEADER + bad + BODY, Path("demo-report.cypher"))


def test_kinds_only_on_entity_parameters():
    text = HEADER.replace("type: integer, default: 0,", "type: integer, default: 0, kinds: [Person],") + BODY
    with pytest.raises(QueryError, match="kinds of parameter 'flag'"):
        parse_report(text, Path("demo-report.cypher"))
