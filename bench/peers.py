"""The same-graph hand-written peer of the load-speed benches: what an engineer writes by
hand for the graph OrgTrace keeps from a bank statement (bench_load_floor replays it with
its rows prepared; bench_vs_unwind runs it as a whole loader, ``--loaders hand-graph``).

Only the standard library here: the whole-loader peer imports this module and nothing of
OrgTrace's loaders, as a hand-written script would."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path
from typing import Iterator

OUT = {"出", "支出", "付", "借", "D", "DR"}
RESIDENT_ID = re.compile(r"\d{17}[\dXx]")

# The graph OrgTrace keeps, written by hand: holders, HOLDS and provenance as well.
_HOLDER = """
FOREACH (_ IN CASE WHEN r.{id} IS NULL THEN [] ELSE [1] END |
  MERGE (h:{label} {{key: r.{id}}})
    ON CREATE SET h.name = r.{name}, h.{id_prop} = r.{id}, h.load_runs = [$run], h.src_run = $run, h.src_row = r.row
  MERGE (h)-[x:HOLDS]->({account}) ON CREATE SET x.load_runs = [$run], x.src_rows = [r.row])"""
SAME_GRAPH = """
UNWIND $rows AS r
MERGE (o:BankAccount {key: r.o})
  ON CREATE SET o.number = r.o, o.holder_name = r.on, o.load_runs = [$run], o.src_run = $run, o.src_row = r.row
MERGE (c:BankAccount {key: r.c})
  ON CREATE SET c.number = r.c, c.holder_name = r.cn, c.bank = r.cb, c.load_runs = [$run], c.src_run = $run,
                c.src_row = r.row""" + "".join(
    _HOLDER.format(id=f"{side}{kind}", label=label, id_prop=id_prop, name=f"{side}n", account=side)
    for side in ("o", "c") for kind, label, id_prop in (("p", "Person", "id_number"), ("o", "Organization", "credit_code"))
) + """
WITH r, CASE WHEN r.out THEN [o, c] ELSE [c, o] END AS ends
WITH r, ends[0] AS a, ends[1] AS b
MERGE (a)-[t:TRANSFER {tx_key: r.s}]->(b)
  ON CREATE SET t.tx_id = r.s, t.amount = r.m, t.time = localdatetime(r.t), t.memo = r.memo,
                t.load_runs = [$run], t.src_rows = [r.row]
  ON MATCH SET t.load_runs = t.load_runs + $run, t.src_rows = t.src_rows + r.row
"""


def statement_lines(path: Path, encoding: str) -> Iterator[tuple[int, dict, str, bool]]:
    """(row number, the line as a dict, its time as ISO text, its direction) of each line a
    hand-written loader takes (one whose time it can parse)."""
    with open(path, encoding=encoding, newline="") as handle:
        for n, r in enumerate(csv.DictReader(handle), start=2):
            try:
                when = datetime.strptime(r["交易时间"], "%Y-%m-%d %H:%M:%S").isoformat()
            except ValueError:
                continue
            yield n, r, when, r["收付标志"].strip().upper() in OUT


def same_graph_row(n: int, r: dict, when: str, out: bool) -> dict:
    """The row of the same-graph statement for one line (``statement_lines``): its own
    account and counterparty, each with its holder's ID as a person's or an organization's."""
    own_id, other_id = r["开户人证件号码"].strip() or None, r["对手身份证号"].strip() or None
    own_person = own_id is not None and RESIDENT_ID.fullmatch(own_id) is not None
    other_person = other_id is not None and RESIDENT_ID.fullmatch(other_id) is not None
    return {"o": r["交易卡号"], "on": r["账户开户名称"], "c": r["交易对手账卡号"] or "CASH:" + r["交易卡号"],
            "cn": r["对手户名"], "cb": r["对手开户银行"],
            "op": own_id if own_person else None, "oo": own_id if own_id and not own_person else None,
            "cp": other_id if other_person else None, "co": other_id if other_id and not other_person else None,
            "out": out, "s": "id:" + r["交易流水号"], "m": abs(float(r["交易金额"])), "t": when,
            "memo": r["摘要说明"], "row": n}
