"""FollowTheMoney without losses (issue 10 §4): the model's edges, every listed link schema
against the real server (roles, dates, source, directions), addressEntity references in any
order, LegalEntity, names as written, undated payments and the money-trail reports' count of
them, and the rule functions shared with the table mappings."""

from __future__ import annotations

import base64
import hashlib

import pytest

from graph import schema
from graph.provenance import rel_sightings_cypher
from loaders import clean
from loaders.ftm import LINK_TYPES, FtmSource
from loaders.ftm_model import EDGES, MODEL_DIR, vendored_files
from loaders.mapping import builtin_mappings
from loaders.pipeline import load_file
from queries.registry import load_reports
from queries.runner import run_report
from tests.conftest import FIXTURES

LINKS = FIXTURES / "samples" / "ftm_links.jsonl"
LISTED = {"Ownership", "Directorship", "Membership", "Employment", "Representation", "Family", "Associate",
          "Succession", "UnknownLink", "Occupancy", "Payment"}


# ------------------------------------------------------------------ the model (no database)

def test_vendored_model_files_are_the_released_ones():
    """Each vendored schema file has the SHA-256 the followthemoney wheel's RECORD gives it."""
    record = {}
    for line in (MODEL_DIR / "RECORD").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            path, digest, size = line.split(",")
            record[path.rsplit("/", 1)[1]] = (digest, int(size))
    files = vendored_files()
    assert {f.name for f in files} == set(record)
    for f in files:
        data = f.read_bytes()
        digest = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, len(data)) == record[f.name], f.name


def test_every_listed_link_schema_is_mapped_from_the_model_edge():
    assert LISTED <= set(LINK_TYPES) <= set(EDGES)
    for name, rel_type in LINK_TYPES.items():
        assert rel_type in schema.REL_BY_TYPE, rel_type
        for prop in (EDGES[name].source, EDGES[name].target):
            assert prop in (MODEL_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    # a few ends, as the model files state them (Employment points from employee to employer)
    assert (EDGES["Employment"].source, EDGES["Employment"].target) == ("employee", "employer")
    assert (EDGES["Succession"].source, EDGES["Succession"].target) == ("predecessor", "successor")
    assert (EDGES["Occupancy"].source, EDGES["Occupancy"].target) == ("holder", "post")
    for rel_type in ("EMPLOYED_BY", "REPRESENTS", "SUCCEEDED_BY", "OCCUPIES"):
        assert {"role", "start_date", "end_date", "source"} <= set(schema.REL_BY_TYPE[rel_type].properties)
    assert "LegalEntity" in schema.NODE_BY_LABEL and "time" not in schema.REL_BY_TYPE["TRANSFER"].required


# ------------------------------------------------------------------ one rule, one place (no database)

def _ftm_results(tmp_path, lines: list[str]):
    path = tmp_path / "one.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = FtmSource(path)
    results = [r for _, chunk in source.results(100) for r in chunk]
    return source.scope, results


def _node(results, label):
    return next(n for r in results for n in r.nodes if n.label == label)


def _warnings(results):
    return sorted((w.code, w.detail, w.value) for r in results for w in r.warnings)


def test_same_values_give_the_same_keys_and_flags_through_a_mapping_and_ftm(tmp_path):
    mappings = builtin_mappings()
    scope, ftm = _ftm_results(tmp_path, [
        '{"id": "o", "schema": "Organization", "properties": {"name": ["重庆市旧促进会"], '
        '"uscCode": ["91500000MA5U0000X1"], "addressEntity": ["a"]}}',
        '{"id": "a", "schema": "Address", "properties": {"full": ["重庆市渝中区 解放碑路18号(A座)"]}}',
        '{"id": "p", "schema": "Person", "properties": {"name": ["Li Lei"], "idNumber": ["500102199001010023"], '
        '"phone": ["+86 138 0013 8000"]}}',
        '{"id": "b", "schema": "BankAccount", "properties": {"accountNumber": ["6222 0212 3456 7890"]}}'])

    registry = mappings["registry"]
    row = {"名称": "重庆市旧促进会", "统一社会信用代码": "91500000MA5U0000X1", "登记状态": "正常",
           "住所": "重庆市渝中区 解放碑路18号(A座)"}
    table = registry.apply(2, row, registry.match_header(list(row)), scope)
    org_t, org_f = _node([table], "Organization"), _node(ftm, "Organization")
    assert org_t.key == org_f.key == "name:重庆市旧促进会"
    for prop in ("credit_code", "credit_code_valid"):
        assert org_t.props[prop] == org_f.props[prop], prop
    assert org_f.props["credit_code_valid"] is False
    addr_t, addr_f = _node([table], "Address"), _node(ftm, "Address")
    assert (addr_t.key, addr_t.props) == (addr_f.key, addr_f.props)

    roster = mappings["roster"]
    row = {"组织名称": "重庆市旧促进会", "姓名": "Li Lei", "身份证号": "500102199001010023",
           "手机号": "+86 138 0013 8000", "职务": "会员"}
    people = roster.apply(3, row, roster.match_header(list(row)), scope)
    person_t, person_f = _node([people], "Person"), _node(ftm, "Person")
    assert person_t.key == person_f.key == "np:Li Lei|13800138000"
    for prop in ("id_number", "id_valid", "birth_date", "gender"):
        assert person_t.props[prop] == person_f.props[prop], prop

    bank = mappings["bank"]
    row = {"交易卡号": "6222 0212 3456 7890", "交易时间": "2023-01-01 10:00:00", "交易金额": "100", "收付标志": "出"}
    statement = bank.apply(4, row, bank.match_header(list(row)), scope)
    account_t = next(n for n in statement.nodes if n.label == "BankAccount" and n.props.get("kind") == "account")
    account_f = _node(ftm, "BankAccount")
    assert account_t.key == account_f.key == "6222021234567890"
    assert account_t.props["luhn_valid"] == account_f.props["luhn_valid"]

    # the same checks give the same warnings (code, sentence and value)
    table_warnings = sorted((w.code, w.detail, w.value) for w in table.warnings + people.warnings)
    assert _warnings(ftm) == table_warnings
    assert [w[0] for w in table_warnings] == ["bad_code_checksum", "bad_id_checksum"]


def test_a_foreign_register_number_is_not_a_bad_credit_code(tmp_path):
    _, ftm = _ftm_results(tmp_path, ['{"id": "c", "schema": "Company", "properties": {"name": ["ACME Ltd"], '
                                     '"registrationNumber": ["01234567"], "jurisdiction": ["gb"]}}'])
    assert _warnings(ftm) == [] and _node(ftm, "Organization").props["foreign"] is True


# ------------------------------------------------------------------ against the real server

@pytest.fixture()
def links(clean_db, tmp_path):
    report = load_file(clean_db, LINKS, report_dir=tmp_path)
    assert report.kind == "ftm" and report.status == "loaded", report
    return report


def one(db, cypher, **params):
    rows = db.read(cypher, params)
    assert len(rows) == 1, (cypher, rows)
    return rows[0]


def test_every_link_schema_loads_with_direction_role_dates_and_source(clean_db, links):
    assert links.rejected == 0, links.reasons
    assert links.warning_reasons == {"missing_date": 2, "unsupported_schema": 1, "unmapped_end": 1,
                                     "bad_code_checksum": 1, "bad_id_checksum": 1}
    db = clean_db
    owns = one(db, "MATCH (a:LegalEntity)-[r:OWNS]->(b:Organization) RETURN a.name AS a, b.key AS b, "
                   "r.share AS share, r.role AS role, r.start_date AS s, r.end_date AS e, r.source AS src, "
                   "r.ftm_id AS id, "
                   f"[s IN {rel_sightings_cypher('r')} | s.file] AS f")
    assert owns == {"a": "Mystery Holdings", "b": "91110000600037341L", "share": "30", "role": "shareholder",
                    "s": "2019-01", "e": "2021-06-30", "src": "Test company register | https://register.example/acme",
                    "id": "own-early", "f": ["ftm_links.jsonl"]}
    leads = db.read("MATCH (a)-[r:LEADS]->(o:Organization {key: '91110000600037341L'}) "
                    "RETURN labels(a)[0] AS label, a.name AS a, r.role AS role, r.start_date AS s ORDER BY a")
    assert leads == [{"label": "LegalEntity", "a": "Mystery Holdings", "role": "董事", "s": None},
                     {"label": "Person", "a": "王五", "role": "理事", "s": "2020-01-01"}]
    assert one(db, "MATCH (p:Person)-[r:MEMBER_OF]->(o:Organization) RETURN p.name AS p, r.role AS role, "
                   "r.start_date AS s") == {"p": "Li  Lei", "role": "会员", "s": "2021"}
    assert one(db, "MATCH (p:Person)-[r:EMPLOYED_BY]->(o:Organization) RETURN p.name AS p, o.name AS o, "
                   "r.role AS role, r.start_date AS s, r.end_date AS e") == {
        "p": "Li  Lei", "o": "重庆市测试促进会", "role": "会计", "s": "2018-03-01", "e": "2020-12-31"}
    assert one(db, "MATCH (p:Person)-[r:REPRESENTS]->(c:LegalEntity) RETURN p.name AS p, c.name AS c, "
                   "r.role AS role") == {"p": "Li  Lei", "c": "Mystery Holdings", "role": "代理人"}
    assert one(db, "MATCH (a:Person)-[r:FAMILY_OF]->(b:Person) RETURN a.name AS a, b.name AS b, "
                   "r.relationship AS rel") == {"a": "王五", "b": "赵某", "rel": "sister"}
    assert one(db, "MATCH (a:Person)-[r:ASSOCIATE_OF]->(b:Person) RETURN a.name AS a, b.name AS b, "
                   "r.relationship AS rel") == {"a": "王五", "b": "Li  Lei", "rel": "business partner"}
    assert one(db, "MATCH (a:Organization)-[r:SUCCEEDED_BY]->(b:Organization) RETURN a.name AS a, b.name AS b, "
                   "r.date AS d") == {"a": "重庆市旧促进会", "b": "重庆市测试促进会", "d": "2020-05-01"}
    assert one(db, "MATCH (a:LegalEntity)-[r:LINKED_TO]->(b:BankAccount) RETURN b.key AS b, r.role AS role") == {
        "b": "6222021234567890", "role": "uses"}
    assert one(db, "MATCH (p:Person)-[r:OCCUPIES]->(x:Position)-[:POST_IN]->(o:Organization) "
                   "RETURN p.name AS p, x.name AS x, o.key AS o, r.start_date AS s, r.end_date AS e") == {
        "p": "王五", "x": "理事会成员", "o": "91110000600037341L", "s": "2021-01-01", "e": "2022-12-31"}
    assert one(db, "MATCH (p:Person {name: '王五'})-[r:HOLDS]->(a:BankAccount {key: '6222021234567890'}) "
                   "RETURN r.ftm_id AS id") == {"id": "own-acct"}


def test_address_references_in_any_order_become_located_at(clean_db, links):
    places = clean_db.read("MATCH (o:Organization)-[:LOCATED_AT]->(a:Address) "
                           "RETURN o.name AS o, a.key AS a, a.district AS d ORDER BY o, a")
    # ACME names its Address entity 26 lines before it is defined, and an address text too
    assert places == [
        {"o": "ACME (Holdings)  Ltd", "a": "10DowningSt,London", "d": None},
        {"o": "ACME (Holdings)  Ltd", "a": "重庆市渝中区解放碑路18号（A座）", "d": "渝中区"},
        {"o": "重庆市测试促进会", "a": "重庆市江北区人民路1号", "d": "江北区"}]


def test_names_keep_their_spelling_and_keys_stay_normalised(clean_db, links):
    acme = one(clean_db, "MATCH (o:Organization {foreign: true}) RETURN o.key AS key, o.name AS name")
    assert acme == {"key": "name:ACME （Holdings） Ltd", "name": "ACME (Holdings)  Ltd"}
    lilei = one(clean_db, "MATCH (p:Person {phone: '13800138000'}) RETURN p.key AS key, p.name AS name, "
                          "p.id_valid AS valid")
    assert lilei == {"key": "np:Li Lei|13800138000", "name": "Li  Lei", "valid": False}


def test_legal_entity_keeps_its_uncertainty(clean_db, links):
    assert one(clean_db, "MATCH (n {name: 'Mystery Holdings'}) RETURN labels(n) AS labels") == {
        "labels": ["LegalEntity"]}
    # a LegalEntity whose resident ID is valid is a person
    assert one(clean_db, "MATCH (n {name: '赵某'}) RETURN labels(n) AS labels, n.key AS key") == {
        "labels": ["Person"], "key": "500103198506120034"}
    hits = run_report(clean_db, load_reports()["entity-search"], {"text": "Mystery"})
    assert [(r["label"], r["name"]) for r in hits.rows] == [("LegalEntity", "Mystery Holdings")]


def test_undated_payment_loads_and_money_trails_count_it_out(clean_db, links):
    undated = clean_db.read("MATCH (a)-[t:TRANSFER]->(b) WHERE t.time IS NULL "
                            "RETURN a.key AS a, b.key AS b, t.amount AS m, t.date AS d ORDER BY m")
    assert undated == [{"a": "VIRTUAL:ns:" + FtmSource(LINKS).scope + ":Mystery Holdings",
                        "b": "VIRTUAL:91110000600037341L", "m": 300.0, "d": "2023-04"},
                       {"a": "6222021234567890", "b": "VIRTUAL:ns:" + FtmSource(LINKS).scope + ":Mystery Holdings",
                        "m": 1200.0, "d": None}]
    reports = load_reports()
    down = run_report(clean_db, reports["fund-flow-downstream"], {"start": "110101199003077774"})
    assert [(r["path"], r["undated_left_out"]) for r in down.rows] == [(["6222021234567890", "CN0098765432"], 1)]
    up = run_report(clean_db, reports["fund-flow-upstream"], {"target": "CN0098765432"})
    assert [(r["path"], r["undated_left_out"]) for r in up.rows] == [(["6222021234567890", "CN0098765432"], 0)]
    between = run_report(clean_db, reports["flow-between"], {"a": "110101199003077774", "b": "91110000600037341L"})
    assert [(r["amount_sent"], r["undated_left_out"]) for r in between.rows] == [(5000.0, 2)]
    collect = run_report(clean_db, reports["collection-accounts"], {"min_payers": "1", "include_companies": "1"})
    assert [(r["account"], r["undated_left_out"]) for r in collect.rows] == [("CN0098765432", 2)]
    for rid in ("dispersal-accounts", "fund-cycles"):
        assert "undated_left_out" in run_report(clean_db, reports[rid], {}).columns


def test_loading_the_ftm_file_again_changes_nothing(clean_db, links, tmp_path):
    def total():
        return clean_db.read("MATCH (n) RETURN count(n) AS n, COUNT { ()-[r]->() } AS r")[0]
    before = total()
    again = load_file(clean_db, LINKS, report_dir=tmp_path)
    assert again.status == "loaded" and total() == before


def test_payment_rows_of_the_old_sample_still_load(clean_db, tmp_path):
    report = load_file(clean_db, FIXTURES / "samples" / "ftm_sample.jsonl", report_dir=tmp_path)
    assert report.reasons == {"bad_json": 1} and report.warning_reasons == {}
    assert clean.normalize_name("重庆国际文化交流协会") == one(
        clean_db, "MATCH (o:Organization) RETURN o.name AS n")["n"]


def test_init_recreates_a_search_index_made_before_the_new_labels(clean_db):
    from graph import admin
    clean_db.write_many([f"DROP INDEX {schema.FULLTEXT_INDEX} IF EXISTS",
                         f"CREATE FULLTEXT INDEX {schema.FULLTEXT_INDEX} FOR (n:Organization|Person) ON EACH [n.name]"])
    admin.init_db(clean_db)
    row = one(clean_db, "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, options WHERE name = $name "
                        "RETURN labelsOrTypes AS labels, options.indexConfig.`fulltext.analyzer` AS analyzer",
              name=schema.FULLTEXT_INDEX)
    assert {"LegalEntity", "Position", "Organization"} <= set(row["labels"]) and row["analyzer"] == "cjk"


def test_a_name_kept_as_written_is_still_found_by_a_table_naming_it(clean_db, tmp_path):
    """An FtM organization keyed by credit code keeps 'Alpha (Chongqing)  Association' as its
    name; a roster naming it in another spelling of the same normalised name joins it."""
    ftm = tmp_path / "alpha.jsonl"
    ftm.write_text('{"id": "a", "schema": "Company", "properties": {"name": ["Alpha (Chongqing)  Association"], '
                   '"uscCode": ["91110000600037341L"]}}\n', encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("组织名称,姓名,职务\nAlpha (Chongqing) Association,张三,会长\n", encoding="utf-8")
    for path in (ftm, roster):
        report = load_file(clean_db, path, report_dir=tmp_path)
        assert report.status == "loaded" and report.rejected == 0, report
    assert clean_db.read("MATCH (p:Person)-[:LEADS]->(o:Organization) RETURN o.key AS key, o.name AS name, "
                         "COUNT { (x:Organization) } AS orgs") == [
        {"key": "91110000600037341L", "name": "Alpha (Chongqing)  Association", "orgs": 1}]
