"""The screening rules file and the pure steps (no database)."""

from __future__ import annotations

import shutil

import pytest
import yaml

from core.errors import ScreeningError
from screening import engine
from screening.config import DEFAULT_RULES, load_config


@pytest.fixture(scope="module")
def config():
    return load_config()


def test_shipped_rules_cover_the_seven_classes_and_the_notice_dispositions(config):
    assert {r.notice_class for r in config.rules if r.notice_class} == set(range(1, 8))
    assert {"guide_register", "dissolve", "disband", "ban", "refer_police", "refer_market",
            "refer_foreign_police"} <= set(config.labels)
    gates = {r.id for r in config.rules if r.gate}
    assert {"unregistered", "revoked-active", "preparing-overreach", "foreign-unregistered"} <= gates
    # every naming rule waits for the gate
    for r in config.rules:
        if r.query.id == "name-keywords":
            assert r.requires_gate, r.id
    assert config.disposition_id("取缔") == "ban" and config.disposition_id("Ban") == "ban"
    with pytest.raises(ScreeningError, match="no disposition"):
        config.disposition_id("nothing")


def _edited(tmp_path, change):
    spec = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    change(spec)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def test_thresholds_and_keywords_are_data(tmp_path):
    def change(spec):
        rule = next(r for r in spec["rules"] if r["id"] == "class6-scale")
        rule["params"]["min_event_participants"] = 50
        next(r for r in spec["rules"] if r["id"] == "class3-name")["params"]["keywords"].append("华夏")
    config = load_config(_edited(tmp_path, change))
    assert config.rule("class6-scale").params["min_event_participants"] == 50
    assert "华夏" in config.rule("class3-name").params["keywords"]


@pytest.mark.parametrize("change, message", [
    (lambda s: s["rules"][0].update(query="no-such-query"), "not in"),
    (lambda s: s["rules"][0].update({"class": 9}), "class"),
    (lambda s: next(r for r in s["rules"] if r["id"] == "class6-scale")["params"].update(min_members="many"), "whole number"),
    (lambda s: next(r for r in s["rules"] if r["id"] == "class6-scale")["params"].update(colour=1), "no parameter"),
    (lambda s: s["rules"].append(dict(s["rules"][0])), "used twice"),
    (lambda s: s["dispositions"]["suggest"].append({"to": "execute", "when": {}}), "declared disposition"),
    (lambda s: s["dispositions"]["suggest"].append({"to": "ban", "when": {"any_rule": ["nope"]}}), "unknown rule"),
    (lambda s: s["rules"][0].pop("reason"), "zh and an en"),
])
def test_a_bad_rules_file_is_a_sentence(tmp_path, change, message):
    with pytest.raises(ScreeningError, match=message) as info:
        load_config(_edited(tmp_path, change))
    assert str(info.value).endswith(".") and "rules.yaml" in str(info.value)


def test_unreadable_rules_file(tmp_path):
    with pytest.raises(ScreeningError, match="cannot be read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"rules: [\xff")
    with pytest.raises(ScreeningError, match="not UTF-8 YAML"):
        load_config(bad)


def _raw(config, rule_id, subject):
    return engine.RawFinding(config.rule(rule_id), subject, "Organization", subject, {"words": ["中国"]}, [])


def test_gate_drops_name_findings_on_lawful_organizations(config):
    raw = [_raw(config, "class3-name", "lawful"), _raw(config, "class3-name", "illegal"),
           _raw(config, "unregistered", "illegal")]
    kept, dropped = engine.apply_gate(raw)
    assert [(f.rule.id, f.subject_key) for f in kept] == [("class3-name", "illegal"), ("unregistered", "illegal")]
    assert dropped == 1


def test_aggregate_scores_and_suggests(config):
    def finding(rule_id, key="o1"):
        r = config.rule(rule_id)
        return {"key": f"{rule_id}|{key}", "rule": rule_id, "notice_class": r.notice_class, "gate": r.gate,
                "weight": r.weight, "reason_zh": rule_id, "reason_en": rule_id, "subject_label": "Organization",
                "targets": [key]}
    rows = engine.aggregate(config, [finding("class5-name"), finding("unregistered"), finding("class4-name"),
                                     finding("blacklisted-leader", "o2")],
                            {"o1": {"name": "甲", "status": "未登记"}, "o2": {"name": "乙", "status": "正常"}})
    first, second = rows
    assert first["key"] == "o1" and first["classes"] == [4, 5] and first["gate"]
    assert first["score"] == config.rule("class5-name").weight + config.rule("unregistered").weight + config.rule("class4-name").weight
    assert first["rules"][0] == "unregistered"  # registration reasons first
    assert first["suggested_disposition"] == "refer_police"
    assert second["suggested_disposition"] == "notify_registration"
    only_unregistered = engine.aggregate(config, [finding("unregistered")], {})
    assert only_unregistered[0]["suggested_disposition"] == "dissolve"


def test_reason_text():
    assert engine.reason_text("名称含{words}，{n}人，¥{amount}", {"words": ["中国", "国际"], "n": 12000, "amount": 1234.5}) \
        == "名称含中国、国际，12,000人，¥1,234"
    assert engine.reason_text("{missing}", {}) == "?"
    with pytest.raises(ScreeningError):
        engine.reason_text("{words!z}", {"words": "x"})
