"""The bad-input corpus (tests/fixtures/bad), reading stage only: files that cannot be read
raise LoadError from loaders/read.py, every other one reads, with the expected row count."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # plain `pytest` puts tests/ first on the path, not the project
    sys.path.insert(0, str(_ROOT))

from core.errors import LoadError  # noqa: E402
from loaders.read import ERROR_KEY, WARNINGS_KEY, iter_table  # noqa: E402

BAD = _ROOT / "tests" / "fixtures" / "bad"
EXPECTED: dict[str, dict] = yaml.safe_load((BAD / "expected.yaml").read_text("utf-8"))["files"]
REASONS = {"bad_date", "bad_amount", "zero_amount", "missing_value", "extra_cells", "bad_json",
           "field_too_long", "bad_direction"}
WARNINGS = {"bad_id_checksum", "id_region_note", "formula_text", "duplicate_row",
            "excel_number_precision", "negative_amount", "sign_disagrees_with_flag", "encoding_fallback"}
READ_WARNINGS = {"excel_number_precision", "encoding_fallback"}   # found by read.py itself


def _make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CORPUS = _make_corpus()


def test_corpus_and_expectations_match() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.is_file()} - {"make_corpus.py", "expected.yaml"}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 22


def test_corpus_is_reproducible(tmp_path: Path) -> None:
    CORPUS.main(tmp_path)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(EXPECTED)
    for name in made:
        assert (tmp_path / name).read_bytes() == (BAD / name).read_bytes(), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expectation_is_well_formed(name: str) -> None:
    entry = EXPECTED[name]
    assert entry["kind"] in {"bank", "roster", "ftm"}
    expect = entry["expect"]
    if expect.get("fatal"):
        assert expect["stage"] in {"read", "map"} and expect["message_contains"]
        assert ("read_rows" in entry) == (expect["stage"] == "map")
    else:
        assert expect["status"] == "loaded" and "read_rows" in entry
        assert 0 <= expect["min_rejected"] <= expect["max_rejected"] <= entry["read_rows"]
        assert set(expect["reasons"]) <= REASONS
        assert bool(expect["reasons"]) == (expect["max_rejected"] > 0)
        assert set(expect.get("warnings", [])) <= WARNINGS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reading_stage(name: str) -> None:
    entry = EXPECTED[name]
    expect = entry["expect"]
    if expect.get("stage") == "read":
        with pytest.raises(LoadError) as caught:
            iter_table(BAD / name)
        assert expect["message_contains"] in str(caught.value)
        assert name in str(caught.value) and caught.value.file == name
        return
    table = iter_table(BAD / name)
    rows = [row for chunk in table.chunks() for row in chunk]
    assert len(rows) == entry["read_rows"]
    layout = {"bank": CORPUS.BANK, "roster": CORPUS.ROSTER, "ftm": []}[entry["kind"]]
    if name == "missing_column.csv":
        assert table.header == [c for c in layout if c != "交易金额"]
    elif name == "whitespace_single_column.txt":
        assert len(table.header) == 1
    else:
        assert table.header == layout
    if entry["kind"] == "ftm":
        assert table.format == "jsonl"
        assert sum(ERROR_KEY in row for _, row in rows) == expect["max_rejected"]
    found = [code for _, row in rows for code, _ in row.get(WARNINGS_KEY, [])]
    wanted = READ_WARNINGS & set(expect.get("warnings", []))
    assert sorted(found) == sorted(c for c in wanted for _ in range(expect["warnings_min"]))
