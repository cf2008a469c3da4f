"""Read-only guard for ad-hoc and user-saved Cypher.

:func:`check_read_only` looks at a query *before* anything runs and raises
:class:`core.errors.QueryRefused` when it would write, change the schema, administer the
server, run several statements, or call a procedure that is not on :data:`ALLOWED_PROCEDURES`.

It is a tokenizer, not a parser. It skips string literals (``'...'`` and ``"..."`` with
backslash escapes), backtick-quoted identifiers, ``//`` and ``/* */`` comments and
``$parameters``, and it does not take a word for a clause where Cypher uses it as a name:
after ``.`` (property ``n.create``), after ``:`` (label or type ``:Delete``), or as a map key
(``{set: 1}``). Every other bare word that starts a write or admin clause is refused,
whatever its case, so the guard errs towards refusing: a variable that happens to be called
``set`` or ``create`` is refused too, and can be written in backticks instead.

The runner also executes these queries in a read transaction: the guard is the first line
of defence and the database the second.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _refuse(message: str, clause: str) -> QueryRefused:
    error = QueryRefused(message)
    error.clause = clause  # type: ignore[attr-defined]
    return error


def _where(token: Token) -> str:
    return f"line {token.line}, column {token.column}"


def _is_word_char(char: str) -> bool:
    return char == "_" or char.isalnum()


def tokenize(cypher: str) -> list[Token]:
    """Split ``cypher`` into significant tokens, dropping whitespace and comments.

    Raises :class:`QueryRefused` for an unterminated string, identifier or comment, since
    what follows it cannot be checked.
    """
    tokens: list[Token] = []
    i, n = 0, len(cypher)
    line, line_start = 1, 0

    def position(index: int) -> tuple[int, int]:
        return line, index - line_start + 1

    while i < n:
        char = cypher[i]
        if char == "\n":
            line, line_start = line + 1, i + 1
            i += 1
        elif char.isspace():
            i += 1
        elif cypher.startswith("//", i):
            end = cypher.find("\n", i)
            i = n if end < 0 else end
        elif cypher.startswith("/*", i):
            end = cypher.find("*/", i + 2)
            if end < 0:
                ln, col = position(i)
                raise _refuse(f"The query was refused because the comment opened at line {ln}, "
                              f"column {col} is never closed.", "/*")
            for j in range(i, end):
                if cypher[j] == "\n":
                    line, line_start = line + 1, j + 1
            i = end + 2
        elif char in ("'", '"'):
            ln, col = position(i)
            j = i + 1
            while j < n and cypher[j] != char:
                if cypher[j] == "\\":
                    j += 1
                if j < n and cypher[j] == "\n":
                    line, line_start = line + 1, j + 1
                j += 1
            if j >= n:
                raise _refuse(f"The query was refused because the text starting at line {ln}, "
                              f"column {col} is never closed with {char}.", char)
            tokens.append(Token("string", cypher[i:j + 1], ln, col))
            i = j + 1
        elif char == "`":
            ln, col = position(i)
            j = i + 1
            name: list[str] = []
            while True:
                if j >= n:
                    raise _refuse(f"The query was refused because the name in backticks starting "
                                  f"at line {ln}, column {col} is never closed.", "`")
                if cypher[j] == "`":
                    if j + 1 < n and cypher[j + 1] == "`":  # `` is an escaped backtick
                        name.append("`")
                        j += 2
                        continue
                    break
                if cypher[j] == "\n":
                    line, line_start = line + 1, j + 1
                name.append(cypher[j])
                j += 1
            tokens.append(Token("ident", "".join(name), ln, col))
            i = j + 1
        elif char == "$":
            ln, col = position(i)
            j = i + 1
            if j < n and cypher[j] == "`":
                end = cypher.find("`", j + 1)
                j = n if end < 0 else end + 1
            else:
                while j < n and _is_word_char(cypher[j]):
                    j += 1
            tokens.append(Token("param", cypher[i:j], ln, col))
            i = j
        elif _is_word_char(char):
            ln, col = position(i)
            j = i
            while j < n and _is_word_char(cypher[j]):
                j += 1
            kind = "number" if char.isdigit() else "word"
            tokens.append(Token(kind, cypher[i:j], ln, col))
            i = j
        else:
            ln, col = position(i)
            tokens.append(Token("punct", char, ln, col))
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
                clause = f"{word} {nxt_word}"
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

        if word == "USE":
            name, _ = _dotted_name(tokens, k + 1)
            if database is None or name.lower() != database.lower():
                target = f" {name}" if name else ""
                raise _refuse(f"The query was refused because it switches to the database{target} "
                              f"with USE at {_where(token)}; queries run on the current database only.",
                              "USE")
            continue

        if word in ("TRANSACTIONS", "TRANSACTION"):
            back = [t.text.upper() for t in tokens[max(0, k - 3):k] if t.kind == "word"]
            if "IN" in back:
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
                shown = name or nxt.text
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
