"""The OrgTrace graph model, as data, in one place.

Every label, its key, its required properties, every relationship type with its ends, and
the indexes live here. Constraints and indexes (``graph.admin``), the loaders' validation
and writers, and ``docs/data-model.md`` (``python cli.py db schema --markdown``) all derive
from these declarations; change the model here and nowhere else.

Provenance is part of the model: every node and relationship written by a loader carries
the properties in :data:`PROVENANCE` (see ``docs/data-model.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Property types, as the loaders coerce them.
STRING, INTEGER, FLOAT, DATE, DATETIME, BOOLEAN, STRING_LIST = (
    "string", "integer", "float", "date", "datetime", "boolean", "list<string>")

#: Registration statuses of an organization (登记状态). 未登记 = never registered.
ORG_STATUSES = ("正常", "撤销", "注销", "筹备", "未登记")

#: Lead channels named by the notice.
LEAD_SOURCES = ("举报投诉", "来信来访", "大数据平台")

#: Provenance written on every loaded node and relationship, by reference: elements name the
#: ``LoadRun`` that wrote them (and the rows), and the LoadRun holds the file name, its
#: SHA-256, the user and the times (readers join it: ``graph.provenance``). Nodes keep where
#: they were first seen and every run that touched them; relationships keep every sighting
#: (a transfer present in both parties' statements has two).
PROVENANCE: dict[str, str] = {
    "src_run": "nodes: key of the LoadRun that first wrote the node (its file name and SHA-256 are on "
               "that LoadRun)",
    "src_row": "nodes: the row of that run's file where the node was first seen (integer)",
    "load_runs": "nodes: the distinct LoadRun keys that wrote the node; relationships: one LoadRun key "
                 "per sighting, aligned with `src_rows` (a key repeats when one file shows the "
                 "relationship on two lines)",
    "src_rows": "relationships: the rows, aligned with `load_runs`: sighting i is row `src_rows[i]` of "
                "the file of run `load_runs[i]`; a transfer records every line it was read from, any "
                "other relationship the first row per run",
}


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str                                   # unique, required, the merge key
    title_zh: str
    description: str
    properties: dict[str, str]                 # name -> type (key included)
    required: tuple[str, ...] = ()             # besides the key
    indexed: tuple[str, ...] = ()              # range indexes for report filters
    fulltext: tuple[str, ...] = ()             # properties in the CJK full-text index
    bookkeeping: bool = False                  # audit / app records, not investigation data


@dataclass(frozen=True)
class RelType:
    type: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    title_zh: str
    description: str
    properties: dict[str, str] = field(default_factory=dict)
    key: str | None = None                     # unique relationship property, if any
    required: tuple[str, ...] = ()
    indexed: tuple[str, ...] = ()


NODES: tuple[NodeType, ...] = (
    NodeType(
        "Organization", "key", "组织",
        "A social organization, registered or not. Key: the unified social credit code when "
        "it passes its checksum, otherwise 'name:' + the normalised name. `name_norm`: the "
        "normalised name, set when `name` keeps a spelling of the source that differs from it "
        "(FollowTheMoney), so name-only references still find the organization.",
        {"key": STRING, "name": STRING, "name_norm": STRING, "aliases": STRING_LIST, "credit_code": STRING,
         "credit_code_valid": BOOLEAN, "status": STRING, "registered_on": DATE,
         "revoked_on": DATE, "org_type": STRING, "scope": STRING, "authority": STRING,
         "legal_rep": STRING, "region": STRING, "foreign": BOOLEAN},
        required=("name",), indexed=("name", "name_norm", "status", "region", "credit_code"),
        fulltext=("name", "aliases")),
    NodeType(
        "Person", "key", "人员",
        "A person. Key: the resident ID when it passes its checksum, else 'np:' + normalised "
        "name + phone, else 'ns:' + name scoped to its source file (two people are never "
        "merged on a name alone). `name`: the first name the key was loaded with; `aliases`: "
        "every other name any line shows under it, first seen first (one ID under several "
        "names is itself worth a look).",
        {"key": STRING, "name": STRING, "aliases": STRING_LIST, "id_number": STRING,
         "id_valid": BOOLEAN, "gender": STRING, "birth_date": DATE, "phone": STRING,
         "region": STRING, "blacklisted": BOOLEAN},
        required=("name",), indexed=("name", "id_number"), fulltext=("name", "aliases")),
    NodeType(
        "LegalEntity", "key", "当事方（类型不明）",
        "A party whose source does not say whether it is a person or an organization "
        "(FollowTheMoney LegalEntity): kept as such, not guessed. It takes part in the same "
        "relationships as a person or an organization (accounts, addresses, links), and the "
        "entity search and money-trail reports find it. Key: the credit code when it passes "
        "its checksum, else as a person's ('np:' name + phone, else 'ns:' + name scoped to its "
        "file). An FtM LegalEntity with a valid resident ID loads as a Person, with a valid "
        "credit code as an Organization.",
        {"key": STRING, "name": STRING, "aliases": STRING_LIST, "id_number": STRING,
         "id_valid": BOOLEAN, "credit_code": STRING, "credit_code_valid": BOOLEAN,
         "phone": STRING, "foreign": BOOLEAN},
        required=("name",), indexed=("name",), fulltext=("name", "aliases")),
    NodeType(
        "Position", "key", "职位",
        "A post that people occupy (FollowTheMoney Position), e.g. a seat on a board. Key: "
        "'pos:' + the organization's key (else the file's SHA-256 prefix) + '|' + normalised name.",
        {"key": STRING, "name": STRING, "aliases": STRING_LIST, "organization": STRING,
         "country": STRING},
        required=("name",), fulltext=("name", "aliases")),
    NodeType(
        "BankAccount", "key", "账户",
        "A bank account or card. Key: its number with letters and digits only, upper case. "
        "Cash movements use a per-account pseudo account 'CASH:' + number (kind 'cash'); a "
        "payment between parties with no account named uses 'VIRTUAL:' + party key (kind "
        "'virtual'), so money stays traceable.",
        {"key": STRING, "number": STRING, "bank": STRING, "holder_name": STRING,
         "kind": STRING, "luhn_valid": BOOLEAN},
        indexed=("holder_name",), fulltext=("holder_name",)),
    NodeType(
        "Address", "key", "地址",
        "A place. Key: the normalised address text.",
        {"key": STRING, "text": STRING, "district": STRING},
        required=("text",), indexed=("district",), fulltext=("text",)),
    NodeType(
        "Phone", "key", "电话",
        "A phone number. Key: digits only (a leading +86 or 86 on a mobile dropped).",
        {"key": STRING, "number": STRING}),
    NodeType(
        "Event", "key", "活动",
        "An activity: meeting, training, fundraiser, ceremony. Key: organization key, name "
        "and date.",
        {"key": STRING, "name": STRING, "event_type": STRING, "date": DATE, "place": STRING,
         "participants": INTEGER, "amount": FLOAT},
        required=("name",), indexed=("date", "event_type"), fulltext=("name",)),
    NodeType(
        "Lead", "key", "线索",
        "A lead or complaint, with its channel (举报投诉 / 来信来访 / 大数据平台).",
        {"key": STRING, "source": STRING, "received_on": DATE, "summary": STRING,
         "org_names": STRING_LIST, "person_names": STRING_LIST},
        indexed=("source", "received_on"), fulltext=("summary",)),
    NodeType(
        "BlacklistEntry", "key", "黑名单",
        "One listing of a responsible person on the blacklist (黑名单): date, reason, the "
        "organization concerned.",
        {"key": STRING, "name": STRING, "id_number": STRING, "listed_on": DATE,
         "reason": STRING, "org_name": STRING},
        required=("name",), indexed=("listed_on",)),
    NodeType(
        "LoadRun", "key", "导入记录",
        "One file loaded: who, when, the file's name and SHA-256, the kind, counts. Key: "
        "SHA-256 of the file + kind + mapping, so loading the same file again updates the "
        "same record (its attempts history grows) instead of adding one.",
        {"key": STRING, "file": STRING, "sha256": STRING, "kind": STRING, "mapping": STRING,
         "user": STRING, "started_at": DATETIME, "finished_at": DATETIME, "status": STRING,
         "read": INTEGER, "loaded": INTEGER, "rejected": INTEGER, "warnings": INTEGER,
         "attempts": STRING_LIST},
        required=("sha256", "status"), indexed=("sha256", "status"), bookkeeping=True),
    NodeType(
        "SavedReport", "key", "保存的报告",
        "A report an investigator saved: title, Cypher, parameters, who and when.",
        {"key": STRING, "title": STRING, "cypher": STRING, "parameters": STRING,
         "owner": STRING, "created_at": DATETIME},
        required=("title", "cypher", "owner"), bookkeeping=True),
    # ---- campaign screening (screening/): findings, runs, dispositions
    NodeType(
        "Finding", "key", "筛查发现",
        "One screening rule's flag on an organization or person: the rule, the notice's "
        "priority class (1-7, none for registration and people rules), the reasons in Chinese "
        "and English, the evidence records with their provenance (JSON), the run and time. "
        "Key: rule id + '|' + subject key, so a rerun replaces instead of duplicating.",
        {"key": STRING, "rule": STRING, "notice_class": INTEGER, "subject_key": STRING,
         "subject_label": STRING, "subject_name": STRING, "gate": BOOLEAN, "weight": FLOAT,
         "reason_zh": STRING, "reason_en": STRING, "evidence": STRING, "run": STRING,
         "found_at": DATETIME, "user": STRING},
        required=("rule", "subject_key", "run"), indexed=("rule", "subject_key", "run"),
        bookkeeping=True),
    NodeType(
        "ScreeningRun", "key", "筛查批次",
        "One run of the screening rules: who, when, the rules file's SHA-256 and the counts.",
        {"key": STRING, "user": STRING, "started_at": DATETIME, "finished_at": DATETIME,
         "rules_sha256": STRING, "findings": INTEGER, "organizations": INTEGER,
         "suppressed": INTEGER},
        required=("user",), bookkeeping=True),
    NodeType(
        "DispositionChange", "key", "处置记录",
        "One decision on an organization's case: the disposition (引导登记, 责令解散, 劝散, 取缔, "
        "移交…), the case status, who, when and why, the deciding authority and date. Only ever "
        "created, never changed: the latest is the current disposition, the rest its history.",
        {"key": STRING, "org_key": STRING, "seq": INTEGER, "disposition": STRING,
         "status": STRING, "reason": STRING, "user": STRING, "at": DATETIME,
         "decided_on": DATE, "authority": STRING, "previous_disposition": STRING,
         "previous_status": STRING},
        required=("org_key", "disposition", "status", "reason", "user", "at"),
        indexed=("org_key", "disposition", "at"), bookkeeping=True),
)

_PARTY = ("Person", "Organization", "LegalEntity")

#: Properties of a relationship read from a FollowTheMoney link (interval) entity: its
#: role, its dates as the source wrote them (an ISO date or a prefix of one: '2019',
#: '2019-05', '2019-05-06'), where the source says it comes from, and the FtM entity id.
FTM_LINK: dict[str, str] = {"role": STRING, "start_date": STRING, "end_date": STRING, "date": STRING,
                            "source": STRING, "ftm_id": STRING}

RELATIONSHIPS: tuple[RelType, ...] = (
    RelType("LEADS", _PARTY, ("Organization", "LegalEntity"), "领导",
            "A leader of the organization, with the role (会长, 副会长, 秘书长, 理事, 财务, 法定代表人…). "
            "Also a FollowTheMoney Directorship (role '董事' when the source names none); its "
            "director may be a company or a LegalEntity.",
            {"role": STRING, "since": DATE, **FTM_LINK}),
    RelType("MEMBER_OF", _PARTY, ("Organization", "LegalEntity"), "成员",
            "A member, with joining date and fees paid (also a FollowTheMoney Membership).",
            {"joined_on": DATE, "fee": FLOAT, **FTM_LINK}),
    RelType("BRANCH_OF", ("Organization",), ("Organization",), "分支",
            "A branch or subordinate body of the target organization."),
    RelType("HOLDS", _PARTY, ("BankAccount",), "持有",
            "The account's holder (开户人); also a FollowTheMoney Ownership of a BankAccount.",
            {"share": STRING, **FTM_LINK}),
    RelType("TRANSFER", ("BankAccount",), ("BankAccount",), "转账",
            "Money from payer account to payee account. Key: 'id:' + transaction id, else "
            "'h:' + hash of accounts, time and amount, so a transfer in both parties' "
            "statements is one relationship. `time` is missing only on a FollowTheMoney Payment "
            "without a date (loaded with a `missing_date` warning): the money-trail reports, "
            "which need time order, leave such transfers out and count them in their "
            "`undated_left_out` column.",
            {"tx_key": STRING, "tx_id": STRING, "amount": FLOAT, "time": DATETIME,
             "memo": STRING, "channel": STRING, "branch": STRING, "cash": BOOLEAN,
             "currency": STRING, "ftm_id": STRING},
            key="tx_key", required=("amount",), indexed=("time", "amount")),
    RelType("LOCATED_AT", _PARTY, ("Address",), "位于", "Domicile or address of a party."),
    RelType("HAS_PHONE", _PARTY, ("Phone",), "电话", "A phone number used by the party."),
    RelType("ORGANIZED", ("Organization",), ("Event",), "组织活动", "The organization held the event."),
    RelType("ATTENDED", ("Person",), ("Event",), "参加", "The person took part in the event."),
    RelType("HELD_AT", ("Event",), ("Address",), "举办地", "Where the event took place."),
    RelType("CONCERNS", ("Lead", "BlacklistEntry"), _PARTY, "涉及",
            "A lead or blacklist entry names this organization or person."),
    RelType("LISTS", ("BlacklistEntry",), ("Person",), "列入", "The blacklist entry lists this person."),
    RelType("OWNS", _PARTY, ("Organization", "LegalEntity"), "拥有",
            "Ownership (FollowTheMoney Ownership: owner → asset), with the share held.",
            {"share": STRING, **FTM_LINK}),
    RelType("ASSOCIATE_OF", _PARTY, _PARTY, "关联",
            "Associates (FollowTheMoney Associate: person → associate; undirected in the source).",
            {"relationship": STRING, **FTM_LINK}),
    RelType("FAMILY_OF", ("Person",), ("Person",), "亲属",
            "Relatives (FollowTheMoney Family: person → relative, `relationship` says what the "
            "relative is to the person, e.g. mother).",
            {"relationship": STRING, **FTM_LINK}),
    RelType("LINKED_TO", (*_PARTY, "BankAccount", "Address"), (*_PARTY, "BankAccount", "Address"), "其他关联",
            "Any other stated link (FollowTheMoney UnknownLink: subject → object).",
            FTM_LINK),
    RelType("EMPLOYED_BY", ("Person",), ("Organization", "LegalEntity"), "受雇于",
            "Employment (FollowTheMoney Employment: employee → employer).", FTM_LINK),
    RelType("REPRESENTS", _PARTY, _PARTY, "代理",
            "An agent acting for a client (FollowTheMoney Representation: agent → client).", FTM_LINK),
    RelType("SUCCEEDED_BY", _PARTY, _PARTY, "由…承继",
            "A legal successor (FollowTheMoney Succession: predecessor → successor).", FTM_LINK),
    RelType("OCCUPIES", ("Person",), ("Position",), "任职",
            "A person holding a post (FollowTheMoney Occupancy: holder → post).", FTM_LINK),
    RelType("POST_IN", ("Position",), ("Organization", "LegalEntity"), "职位所属",
            "The organization a post belongs to (FollowTheMoney Position.organization)."),
)

#: Written back by ``python cli.py analyze run`` (analytics/, issue 11); each run replaces
#: the previous run's values. ``hub_score`` is the combined ringleader score (0..1) and
#: ``hub_rank`` its rank (1 = first) among the people ranked; ``group_id`` the linked-group
#: number of an organization; ``analytics_at`` the run's time (UTC).
ANALYTICS_PROPERTIES: dict[str, dict[str, str]] = {
    "Person": {"hub_score": FLOAT, "hub_rank": INTEGER, "analytics_at": DATETIME},
    "Organization": {"group_id": INTEGER, "analytics_at": DATETIME},
}
for _node in NODES:
    _node.properties.update(ANALYTICS_PROPERTIES.get(_node.label, {}))

RELATIONSHIPS += (
    RelType("REFORMED_AS", ("Organization",), ("Organization",), "换名重组",
            "Written by `analyze run`: the old (revoked, deregistered or blacklisted) organization "
            "carries on as the newer one; what they share (leader, address, account), the evidence "
            "text and the run time.",
            {"shared": STRING_LIST, "evidence": STRING, "analytics_at": DATETIME}),
    RelType("FLAGS", ("Finding",), _PARTY, "标记", "The screening finding concerns this organization or person."),
    RelType("APPLIES_TO", ("DispositionChange",), ("Organization",), "处置对象",
            "The disposition decision is about this organization."),
)

NODE_BY_LABEL: dict[str, NodeType] = {n.label: n for n in NODES}
REL_BY_TYPE: dict[str, RelType] = {r.type: r for r in RELATIONSHIPS}

#: Name of the CJK full-text index over names, aliases and texts. Eventually consistent:
#: updated just after each commit instead of inside it (cheaper loads); loaders wait for
#: it at the end of a file (``graph.admin.refresh_search_index``).
FULLTEXT_INDEX = "entity_names"
FULLTEXT_ANALYZER = "cjk"


def constraint_statements() -> list[str]:
    """Uniqueness constraints on every key (node keys and relationship keys)."""
    out = []
    for node in NODES:
        out.append(f"CREATE CONSTRAINT {node.label.lower()}_{node.key}_unique IF NOT EXISTS "
                   f"FOR (n:{node.label}) REQUIRE n.{node.key} IS UNIQUE")
    for rel in RELATIONSHIPS:
        if rel.key:
            out.append(f"CREATE CONSTRAINT {rel.type.lower()}_{rel.key}_unique IF NOT EXISTS "
                       f"FOR ()-[r:{rel.type}]-() REQUIRE r.{rel.key} IS UNIQUE")
    return out


def index_statements() -> list[str]:
    """Range indexes for report filters, and the CJK full-text index."""
    out = []
    for node in NODES:
        for prop in node.indexed:
            out.append(f"CREATE INDEX {node.label.lower()}_{prop} IF NOT EXISTS "
                       f"FOR (n:{node.label}) ON (n.{prop})")
    for rel in RELATIONSHIPS:
        for prop in rel.indexed:
            out.append(f"CREATE INDEX {rel.type.lower()}_{prop} IF NOT EXISTS "
                       f"FOR ()-[r:{rel.type}]-() ON (r.{prop})")
    labels = [n.label for n in NODES if n.fulltext]
    props = sorted({p for n in NODES for p in n.fulltext})
    out.append(
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{'|'.join(labels)}) "
        f"ON EACH [{', '.join('n.' + p for p in props)}] "
        f"OPTIONS {{indexConfig: {{`fulltext.analyzer`: '{FULLTEXT_ANALYZER}', `fulltext.eventually_consistent`: true}}}}")
    return out


def investigation_labels() -> list[str]:
    return [n.label for n in NODES if not n.bookkeeping]


def markdown() -> str:
    """The data-model page (docs/data-model.md), generated from the declarations."""
    lines = ["# OrgTrace data model", "",
             "Generated from `graph/schema.py` by `python cli.py db schema --markdown`; "
             "do not edit by hand.", "", "```mermaid", "graph LR"]
    for rel in RELATIONSHIPS:
        for s in rel.sources:
            for t in rel.targets:
                lines.append(f"  {s} -->|{rel.type}| {t}")
    lines += ["```", "", "## Nodes", "",
              "| label | 中文 | key | required | indexed | full-text | properties |",
              "|---|---|---|---|---|---|---|"]
    for n in NODES:
        props = ", ".join(f"`{k}` {v}" for k, v in n.properties.items())
        lines.append(f"| `{n.label}` | {n.title_zh} | `{n.key}` | {', '.join(n.required) or '-'} | "
                     f"{', '.join(n.indexed) or '-'} | {', '.join(n.fulltext) or '-'} | {props} |")
    lines += ["", "## Relationships", "",
              "| type | 中文 | from | to | key | properties |", "|---|---|---|---|---|---|"]
    for r in RELATIONSHIPS:
        props = ", ".join(f"`{k}` {v}" for k, v in r.properties.items()) or "-"
        lines.append(f"| `{r.type}` | {r.title_zh} | {', '.join(r.sources)} | {', '.join(r.targets)} | "
                     f"{('`' + r.key + '`') if r.key else '-'} | {props} |")
    lines += ["", "## Meanings", ""]
    for n in NODES:
        lines.append(f"- **{n.label}** ({n.title_zh}): {n.description}")
    for r in RELATIONSHIPS:
        lines.append(f"- **{r.type}** ({r.title_zh}): {r.description}")
    lines += ["", "## Provenance", "", "Every node and relationship a loader writes carries:", ""]
    for k, v in PROVENANCE.items():
        lines.append(f"- `{k}`: {v}")
    lines += ["", "The file name, its SHA-256, the user and the times are on the `LoadRun` the keys name: "
              "readers join `LoadRun {key}` (`graph/provenance.py`). A database written by an earlier version "
              "(file names and checksums copied onto every element) is rewritten to this shape by `db init`.", ""]
    return "\n".join(lines)
