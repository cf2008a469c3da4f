"""The read-only guard for ad-hoc and saved Cypher (queries/guard.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:  # plain `pytest` puts tests/ first on the path, not the project
    sys.path.insert(0, _ROOT)

from core.errors import QueryError, QueryRefused  # noqa: E402
from queries.guard import check_read_only, is_read_only, tokenize  # noqa: E402


def refused(cypher: str, **kwargs) -> QueryRefused:
    with pytest.raises(QueryRefused) as info:
        check_read_only(cypher, **kwargs)
    return info.value


# --------------------------------------------------------------------------- the brief's cases

@pytest.mark.parametrize("cypher, named", [
    ("MATCH (n) RETURN n; CREATE (m)", "more than one statement"),
    ("MATCH (n) /* x */ DETACH DELETE n", "DETACH DELETE"),
    ("call apoc.periodic.iterate('MATCH (n) RETURN n', 'SET n.x = 1', {batchSize: 100})",
     "apoc.periodic.iterate"),
    ("MATCH (n) SET n.x=1", "SET"),
    ("UNWIND [1] AS x CALL { CREATE () } IN TRANSACTIONS", "CREATE"),
    ("LOAD CSV FROM 'file:///orgs.csv' AS row RETURN row", "LOAD CSV"),
])
def test_brief_refused(cypher: str, named: str) -> None:
    error = refused(cypher)
    assert named in str(error)


@pytest.mark.parametrize("cypher", [
    'MATCH (n) WHERE n.name = "CREATE" RETURN n',
    "CALL db.labels()",
    "MATCH (n) RETURN n.`CREATE`",
])
def test_brief_allowed(cypher: str) -> None:
    check_read_only(cypher)


# --------------------------------------------------------------------------- write clauses

@pytest.mark.parametrize("cypher, clause", [
    ("CREATE (n:Organization {name: '中华精准扶贫促进会'})", "CREATE"),
    ("create (n)", "CREATE"),
    ("CrEaTe (n)", "CREATE"),
    ("MERGE (n:Person {id: 1})", "MERGE"),
    ("MATCH (n) DELETE n", "DELETE"),
    ("MATCH (n) DETACH\n  DELETE n", "DETACH DELETE"),
    ("MATCH (n) NODETACH DELETE n", "DELETE"),
    ("MATCH (n) REMOVE n:Suspect", "REMOVE"),
    ("MATCH (n) REMOVE n.flag", "REMOVE"),
    ("MATCH p=()-->() FOREACH (x IN nodes(p) | SET x.seen = true)", "FOREACH"),
    ("load csv with headers from 'https://example.org/a.csv' as row return row", "LOAD CSV"),
    ("MATCH (n) WITH n SET n += {x: 1}", "SET"),
    ("MATCH (n) RETURN n UNION MATCH (m) SET m.x = 1 RETURN m", "SET"),
    ("MATCH (n) WHERE EXISTS { MATCH (n)-->(m) DELETE m } RETURN n", "DELETE"),
    ("MATCH (a), (b) MERGE (a)-[:SAME_ADDRESS]->(b) ON CREATE SET a.x = 1", "MERGE"),
    ("INSERT (n:Organization)", "INSERT"),
])
def test_write_clauses_are_refused(cypher: str, clause: str) -> None:
    error = refused(cypher)
    assert clause in str(error)
    assert getattr(error, "clause", "").endswith(clause.split()[-1])


def test_call_in_transactions_is_refused_even_when_the_body_only_reads() -> None:
    error = refused("MATCH (n) CALL (n) { MATCH (n)--(m) RETURN m } IN TRANSACTIONS OF 10 ROWS RETURN m")
    assert "IN TRANSACTIONS" in str(error)
    error = refused("CALL { MATCH (n) RETURN n } IN 3 CONCURRENT TRANSACTIONS RETURN n")
    assert "IN TRANSACTIONS" in str(error)


# --------------------------------------------------------------------------- schema and admin

@pytest.mark.parametrize("cypher, named", [
    ("CREATE INDEX org_name FOR (n:Organization) ON (n.name)", "CREATE INDEX"),
    ("CREATE CONSTRAINT org_key FOR (n:Organization) REQUIRE n.uscc IS UNIQUE", "CREATE CONSTRAINT"),
    ("CREATE FULLTEXT INDEX names FOR (n:Organization) ON EACH [n.name]", "CREATE FULLTEXT"),
    ("DROP INDEX org_name", "DROP INDEX"),
    ("DROP CONSTRAINT org_key IF EXISTS", "DROP CONSTRAINT"),
    ("SHOW USERS", "SHOW USERS"),
    ("SHOW ROLES", "SHOW ROLES"),
    ("SHOW DATABASES", "SHOW DATABASES"),
    ("SHOW ALIASES FOR DATABASE", "SHOW ALIASES"),
    ("SHOW TRANSACTIONS", "SHOW TRANSACTIONS"),
    ("SHOW CURRENT USER", "SHOW CURRENT"),
    ("ALTER USER neo4j SET PASSWORD 'x'", "ALTER USER"),
    ("ALTER DATABASE neo4j SET ACCESS READ WRITE", "ALTER DATABASE"),
    ("CREATE USER mallory SET PASSWORD 'secret'", "CREATE USER"),
    ("CREATE ROLE spy", "CREATE ROLE"),
    ("CREATE DATABASE other", "CREATE DATABASE"),
    ("CREATE ALIAS x FOR DATABASE neo4j", "CREATE ALIAS"),
    ("DROP USER neo4j", "DROP USER"),
    ("DROP DATABASE neo4j", "DROP DATABASE"),
    ("GRANT ROLE admin TO mallory", "GRANT"),
    ("DENY READ {*} ON GRAPH * TO reader", "DENY"),
    ("REVOKE ROLE admin FROM neo4j", "REVOKE"),
    ("START DATABASE other", "START DATABASE"),
    ("STOP DATABASE neo4j", "STOP DATABASE"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-42'", "TERMINATE TRANSACTIONS"),
    ("USE system SHOW USERS", "USE"),
    ("USE other MATCH (n) RETURN n", "USE"),
])
def test_schema_and_admin_commands_are_refused(cypher: str, named: str) -> None:
    assert named in str(refused(cypher))


@pytest.mark.parametrize("cypher", [
    "SHOW INDEXES",
    "SHOW FULLTEXT INDEXES YIELD name, state",
    "SHOW CONSTRAINTS",
    "SHOW PROCEDURES",
    "SHOW USER DEFINED FUNCTIONS",
])
def test_show_of_schema_is_allowed(cypher: str) -> None:
    check_read_only(cypher)


def test_use_of_the_current_database_only() -> None:
    check_read_only("USE neo4j MATCH (n) RETURN n", database="neo4j")
    check_read_only("use NEO4J MATCH (n) RETURN n", database="neo4j")
    assert "other" in str(refused("USE other MATCH (n) RETURN n", database="neo4j"))
    refused("USE neo4j MATCH (n) RETURN n")  # the runner did not say which database it uses


# --------------------------------------------------------------------------- procedures

@pytest.mark.parametrize("cypher", [
    "CALL db.labels()",
    "CALL db.labels",
    "call DB.LABELS() YIELD label RETURN label",
    "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType",
    "CALL db.propertyKeys()",
    "CALL db.schema.visualization()",
    "CALL db.index.fulltext.queryNodes('org_names', '扶贫') YIELD node, score RETURN node, score",
    "CALL db.index.fulltext.queryRelationships('notes', '转账') YIELD relationship RETURN relationship",
    "CALL dbms.components() YIELD name, versions RETURN name, versions",
    "CALL db.info()",
    "CALL `db`.`labels`()",
    "CALL /* comment */ db.labels()",
    "MATCH (n) CALL { WITH n MATCH (n)--(m) RETURN count(m) AS c } RETURN n, c",
    "MATCH (n) CALL (n) { MATCH (n)--(m) RETURN count(m) AS c } RETURN n, c",
    "MATCH (n) OPTIONAL CALL (n) { MATCH (n)-->(m) RETURN m } RETURN n, m",
])
def test_allowed_procedures_and_read_subqueries(cypher: str) -> None:
    check_read_only(cypher)


@pytest.mark.parametrize("cypher, name", [
    ("CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})", "apoc.periodic.iterate"),
    ("CALL apoc.create.node(['X'], {})", "apoc.create.node"),
    ("CALL apoc.load.json('file:///etc/passwd')", "apoc.load.json"),
    ("CALL dbms.security.createUser('mallory', 'pw', false)", "dbms.security.createUser"),
    ("CALL db.createLabel('X')", "db.createLabel"),
    ("CALL dbms.killQuery('q-1')", "dbms.killQuery"),
    ("CALL db.index.fulltext.createNodeIndex('x', ['A'], ['b'])", "db.index.fulltext.createNodeIndex"),
    ("CALL `apoc`.`cypher`.`doIt`('CREATE (n)', {})", "apoc.cypher.doIt"),
    ("CALL db.labels2()", "db.labels2"),
    ("CALL db", "procedure db "),
    ("MATCH (n) WITH n CALL apoc.refactor.rename.label('A', 'B') YIELD total RETURN total",
     "apoc.refactor.rename.label"),
])
def test_other_procedures_are_refused(cypher: str, name: str) -> None:
    error = refused(cypher)
    assert name in str(error)
    assert "read-only procedures" in str(error)


@pytest.mark.parametrize("cypher", [
    "RETURN apoc.cypher.runFirstColumnSingle('CREATE (n) RETURN n', {})",
    "WITH apoc.load.jsonParams('http://10.0.0.1/', {}, null) AS x RETURN x",
])
def test_functions_that_run_other_queries_are_refused(cypher: str) -> None:
    assert "function" in str(refused(cypher))


# --------------------------------------------------------------------------- tokenizing

@pytest.mark.parametrize("cypher", [
    "MATCH (n) WHERE n.name = 'CREATE (m)' RETURN n",
    "MATCH (n) WHERE n.name = 'it\\'s; DELETE n' RETURN n",
    'MATCH (n) WHERE n.note = "say \\"SET\\" then; DROP" RETURN n',
    "MATCH (n) WHERE n.note = 'back\\\\' RETURN n, 'DELETE'",
    "MATCH (n) RETURN n.`DELETE`, n.`x``SET`",
    "MATCH (`CREATE`) RETURN `CREATE`",
    "MATCH (n) // DETACH DELETE n\nRETURN n",
    "MATCH (n) /* SET n.x = 1; CREATE (m) */ RETURN n",
    "MATCH (n) /* multi\nline DELETE\n*/ RETURN n",
    "MATCH (n:Create)-[:DELETE]->(m:Set) RETURN n",
    "MATCH (n) RETURN n.create, n.set, n.delete, n.remove, n.merge, n.load, n.use",
    "MATCH (n) RETURN n {.set, .remove, create: 1, delete: 2}",
    "MATCH (n) RETURN {set: n.x, `merge`: 1} AS m",
    "MATCH (n) WHERE n.x = $create RETURN $delete",
    "MATCH (n) RETURN n;",
    "MATCH (n) RETURN n ;  // trailing comment",
    "MATCH (n) WHERE n.name STARTS WITH '中华' RETURN n",
    "MATCH p = (o:Organization {name: '中华精准扶贫促进会'})-[:FUNDED*1..3]->(x) RETURN p",
    "EXPLAIN MATCH (n) RETURN n",
    "MATCH (n) WHERE n.name =~ '.*;.*' RETURN n",
    "MATCH (n) RETURN n.名称 AS 名称",
])
def test_keywords_in_strings_names_and_comments_are_ignored(cypher: str) -> None:
    check_read_only(cypher)


@pytest.mark.parametrize("cypher", [
    "MATCH (n) RETURN n; MATCH (m) RETURN m",
    "MATCH (n) RETURN n;;",
    "MATCH (n) RETURN 'a;b'; DELETE n",
    "MATCH (n) RETURN n /* ; */ ; CREATE (x)",
])
def test_several_statements_are_refused(cypher: str) -> None:
    assert "more than one statement" in str(refused(cypher))


@pytest.mark.parametrize("cypher", [
    "MATCH (n) WHERE n.name = 'unterminated RETURN n",
    'MATCH (n) WHERE n.name = "CREATE',
    "MATCH (n) RETURN n.`CREATE",
    "MATCH (n) RETURN n /* CREATE (m)",
])
def test_unterminated_strings_names_and_comments_are_refused(cypher: str) -> None:
    assert "never closed" in str(refused(cypher))


@pytest.mark.parametrize("cypher", ["", "   \n", "// only a comment", "/* x */"])
def test_empty_queries_are_refused(cypher: str) -> None:
    refused(cypher)


def test_keyword_hidden_by_a_comment_between_words_is_still_found() -> None:
    assert "DETACH DELETE" in str(refused("MATCH (n) DETACH/**/DELETE n"))
    assert "SET" in str(refused("MATCH (n)/*x*/SET/*y*/n.x=1"))
    assert "CREATE" in str(refused("MATCH (n)\tCREATE\u00a0(m)"))


def test_message_is_a_sentence_with_the_position() -> None:
    error = refused("MATCH (n)\nWITH n\n  SET n.flag = true")
    text = str(error)
    assert text.startswith("The query was refused because")
    assert text.endswith(".")
    assert "line 3, column 3" in text
    assert isinstance(error, QueryError)


def test_tokenizer_skips_strings_and_comments() -> None:
    kinds = [(t.kind, t.text) for t in tokenize("RETURN 'a\\'b' /* c */ AS `x``y` // z")]
    assert kinds == [("word", "RETURN"), ("string", "'a\\'b'"), ("word", "AS"), ("ident", "x`y")]


def test_is_read_only() -> None:
    assert is_read_only("MATCH (n) RETURN count(n)")
    assert not is_read_only("MATCH (n) DELETE n")


# --------------------------------------------------------------------------- Cypher's lexical rules
# (issue 9 §1: what follows a line terminator after // is a new line of Cypher; \uXXXX escapes
# are decoded by the server before it lexes, everywhere; /* */ does not nest)

LOAD_PASSWD = "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r[0] AS line"
TERMINATORS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"]


@pytest.mark.parametrize("end", TERMINATORS, ids=[repr(t) for t in TERMINATORS])
def test_every_line_terminator_ends_a_line_comment(end: str) -> None:
    assert "LOAD CSV" in str(refused(f"WITH 1 AS x //{end}{LOAD_PASSWD}"))
    assert "SHOW SETTINGS" in str(refused(f"SHOW //{end}SETTINGS YIELD *"))
    assert "dbms.listConfig" in str(refused(f"CALL //{end}dbms.listConfig()"))
    assert "SHOW USERS" in str(refused(f"SHOW //{end}USERS"))


@pytest.mark.parametrize("cypher, named", [
    ("WITH 1 AS x \\u004cOAD CSV FROM 'file:///etc/passwd' AS r RETURN r", "LOAD CSV"),
    ("WITH 1 AS x //\\u000aLOAD CSV FROM 'file:///etc/passwd' AS r RETURN r", "LOAD CSV"),
    ("WITH 1 AS x //\\u000dLOAD CSV FROM 'file:///etc/passwd' AS r RETURN r", "LOAD CSV"),
    ("MATCH (n) \\u0053ET n.x = 1", "SET"),
    ("MATCH (n) \\u0053\\u0045\\u0054 n.x = 1", "SET"),
    ("CALL db.\\u006cabels() YIELD label CALL dbms.listConfig() YIELD name RETURN name", "dbms.listConfig"),
    ("RETURN 'a\\u0027 + 'b' AS s CREATE (n)", "CREATE"),  # the escape closes the string
    ("MATCH (n) RETURN n \\u003b CREATE (m)", "more than one statement"),
    ("WITH 1 AS x /\\u002a x */ LOAD CSV FROM 'f' AS r RETURN r", "LOAD CSV"),
    ("WITH 1 AS x /* /* */ LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r", "LOAD CSV"),
    ("WITH 1 AS x /* a */ */ LOAD CSV FROM 'f' AS r RETURN r", "LOAD CSV"),
    ("MATCH (n) WHERE n.x = $`a`` ` CREATE (m) RETURN n", "CREATE"),
])
def test_unicode_escapes_and_comment_forms_are_read_as_the_server_reads_them(cypher: str, named: str) -> None:
    assert named in str(refused(cypher))


@pytest.mark.parametrize("cypher", [
    "MATCH (n) WHERE n.name = 'a\\\\u0041 CREATE' RETURN n",  # an escaped backslash: no escape
    "RETURN 1 AS \\u0078",
    "MATCH (n) /* a // b */ RETURN n",
    "MATCH (n) // a /* b\nRETURN n",
    "MATCH (n) RETURN n; // trailing\r",
    "MATCH (n) RETURN n;\r\n/* x */",
    "MATCH (t:Transfer) WITH collect(t) AS transactions RETURN size(transactions) AS n",
])
def test_lexical_rules_do_not_refuse_harmless_text(cypher: str) -> None:
    check_read_only(cypher)


def test_positions_count_every_kind_of_line_break() -> None:
    assert "line 3, column 1" in str(refused("MATCH (n)\rWITH n\r\nSET n.x = 1"))


def test_decoded_tokens_keep_their_offsets_in_the_given_text() -> None:
    text = "RETURN 1 AS \\u0078;"
    last = tokenize(text)[-1]
    assert last.text == ";" and text[last.offset] == ";"


@pytest.mark.parametrize("cypher", [
    "CALL { MATCH (n) RETURN n } IN CONCURRENT TRANSACTIONS RETURN n",
    "CALL { MATCH (n) RETURN n } IN 3 CONCURRENT TRANSACTIONS RETURN n",
    "UNWIND [1, 2] AS x CALL (x) { MATCH (n) RETURN count(n) AS c } IN (1 + 1) CONCURRENT "
    "TRANSACTIONS OF 1 ROW RETURN c",
    "CALL { MATCH (n) RETURN n } IN size([1, 2]) TRANSACTIONS RETURN n",
    "CALL { MATCH (n) RETURN n } IN 1 + 1 CONCURRENT TRANSACTIONS RETURN n",
    "CALL { MATCH (n) RETURN n } IN $n CONCURRENT TRANSACTIONS OF 10 ROWS ON ERROR CONTINUE RETURN n",
])
def test_concurrent_transactions_with_any_count_are_refused(cypher: str) -> None:
    assert "IN TRANSACTIONS" in str(refused(cypher))


def test_profile_is_refused_with_a_sentence() -> None:
    assert "EXPLAIN" in str(refused("PROFILE MATCH (n) RETURN n"))


def test_messages_quote_long_input_cut_to_a_readable_length() -> None:
    name = "x" * 5000
    text = str(refused(f"CALL db.{name}()"))
    assert len(text) < 500 and "…" in text
    text = str(refused(f"USE {name} MATCH (n) RETURN n"))
    assert len(text) < 300 and "…" in text


# --------------------------------------------------------------------------- the plan check (unit)

def _op(name: str, details: str = "", *children: dict) -> dict:
    return {"operatorType": f"{name}@neo4j", "args": {"Details": details}, "children": list(children)}


def _refused_plan(query_type: str, plan: dict) -> QueryRefused:
    from queries.guard import check_plan

    with pytest.raises(QueryRefused) as info:
        check_plan(query_type, plan)
    return info.value


def test_plan_check_refuses_what_the_server_plans() -> None:
    from queries.guard import check_plan

    root = lambda *c: _op("ProduceResults", "line", *c)  # noqa: E731
    assert "LOAD CSV" in str(_refused_plan("r", root(_op("Projection", "", _op("LoadCSV", "r")))))
    assert "SHOW SETTINGS" in str(_refused_plan("r", root(_op("ShowSettings", "allSettings"))))
    assert "SHOW TRANSACTIONS" in str(_refused_plan("r", root(_op("ShowTransactions"))))
    assert "dbms.listConfig" in str(_refused_plan("s", root(_op("ProcedureCall", "dbms.listConfig() :: (x :: STRING)"))))
    assert "IN TRANSACTIONS" in str(_refused_plan("r", root(_op("TransactionApply", "IN $autoint_1 CONCURRENT TRANSACTIONS"))))
    assert "Terminate" in str(_refused_plan("r", root(_op("TerminateTransactions"))))
    assert "apoc.cypher" in str(_refused_plan("r", root(_op("Projection", "apoc.cypher.runFirstColumnSingle($a, {}) AS x"))))
    assert "writes" in str(_refused_plan("rw", root(_op("Expand(All)"))))
    assert "no plan" in str(_refused_plan("r", None))  # type: ignore[arg-type]
    check_plan("r", root(_op("ProcedureCall", "db.labels() :: (label :: STRING)")))
    check_plan("r", root(_op("ShowIndexes", "allIndexes")))
    check_plan("s", root(_op("ProcedureCall", "dbms.components() :: (name :: STRING)")))
    assert "query type" in _refused_plan("s", root(_op("ProcedureCall", "db.labels() :: ()"))).clause  # type: ignore[attr-defined]


def test_saved_titles_become_plain_text_for_markdown_labels() -> None:
    import re
    import string

    from views.markdown import plain_text

    title = "**粗体** [link](http://x.invalid) :red[red] :smile: $x^2$ <b>b</b>\n# h `c` \\ _i_"
    shown = plain_text(title)
    assert "\n" not in shown
    unescaped = re.sub(r"\\[%s]" % re.escape(string.punctuation), "", shown)
    assert not set(unescaped) & (set(string.punctuation) - {":"})
    assert ":\u200b" in shown and not re.search(r":(?!\u200b)", shown)
    assert re.sub(r"\\(.)", r"\1", shown).replace("\u200b", "") == " ".join(title.split())


def test_plan_check_refuses_operators_planned_on_another_database() -> None:
    from queries.guard import check_plan

    plan = _op("ProduceResults", "", _op("AllNodesScan", "n"))
    check_plan("r", plan, database="neo4j")
    plan["operatorType"] = "ProduceResults@system"
    with pytest.raises(QueryRefused, match="system"):
        check_plan("r", plan, database="neo4j")


@pytest.mark.parametrize("cypher", [
    "MATCH (a:BankAccount)-[t:TRANSFER]->() WITH a, collect(t) AS transactions "
    "RETURN a.number AS account, [x IN transactions | x.amount] AS amounts",
    "WITH [1, 2] AS transactions UNWIND transactions AS t RETURN t",
    "MATCH (n) WHERE 1 IN [1] RETURN n.transactions AS transactions",
])
def test_a_variable_called_transactions_is_not_a_transactional_subquery(cypher: str) -> None:
    check_read_only(cypher)


def test_in_transactions_after_a_subquery_is_refused_however_it_is_spaced() -> None:
    for cypher in ("CALL { MATCH (n) RETURN n }\n  IN\tTRANSACTIONS RETURN n",
                   "CALL { MATCH (n) RETURN n } /* c */ IN /* c */ TRANSACTIONS OF 5 ROWS RETURN n",
                   "CALL { MATCH (n) RETURN n } IN TRANSACTION RETURN n"):
        assert "IN TRANSACTIONS" in str(refused(cypher))


def test_long_words_after_drop_are_cut_in_the_message() -> None:
    assert len(str(refused("DROP " + "x" * 5000))) < 300
