"""The entity search behind the workbench's picker, against a real Neo4j."""

from __future__ import annotations

import pytest

from queries.search import detail, lucene_terms, search_entities


def test_lucene_terms_escape_special_characters():
    assert lucene_terms("扶贫 促进会") == '"扶贫" AND "促进会"'
    assert lucene_terms('a(b) c/d "x') == '"a(b)" AND "c/d" AND "x"'
    assert lucene_terms("   ") == ""


def test_detail_tells_namesakes_apart():
    assert detail({"label": "Person", "id_number": "500103199001011234", "region": "渝中区"}) == "ID …1234 · 渝中区"
    assert detail({"label": "BankAccount", "bank": "工商银行", "number": "6222020000001234", "key": "X",
                   "holder_name": "张三", "kind": "bank"}) == "工商银行 · …1234 · 张三"
    assert detail({"label": "Address", "district": "江北区"}) == "江北区"
    assert detail({"label": "Person", "src_file": "roster.csv"}) == "⟵ roster.csv"


@pytest.fixture()
def namesakes(clean_db):
    clean_db.write(
        "CREATE (:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会', status: '未登记'}), "
        "(:Person {key: '500103199001011234', name: '王建国', id_number: '500103199001011234', region: '渝中区'}), "
        "(:Person {key: 'np:王建国|13800000000', name: '王建国', region: '江北区'}), "
        "(:BankAccount {key: '6222020000001234', number: '6222020000001234', bank: '工商银行', holder_name: '王建国'}), "
        "(:Address {key: '重庆市渝中区解放碑1号', text: '重庆市渝中区解放碑1号', district: '渝中区'})")
    clean_db.run_autocommit("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()")
    return clean_db


def test_search_finds_chinese_names_with_details(namesakes):
    hits = search_entities(namesakes, "扶贫")
    assert [(h["label"], h["name"]) for h in hits] == [("Organization", "中华精准扶贫促进会")]
    people = search_entities(namesakes, "王建国", ["Person"])
    assert {h["key"] for h in people} == {"500103199001011234", "np:王建国|13800000000"}
    assert {h["detail"] for h in people} == {"ID …1234 · 渝中区", "江北区"}
    surname = search_entities(namesakes, "王", ["Person"])  # one character: the analyzer's pairs miss it
    assert {h["key"] for h in surname} == {"500103199001011234", "np:王建国|13800000000"}


def test_search_by_number_and_kind_filter(namesakes):
    assert [h["key"] for h in search_entities(namesakes, "6222 0200", ["BankAccount"])] == ["6222020000001234"]
    assert search_entities(namesakes, "500103199001011234", ["Person"])[0]["key"] == "500103199001011234"
    assert all(h["label"] == "BankAccount" for h in search_entities(namesakes, "王建国", ["BankAccount"]))
    assert [h["label"] for h in search_entities(namesakes, "解放碑", ["Address"])] == ["Address"]
    assert search_entities(namesakes, "   ") == []


def test_odd_text_is_searched_not_a_crash(namesakes):
    assert search_entities(namesakes, 'a(b)"[c] AND OR ~') == []
