"""Read-only guard for ad-hoc and user-saved Cypher.

:func:`check_read_only` looks at a query *before* anything runs and raises
:class:`core.errors.QueryRefused` when it would write, change the schema, administer the
server, run several statements, or call a procedure that is not on :data:`ALLOWED_PROCEDURES`.

It is a tokenizer, not a parser, and only the first of three barriers: :func:`check_plan`
then judges the server's own plan of the exact text that will run (``EXPLAIN``, nothing
runs; see ``queries.runner``), so whatever the tokenizer misreads, the database's parser does
not; and the query finally runs in a READ transaction.

The tokenizer follows Cypher 5's lexical rules as Neo4j 5.26 applies them (each checked on
the server): ``\\uXXXX`` escapes are decoded *before* lexing, everywhere, strings and
comments included (``\\u004cOAD CSV`` is ``LOAD CSV``, ``//\\u000a`` ends a comment); a ``//``
comment ends at ``\\r`` or ``\\n`` (the server ends it nowhere else; ``\\u2028``, ``\\u2029``,
``\\x85``, ``\\x0b`` and ``\\x0c`` end it here too, so the filter checks more text, never
less); ``/* */`` comments do not nest. It skips string literals (``'...'`` and ``"..."`` with
backslash escapes), backtick-quoted identifiers, comments and ``$parameters``, and it does
not take a word for a clause where Cypher uses it as a name: after ``.`` (property
``n.create``), after ``:`` (label or type ``:Delete``), or as a map key (``{set: 1}``). Every
other bare word that starts a write or admin clause is refused, whatever its case, so the
guard errs towards refusing: a variable that happens to be called ``set`` or ``create`` is
refused too, and can be written in backticks instead.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any, Mapping

from core.errors import QueryRefused

#: Procedures that only read; any other ``CALL name`` is refused. Compared case-insensitively.
ALLOWED_PROCEDURES: frozenset[str] = frozenset({
    "db.labels",
    "db.relationshiptypes",
    "db.propertykeys",
    "db.schema.visualization",
    "db.index.fulltext.querynodes",
    "db.index.fulltext.queryrelationships",
    "dbms.components",
    "db.info",
})

#: Function namespaces refused although called without CALL: they run arbitrary Cypher,
#: read files or URLs, or schedule work (APOC).
REFUSED_FUNCTION_PREFIXES: tuple[str, ...] = (
    "apoc.cypher.", "apoc.load.", "apoc.import.", "apoc.export.", "apoc.periodic.",
    "apoc.trigger.", "apoc.custom.", "apoc.systemdb.", "apoc.util.sleep",
)

# Bare words that start a clause which writes or administers; value = how to name it.
_WRITE_WORDS: dict[str, str] = {
    "CREATE": "CREATE",
    "INSERT": "INSERT",
    "MERGE": "MERGE",
    "SET": "SET",
    "DELETE": "DELETE",
    "DETACH": "DETACH DELETE",
    "NODETACH": "NODETACH DELETE",
    "REMOVE": "REMOVE",
    "FOREACH": "FOREACH",
    "LOAD": "LOAD CSV",
}
_ADMIN_WORDS: dict[str, str] = {
    "DROP": "DROP",
    "ALTER": "ALTER",
    "RENAME": "RENAME",
    "GRANT": "GRANT",
    "DENY": "DENY",
    "REVOKE": "REVOKE",
    "START": "START DATABASE",
    "STOP": "STOP DATABASE",
    "TERMINATE": "TERMINATE TRANSACTIONS",
    "ENABLE": "ENABLE SERVER",
    "DEALLOCATE": "DEALLOCATE DATABASES",
    "REALLOCATE": "REALLOCATE DATABASES",
    "DRYRUN": "DRYRUN",
}
# Words after SHOW that make it an administration command (SHOW INDEXES etc. stay allowed).
_SHOW_ADMIN_WORDS = frozenset({
    "USER", "USERS", "ROLE", "ROLES", "DATABASE", "DATABASES", "ALIAS", "ALIASES",
    "PRIVILEGE", "PRIVILEGES", "TRANSACTION", "TRANSACTIONS", "SERVER", "SERVERS",
    "SETTING", "SETTINGS", "CURRENT", "DEFAULT", "HOME", "SUPPORTED",
})
_SHOW_ALLOWED_WORDS = frozenset({
    "INDEX", "INDEXES", "CONSTRAINT", "CONSTRAINTS", "FUNCTION", "FUNCTIONS",
    "PROCEDURE", "PROCEDURES",
})


@dataclass(frozen=True)
class Token:
    """One significant token: ``kind`` is word, ident (backticked), param, number, string or punct."""

    kind: str
    text: str
    line: int
    column: int
    offset: int = 0  # index of the token's first character in the original text


def _refuse(message: str, clause: str) -> QueryRefused:
    error = QueryRefused(message)
    error.clause = clause  # type: ignore[attr-defined]
    return error


def _where(token: Token) -> str:
    return f"line {token.line}, column {token.column}"


def _is_word_char(char: str) -> bool:
    return char == "_" or char.isalnum()


#: Characters that end a ``//`` comment here. Neo4j 5.26 ends one only at ``\r`` and ``\n``
#: (tested); the others are taken as ends too so that the filter checks more text, not less.
COMMENT_ENDS = "\r\n\u2028\u2029\x85\x0b\x0c"
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def decode_unicode_escapes(cypher: str) -> tuple[str, list[int]]:
    """Replace ``\\uXXXX`` escapes the way Neo4j does before it lexes a query.

    A backslash starts an escape when it is not itself escaped (an even number of
    backslashes before it), as in Java source. Returns the decoded text and, for each of its
    characters, the index in ``cypher`` it came from (for positions in messages).
    """
    out: list[str] = []
    origin: list[int] = []
    i, n, run = 0, len(cypher), 0  # run: contiguous raw backslashes just before i
    while i < n:
        char = cypher[i]
        if (char == "\\" and run % 2 == 0 and cypher[i + 1:i + 2] == "u"
                and len(cypher[i + 2:i + 6]) == 4 and all(c in _HEX_DIGITS for c in cypher[i + 2:i + 6])):
            out.append(chr(int(cypher[i + 2:i + 6], 16)))
            origin.append(i)
            i, run = i + 6, 0
            continue
        out.append(char)
        origin.append(i)
        run = run + 1 if char == "\\" else 0
        i += 1
    return "".join(out), origin


def _line_starts(text: str) -> list[int]:
    """Offsets where lines start (``\\r\\n``, ``\\r`` and ``\\n`` break lines)."""
    starts = [0]
    i, n = 0, len(text)
    while i < n:
        if text[i] == "\r":
            i += 2 if text[i + 1:i + 2] == "\n" else 1
            starts.append(i)
        elif text[i] == "\n":
            i += 1
            starts.append(i)
        else:
            i += 1
    return starts


def tokenize(cypher: str) -> list[Token]:
    """Split ``cypher`` into significant tokens, dropping whitespace and comments.

    Unicode escapes are decoded first (see :func:`decode_unicode_escapes`); positions and
    offsets refer to the text as given. Raises :class:`QueryRefused` for an unterminated
    string, identifier or comment, since what follows it cannot be checked.
    """
    text, origin = decode_unicode_escapes(cypher)
    starts = _line_starts(cypher)
    tokens: list[Token] = []
    i, n = 0, len(text)

    def position(index: int) -> tuple[int, int, int]:
        """(line, column, offset in the original text) of decoded index ``index``."""
        offset = origin[index] if index < len(origin) else len(cypher)
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1, offset

    def backticked(start: int) -> tuple[str, int]:
        """The name in backticks opening at ``start``; returns (name, index after it)."""
        j = start + 1
        name: list[str] = []
        while True:
            if j >= n:
                ln, col, _ = position(start)
                raise _refuse(f"The query was refused because the name in backticks starting "
                              f"at line {ln}, column {col} is never closed.", "`")
            if text[j] == "`":
                if j + 1 < n and text[j + 1] == "`":  # `` is an escaped backtick
                    name.append("`")
                    j += 2
                    continue
                return "".join(name), j + 1
            name.append(text[j])
            j += 1

    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] not in COMMENT_ENDS:
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                ln, col, _ = position(i)
                raise _refuse(f"The query was refused because the comment opened at line {ln}, "
                              f"column {col} is never closed.", "/*")
            i = end + 2
        elif char in ("'", '"'):
            ln, col, off = position(i)
            j = i + 1
            while j < n and text[j] != char:
                if text[j] == "\\":
                    j += 1
                j += 1
            if j >= n:
                raise _refuse(f"The query was refused because the text starting at line {ln}, "
                              f"column {col} is never closed with {char}.", char)
            tokens.append(Token("string", text[i:j + 1], ln, col, off))
            i = j + 1
        elif char == "`":
            ln, col, off = position(i)
            name, i = backticked(i)
            tokens.append(Token("ident", name, ln, col, off))
        elif char == "$":
            ln, col, off = position(i)
            j = i + 1
            if j < n and text[j] == "`":
                name, j = backticked(j)
                tokens.append(Token("param", f"$`{name}`", ln, col, off))
            else:
                while j < n and _is_word_char(text[j]):
                    j += 1
                tokens.append(Token("param", text[i:j], ln, col, off))
            i = j
        elif _is_word_char(char):
            ln, col, off = position(i)
            j = i
            while j < n and _is_word_char(text[j]):
                j += 1
            kind = "number" if char.isdigit() else "word"
            tokens.append(Token(kind, text[i:j], ln, col, off))
            i = j
        else:
            ln, col, off = position(i)
            tokens.append(Token("punct", char, ln, col, off))
            i += 1
    return tokens


def _is_name_use(tokens: list[Token], k: int) -> bool:
    """True when the word at ``k`` is used as a name (property, label, map key), not a clause."""
    before = tokens[k - 1] if k > 0 else None
    after = tokens[k + 1] if k + 1 < len(tokens) else None
    if before is not None and before.kind == "punct":
        if before.text == ":":  # label, relationship type, or map value position
            return True
        if before.text == "." and k >= 2:  # n.create, (n).set, $p.delete, n {.remove, .set}
            owner = tokens[k - 2]
            if owner.kind in ("word", "ident", "param") or owner.text in (")", "]", "}", "{", ","):
                return True
    if (after is not None and after.kind == "punct" and after.text == ":"
            and before is not None and before.kind == "punct" and before.text in ("{", ",")):
        return True
    return False


_CLAUSE_WORDS = frozenset({"MATCH", "OPTIONAL", "RETURN", "WITH", "UNWIND", "WHERE", "CALL",
                           "UNION", "ORDER", "USE", "FINISH"})


def _follows_subquery_in(tokens: list[Token], k: int) -> bool:
    """True when the TRANSACTIONS word at ``k`` belongs to ``} IN <count> [CONCURRENT]``."""
    depth = 0
    for j in range(k - 1, max(-1, k - 60), -1):
        t = tokens[j]
        if t.kind == "punct" and t.text in ")]":
            depth += 1
        elif t.kind == "punct" and t.text in "([":
            depth -= 1
        elif depth == 0 and t.kind == "word":
            word = t.text.upper()
            if word == "IN":
                return j > 0 and tokens[j - 1].kind == "punct" and tokens[j - 1].text == "}"
            if word in _CLAUSE_WORDS:
                return False
        elif depth == 0 and t.kind == "punct" and t.text in "{}":
            return False
    return False


#: Longest piece of the user's own text quoted in a message.
QUOTE_LIMIT = 80


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis, for a message."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def _dotted_name(tokens: list[Token], k: int) -> tuple[str, int]:
    """Read ``a.b.c`` starting at ``k``; return the name and the index after it."""
    parts: list[str] = []
    while k < len(tokens) and tokens[k].kind in ("word", "ident"):
        parts.append(tokens[k].text)
        if k + 2 < len(tokens) and tokens[k + 1].text == "." and tokens[k + 2].kind in ("word", "ident"):
            k += 2
        else:
            k += 1
            break
    return ".".join(parts), k


def check_read_only(cypher: str, *, database: str | None = None) -> None:
    """Raise :class:`QueryRefused` unless ``cypher`` is one read-only statement.

    ``database`` is the database the runner will use: ``USE`` naming it is accepted, ``USE``
    of any other database is refused (with ``database=None`` every ``USE`` is refused).
    """
    if cypher is None or not cypher.strip():
        raise _refuse("The query was refused because it is empty.", "")
    tokens = tokenize(cypher)
    if not tokens:
        raise _refuse("The query was refused because it contains only comments.", "")

    first = tokens[0].text.upper() if tokens[0].kind == "word" else ""
    if first == "PROFILE":
        raise _refuse("The query was refused because PROFILE runs the query to measure it and "
                      "cannot be checked first here; use EXPLAIN to see its plan.", "PROFILE")

    # Several statements: any ';' followed by something significant.
    for k, token in enumerate(tokens):
        if token.kind == "punct" and token.text == ";" and k + 1 < len(tokens):
            raise _refuse(
                f"The query was refused because it contains more than one statement (a ';' at "
                f"{_where(token)}); run one statement at a time.", ";")

    for k, token in enumerate(tokens):
        if token.kind != "word" or _is_name_use(tokens, k):
            continue
        word = token.text.upper()
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        nxt_word = nxt.text.upper() if nxt is not None and nxt.kind == "word" else ""

        if word in _WRITE_WORDS:
            clause = _WRITE_WORDS[word]
            if word == "CREATE" and nxt_word in ("INDEX", "CONSTRAINT", "USER", "ROLE", "DATABASE",
                                                 "ALIAS", "COMPOSITE", "OR", "RANGE", "TEXT", "POINT",
                                                 "LOOKUP", "FULLTEXT", "VECTOR", "BTREE"):
                clause = f"CREATE {nxt_word}"
                raise _refuse(f"The query was refused because it contains the schema or administration "
                              f"command {clause} at {_where(token)}; only reading is allowed here.",
                              clause)
            raise _refuse(f"The query was refused because it contains the write clause {clause} at "
                          f"{_where(token)}; ad-hoc and saved queries may only read.", clause)

        if word in _ADMIN_WORDS:
            clause = _ADMIN_WORDS[word]
            if word in ("DROP", "ALTER", "RENAME") and nxt_word:
                clause = f"{word} {quote(nxt_word, 40)}"
            raise _refuse(f"The query was refused because it contains the schema or administration "
                          f"command {clause} at {_where(token)}; only reading is allowed here.", clause)

        if word == "SHOW":
            following = [t.text.upper() for t in tokens[k + 1:k + 5] if t.kind == "word"]
            for pos, w in enumerate(following):
                if w in _SHOW_ALLOWED_WORDS:
                    break
                if w == "USER" and pos + 1 < len(following) and following[pos + 1] == "DEFINED":
                    continue
                if w in _SHOW_ADMIN_WORDS:
                    raise _refuse(f"The query was refused because it contains the administration "
                                  f"command SHOW {w} at {_where(token)}; only reading the graph is "
                                  f"allowed here.", f"SHOW {w}")
            continue

        if word == "CONCURRENT" and nxt_word in ("TRANSACTIONS", "TRANSACTION"):
            raise _refuse(f"The query was refused because it contains CALL {{ ... }} IN CONCURRENT "
                          f"TRANSACTIONS at {_where(token)}, which commits in batches; only reading "
                          f"is allowed here (no IN TRANSACTIONS of any kind).",
                          "CALL { ... } IN TRANSACTIONS")

        if word == "USE":
            name, _ = _dotted_name(tokens, k + 1)
            if database is None or name.lower() != database.lower():
                target = f" {quote(name)}" if name else ""
                raise _refuse(f"The query was refused because it switches to the database{target} "
                              f"with USE at {_where(token)}; queries run on the current database only.",
                              "USE")
            continue

        if word in ("TRANSACTIONS", "TRANSACTION"):
            back = [t.text.upper() for t in tokens[max(0, k - 3):k] if t.kind == "word"]
            # `} IN [count] TRANSACTIONS`; a variable `transactions` (`t IN transactions`) is fine
            if "CONCURRENT" in back or _follows_subquery_in(tokens, k):
                raise _refuse(f"The query was refused because it contains CALL {{ ... }} IN TRANSACTIONS "
                              f"at {_where(token)}, which commits in batches; only reading is "
                              f"allowed here.", "CALL { ... } IN TRANSACTIONS")
            continue

        if word == "CALL":
            if nxt is None:
                continue
            if nxt.kind == "punct" and nxt.text in ("{", "("):
                continue  # CALL { subquery } / CALL (scope) { subquery }: its body is checked too
            name, _ = _dotted_name(tokens, k + 1)
            if name.lower() not in ALLOWED_PROCEDURES:
                shown = quote(name or nxt.text)
                raise _refuse(f"The query was refused because it calls the procedure {shown} at "
                              f"{_where(token)}, which is not on the list of read-only procedures "
                              f"({', '.join(sorted(_display_allowed()))}).", f"CALL {shown}")
            continue

        # A function call in a refused namespace, e.g. apoc.cypher.runFirstColumn(...).
        prev = tokens[k - 1] if k > 0 else None
        if prev is not None and prev.text == ".":
            continue
        name, after = _dotted_name(tokens, k)
        if "." in name and after < len(tokens) and tokens[after].text == "(":
            lowered = name.lower()
            name = quote(name)
            if any(lowered.startswith(prefix) for prefix in REFUSED_FUNCTION_PREFIXES):
                raise _refuse(f"The query was refused because it calls the function {name} at "
                              f"{_where(token)}, which can run other queries or reach files and "
                              f"addresses outside the graph.", name)


def _display_allowed() -> list[str]:
    return ["db.labels", "db.relationshipTypes", "db.propertyKeys", "db.schema.visualization",
            "db.index.fulltext.queryNodes", "db.index.fulltext.queryRelationships",
            "dbms.components", "db.info"]


def is_read_only(cypher: str, *, database: str | None = None) -> bool:
    """Convenience: True when :func:`check_read_only` accepts ``cypher``."""
    try:
        check_read_only(cypher, database=database)
    except QueryRefused:
        return False
    return True


# --------------------------------------------------------------------------- the server's plan

#: ``SHOW`` commands whose plan operators are harmless (schema and the function/procedure
#: catalogue). Every other ``Show…`` operator (settings, transactions, servers, databases,
#: users, privileges, aliases) is refused.
ALLOWED_SHOW_OPERATORS: frozenset[str] = frozenset({
    "ShowIndexes", "ShowConstraints", "ShowFunctions", "ShowProcedures",
})
#: Allowed procedures that Neo4j runs in DBMS mode, so their query type is ``s``, not ``r``.
DBMS_MODE_PROCEDURES: frozenset[str] = frozenset({"dbms.components"})

# Operators refused outright, with what to call them in the message.
_REFUSED_OPERATORS: dict[str, str] = {
    "LoadCSV": "LOAD CSV (it reads files or addresses outside the graph)",
    "TransactionApply": "CALL { ... } IN TRANSACTIONS (it commits in batches)",
    "TransactionForeach": "CALL { ... } IN TRANSACTIONS (it commits in batches)",
    "AdministrationCommand": "an administration command",
    "SystemProcedureCall": "an administration procedure",
}
# Operator name prefixes that write, change the schema or administer the server.
_REFUSED_OPERATOR_PREFIXES: tuple[str, ...] = (
    "Create", "Merge", "LockingMerge", "Delete", "DetachDelete", "Set", "Remove", "Foreach",
    "Drop", "Alter", "Rename", "Grant", "Deny", "Revoke", "Terminate", "Start", "Stop",
    "Enable", "Deallocate", "Reallocate", "Dryrun", "EmptyResultTransaction",
)
_PROCEDURE_NAME = re.compile(r"\s*`?([A-Za-z_][\w.`]*?)`?\s*\(")


def _operator_name(plan: Mapping[str, Any]) -> str:
    """``LoadCSV@neo4j`` -> ``LoadCSV``."""
    return str(plan.get("operatorType") or plan.get("operator_type") or "").split("@", 1)[0]


def _operators(plan: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """Every operator of the plan tree, depth first."""
    found: list[Mapping[str, Any]] = []
    stack = [plan] if plan else []
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(list(node.get("children") or [])))
    return found


def _details(plan: Mapping[str, Any]) -> str:
    args = plan.get("args") or {}
    return str(args.get("Details") or args.get("details") or "")


def procedure_name(plan: Mapping[str, Any]) -> str:
    """The procedure a ``ProcedureCall`` operator calls, from its details
    (``db.labels() :: (label :: STRING)`` -> ``db.labels``); "" when it cannot be read."""
    match = _PROCEDURE_NAME.match(_details(plan))
    return match.group(1).replace("`", "") if match else ""


def check_plan(query_type: str | None, plan: Mapping[str, Any] | None, *,
               database: str | None = None) -> None:
    """Raise :class:`QueryRefused` unless the server's plan of a statement only reads the graph.

    ``query_type`` and ``plan`` are what ``EXPLAIN`` returns (``summary.query_type``,
    ``summary.plan``). Refused: a query type other than read-only ``r`` (``s`` only for the
    DBMS-mode procedures of :data:`DBMS_MODE_PROCEDURES`), and anywhere in the plan tree a
    ``LoadCSV``, a ``Show…`` operator outside :data:`ALLOWED_SHOW_OPERATORS`, a procedure call
    outside :data:`ALLOWED_PROCEDURES`, a transactional subquery, a write, schema or
    administration operator, or a call of a function in :data:`REFUSED_FUNCTION_PREFIXES`.
    An operator planned on the ``system`` database (``db.labels@system``) is refused too,
    unless ``database`` is ``system``.
    """
    if not plan:
        raise _refuse("The query was refused because the database returned no plan for it, so it "
                      "could not be checked.", "EXPLAIN")
    procedures: list[str] = []
    for node in _operators(plan):
        name = _operator_name(node)
        details = _details(node)
        full = str(node.get("operatorType") or node.get("operator_type") or "")
        where = full.split("@", 1)[1] if "@" in full else ""
        # Only ``system`` is refused here: an alias in NEO4J_DATABASE plans under the real name.
        if where.lower() == "system" and (database or "").lower() != "system":
            raise _refuse(f"The query was refused because the database would run part of it on the "
                          f"database {quote(where)}; queries run on the current database only.", "USE")
        if name in _REFUSED_OPERATORS:
            raise _refuse(f"The query was refused because the database would run "
                          f"{_REFUSED_OPERATORS[name]}; only reading the graph is allowed here.", name)
        if name.startswith("Show") and name not in ALLOWED_SHOW_OPERATORS:
            shown = re.sub(r"(?<!^)(?=[A-Z])", " ", name[4:]).upper()
            raise _refuse(f"The query was refused because the database would run the administration "
                          f"command SHOW {shown}; only reading the graph is allowed here.", name)
        if name.startswith(_REFUSED_OPERATOR_PREFIXES):
            raise _refuse(f"The query was refused because the database would run the operator "
                          f"{name}, which writes or administers; ad-hoc and saved queries may only "
                          f"read.", name)
        if "ProcedureCall" in name:
            proc = procedure_name(node)
            if proc.lower() not in ALLOWED_PROCEDURES:
                shown = quote(proc or details or name)
                raise _refuse(f"The query was refused because it calls the procedure {shown}, which "
                              f"is not on the list of read-only procedures "
                              f"({', '.join(_display_allowed())}).", f"CALL {shown}")
            procedures.append(proc.lower())
        lowered = details.lower()
        for prefix in REFUSED_FUNCTION_PREFIXES:
            if prefix in lowered:
                raise _refuse(f"The query was refused because it calls a function of {prefix.rstrip('.')}, "
                              f"which can run other queries or reach files and addresses outside "
                              f"the graph.", prefix)
    if query_type == "r":
        return
    if query_type == "s" and procedures and all(p in ALLOWED_PROCEDURES for p in procedures) \
            and any(p in DBMS_MODE_PROCEDURES for p in procedures):
        return
    kinds = {"rw": "reads and writes", "w": "writes", "s": "changes the schema or the server"}
    raise _refuse(f"The query was refused because the database classes it as a query that "
                  f"{kinds.get(query_type or '', f'is not read-only ({query_type})')}; ad-hoc and "
                  f"saved queries may only read.", f"query type {query_type}")
