"""Writing the demo case: registry, roster, events, leads, blacklist, bank statements, ground truth.

Bank statements are streamed day by day (background transfers are generated as they are
written), so scale 50 (about a million transfers) never holds the rows in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

from demo import ids, names as N
from demo.generate import DAY, DAYS, START, Case

BANK_HEADER = ["交易卡号", "交易账号", "账户开户名称", "开户人证件号码", "交易时间", "交易金额", "交易余额", "收付标志",
               "交易对手账卡号", "对手户名", "对手身份证号", "对手开户银行", "摘要说明", "交易流水号", "交易网点", "现金标志"]
REGISTRY_HEADER = ["名称", "统一社会信用代码", "登记状态", "登记日期", "撤销或注销日期", "类型", "业务范围", "登记管理机关",
                   "法定代表人", "住所"]
ROSTER_HEADER = ["组织名称", "姓名", "身份证号", "手机号", "职务", "加入日期", "缴费金额"]
EVENTS_HEADER = ["组织名称", "活动名称", "类型", "日期", "地点", "参与人数", "收费或募集金额", "参与人员"]
LEADS_HEADER = ["线索编号", "来源", "受理日期", "涉及组织", "涉及人员", "内容摘要"]
BLACKLIST_HEADER = ["姓名", "身份证号", "列入日期", "原因", "关联组织"]
BANK_CSV, BANK_XLSX = "bank_statements_gbk.csv", "bank_statements.xlsx"
BAD_DATES = ("2023-13-45 10:12:00", "unknown", "2024-02-30 25:61:00")
BAD_DAYS = (40, 333, 600)
FIXED_CREATED = dt.datetime(2024, 1, 1, 0, 0, 0)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _csv(path: Path, header, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


class BankWriter:
    """Streams statement lines into the GBK CSV and (scale <= 2) the XLSX of two banks."""

    def __init__(self, case: Case, out_dir: Path):
        self.case, self.rng = case, case.rng
        self.f = open(out_dir / BANK_CSV, "w", encoding="gbk", newline="")
        self.w = csv.writer(self.f, lineterminator="\r\n")
        self.w.writerow(BANK_HEADER)
        self.csv_line = 1
        self.xlsx = None
        if case.scale <= 2:
            import xlsxwriter
            self.wb = xlsxwriter.Workbook(str(out_dir / BANK_XLSX), {"constant_memory": True})
            self.wb.set_properties({"title": "银行交易明细查询结果", "author": "OrgTrace demo",
                                    "created": FIXED_CREATED})
            self.xlsx = self.wb.add_worksheet("交易明细")
            self.xlsx.write_string(0, 0, "银行交易明细查询结果")
            self.xlsx.write_row(2, 0, BANK_HEADER)
            self.num = self.wb.add_format({"num_format": "0.00"})
            self.xrow = 3
        self.seq = 0
        self.rows_csv = self.rows_xlsx = self.transfers = self.cash_rows = 0
        self.seen_cards: set = set()

    def txid(self, day: dt.date) -> str:
        self.seq += 1
        return f"{day:%Y%m%d}{self.seq:08d}"

    def row(self, holder, inbound: bool, time: str, cents: int, cp, memo: str, txid: str, branch: str,
            cash: bool, force_csv=False):
        bal = self.case.balance[holder.card]
        values = [holder.card, holder.acct_no, holder.holder_name, holder.holder_id, time, money(cents), money(bal),
                  "进" if inbound else "出", cp.card if cp else "", cp.holder_name if cp else "",
                  cp.holder_id if cp else "", cp.bank if cp else "", memo, txid, branch, "现金" if cash else "转账"]
        self.seen_cards.add(holder.card)
        if cp:
            self.seen_cards.add(cp.card)
        if self.xlsx is not None and not force_csv and holder.bank in N.XLSX_BANKS:
            for c, v in enumerate(values):
                if c in (5, 6):
                    self.xlsx.write_number(self.xrow, c, float(v), self.num)
                else:
                    self.xlsx.write_string(self.xrow, c, v)
            self.xrow += 1
            self.rows_xlsx += 1
        else:
            self.w.writerow(values)
            self.csv_line += 1
            self.rows_csv += 1

    def transfer(self, day: dt.date, secs: int, payer, payee, cents: int, memo: str) -> str:
        r, bal = self.rng, self.case.balance
        time = f"{day:%Y-%m-%d} {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
        txid = self.txid(day)
        bal[payer.card] -= cents
        self.transfers += 1
        if payee is None:
            atm = memo == "ATM取款"
            self.row(payer, False, time, cents, None, memo, txid, payer.branch + ("ATM" if atm else ""), True)
            self.cash_rows += 1
            return txid
        branch = r.choice(("手机银行", "网上银行", payer.branch))
        self.row(payer, False, time, cents, payee, memo, txid, branch, False)
        bal[payee.card] += cents
        if r.random() < 0.6:
            self.row(payee, True, time, cents, payer, memo, txid, branch, False)
        return txid

    def close(self):
        self.f.close()
        if self.xlsx is not None:
            self.wb.close()


def write_bank(case: Case, out_dir: Path) -> tuple[BankWriter, list]:
    r = case.rng
    bw = BankWriter(case, out_dir)
    bg = [a for a in case.accounts if a.person is not None and not a.special]
    half = len(case.companies) // 2
    employers = [c[2] for c in case.companies[:half]]
    merchants = [c[2] for c in case.companies[half:]]
    employed = [(a, employers[i % len(employers)]) for i, a in enumerate(bg) if r.random() < 0.6]
    landlords = r.sample(bg, max(5, len(bg) // 20))
    by_surname = defaultdict(list)
    for a in bg:
        by_surname[a.person.surname].append(a)
    org_accts = [o.account for o in case.orgs if o.account is not None and not o.account.special]
    planted = defaultdict(list)
    for k, pt in enumerate(case.planted):
        planted[pt.ts // DAY].append((pt.ts % DAY, k, pt))
    n_bg = max(0, case.n_transfers - len(case.planted))
    per_day, extra = divmod(n_bg, DAYS)
    bal, reserve = case.balance, case.reserve
    csv_bg = [a for a in bg if bw.xlsx is None or a.bank not in N.XLSX_BANKS]
    bad_rows = []
    for d in range(DAYS):
        day = START + dt.timedelta(days=d)
        items = planted.get(d, [])
        n = per_day + (1 if d < extra else 0)
        items = items + [(r.randrange(7 * 3600, 23 * 3600), len(case.planted) + i, None) for i in range(n)]
        items.sort(key=lambda x: (x[0], x[1]))
        for secs, _, pt in items:
            if pt is not None:
                if pt.payer.card in reserve:
                    reserve[pt.payer.card] -= pt.cents
                pt.txid = bw.transfer(day, secs, pt.payer, pt.payee, pt.cents, pt.memo)
                continue
            u = r.random()
            payer = r.choice(bg)
            if u < 0.36:
                payee, cents, memo = r.choice(merchants), min(5_000_000, max(100, int(r.lognormvariate(4.5, 1.0) * 100))), r.choice(N.MEMO_SHOPPING)
            elif u < 0.50:
                payee, payer = r.choice(employed)
                cents, memo = r.randrange(3000, 15001) * 100, r.choice(N.MEMO_SALARY)
            elif u < 0.64:
                payee = r.choice(by_surname[payer.person.surname])
                cents, memo = r.choice((200, 500, 800, 1000, 2000, 3000, 5000, r.randrange(50, 5000))) * 100, r.choice(N.MEMO_FAMILY)
            elif u < 0.72:
                payee = landlords[int(payer.card[-6:]) % len(landlords)]
                cents, memo = r.randrange(12, 46) * 10000, r.choice(N.MEMO_RENT)
            elif u < 0.86:
                payee, cents, memo = r.choice(bg), r.randrange(100, 20000) * 100, r.choice(N.MEMO_OTHER)
            elif u < 0.92 and org_accts:
                payer = r.choice(org_accts)
                payee, cents, memo = r.choice(merchants), r.randrange(500, 20000) * 100, r.choice(("场地费", "活动经费", "办公用品"))
            else:
                payee, cents, memo = None, r.randrange(1, 51) * 10000, r.choice(N.MEMO_CASH)
            if payee is payer:
                payee, memo = r.choice(merchants), r.choice(N.MEMO_SHOPPING)
            avail = bal[payer.card] - reserve.get(payer.card, 0)
            if avail < cents:
                if avail >= 2000:
                    cents = avail * r.randrange(30, 90) // 100
                else:   # broke: receive wages instead
                    payee, payer = payer, r.choice(employers)
                    cents, memo = r.randrange(3000, 15001) * 100, r.choice(N.MEMO_SALARY)
            bw.transfer(day, secs, payer, payee, cents, memo)
        if d in BAD_DAYS:
            k = BAD_DAYS.index(d)
            holder, cp = r.choice(csv_bg), r.choice(merchants)
            bw.row(holder, False, BAD_DATES[k], r.randrange(100, 2000) * 100, cp, r.choice(N.MEMO_SHOPPING),
                   bw.txid(day), "手机银行", False, force_csv=True)
            bad_rows.append({"file": BANK_CSV, "row": bw.csv_line, "column": "交易时间", "reason": "bad_date"})
    bw.close()
    return bw, bad_rows


def roster_rows(case: Case):
    r = case.rng
    paid = [(o, m) for o in case.orgs if not o.target and o.account is not None for m in o.members
            if m[0].acct.card in case.lawful_payers.get(o.name, ())]
    bad = set()
    while len(bad) < 2 and paid:
        o, m = r.choice(paid)
        if all(x[0] is not o for x in bad):
            bad.add((o, id(m)))
    bad = {b[1] for b in bad}
    rows, bad_lines = [], []
    for o in case.orgs:
        for p, role, since, phone in o.leaders:
            rows.append([o.name, p.name, p.id, phone, role, since.isoformat(), ""])
        for m in o.members:
            p, joined, fee, phone = m
            number = p.id
            if id(m) in bad:
                number = ids.bad_checksum(p.id)
                bad_lines.append({"file": "roster.csv", "row": len(rows) + 2, "column": "身份证号",
                                  "reason": "bad_id_checksum"})
            rows.append([o.name, p.name, number, phone, "会员", joined.isoformat(), money(fee)])
    return rows, bad_lines


def write_all(case: Case, out: Path) -> dict:
    files = []

    def done(name):
        files.append(name)

    registered = [o for o in case.orgs if o.status != "未登记"]
    _csv(out / "registry.csv", REGISTRY_HEADER, (
        [o.name, o.credit_code or "", o.status, o.reg_date.isoformat(), o.end_date.isoformat() if o.end_date else "",
         N.ORG_TYPES[o.kind], o.scope, o.authority, o.legal_rep, o.address] for o in registered), "utf-8-sig")
    done("registry.csv")
    rows, bad_roster = roster_rows(case)
    _csv(out / "roster.csv", ROSTER_HEADER, rows)
    done("roster.csv")
    events = sorted(case.events, key=lambda e: e.date)
    _csv(out / "events.csv", EVENTS_HEADER, ([e.org.name, e.name, e.type, e.date.isoformat(), e.place, e.participants,
                                             f"{e.amount}.00", e.people] for e in events))
    done("events.csv")
    _csv(out / "leads.csv", LEADS_HEADER, case.leads)
    done("leads.csv")
    _csv(out / "blacklist.csv", BLACKLIST_HEADER, case.blacklist)
    done("blacklist.csv")
    bw, bad_bank = write_bank(case, out)
    done(BANK_CSV)
    if bw.xlsx is not None:
        done(BANK_XLSX)
    gt = ground_truth(case, bw, bad_bank + bad_roster, rows)
    with open(out / "ground_truth.json", "w", encoding="utf-8") as f:
        json.dump(gt, f, ensure_ascii=False, sort_keys=True, indent=2)
        f.write("\n")
    done("ground_truth.json")
    return {"out_dir": str(out), "seed": case.seed, "scale": case.scale, "counts": gt["counts"],
            "files": sorted(files)}


def blacklist_hits(case: Case) -> dict:
    """Blacklisted person's ID -> the (one) organization they lead other than the listed one."""
    listed = {b[1]: b[4] for b in case.blacklist}
    hits = defaultdict(set)
    for o in case.orgs:
        for p, *_ in o.leaders:
            if p.id in listed and o.name != listed[p.id]:
                hits[p.id].add(o.name)
    assert all(len(v) == 1 for v in hits.values()) and set(hits) == set(case.blacklist_hits), hits
    return {k: v.pop() for k, v in hits.items()}


def linked_group(case: Case, orgs: list, accts: list) -> dict:
    """Shared identifiers: people leading / phones on leader rows of 2+ of the orgs, the planted
    event address, and the accounts that collect for several of them or receive their layered money."""
    people, phones = defaultdict(set), defaultdict(set)
    for o in orgs:
        for p, _, _, phone in o.leaders:
            people[p.id].add(o.name)
            phones[phone].add(o.name)
    return {"orgs": [o.name for o in orgs], "shared_leaders": sorted(k for k, v in people.items() if len(v) > 1),
            "shared_phones": sorted(k for k, v in phones.items() if len(v) > 1),
            "shared_addresses": [case.linked_addresses[orgs[0].name]], "shared_accounts": [a.card for a in accts]}


def ground_truth(case: Case, bw: BankWriter, bad_rows: list, roster: list) -> dict:
    orgs_led = defaultdict(list)
    for o in case.orgs:
        for l in o.leaders:
            orgs_led[l[0].id].append(o.name)
    ids_seen = {row[2] for row in roster} | {b[1] for b in case.blacklist}
    ids_seen |= {a.person.id for a in case.accounts if a.person is not None and a.card in bw.seen_cards}
    ids_seen -= {ids.bad_checksum(p.id) for p in case.people}  # the deliberate typos are not people
    org_names = {o.name for o in case.orgs}
    tx = lambda pts: [p.txid for p in pts]
    gt = {
        "seed": case.seed, "scale": case.scale,
        "counts": {"organizations": len(org_names), "registered_organizations": sum(o.status != "未登记" for o in case.orgs),
                   "companies": len(case.companies), "people": len(ids_seen), "accounts": len(bw.seen_cards),
                   "transfers": bw.transfers, "statement_rows": bw.rows_csv + bw.rows_xlsx,
                   "statement_rows_csv": bw.rows_csv, "statement_rows_xlsx": bw.rows_xlsx,
                   "events": len(case.events), "leads": len(case.leads), "blacklist": len(case.blacklist),
                   "roster_rows": len(roster)},
        "ringleaders": [{"key": k, "id_number": p.id, "name": p.name, "phone": p.phone, "orgs": orgs_led[p.id]}
                        for k, p in case.ringleaders.items()],
        "linked_groups": [linked_group(case, orgs, accts) for orgs, accts in case.linked],
        "collection_accounts": [{"account": c["account"].card, "holder_name": c["account"].holder_name,
                                 "holder_id": c["account"].holder_id, "org": c["orgs"][0].name,
                                 "orgs": [o.name for o in c["orgs"]], "distinct_payer_accounts": c["payers"],
                                 "total_amount": money(c["total"])} for c in case.collections],
        "layering_chains": [{"source": c["source"].card, "mules": [m.card for m in c["mules"]], "sink": c["sink"].card,
                             "fan_out_tx": tx(c["out"]), "forward_tx": tx(c["forward"]), "cash_out_tx": tx(c["cash"])}
                            for c in case.chains],
        "cycles": list(map(list, dict.fromkeys(tuple(a.card for a in c["accounts"]) for c in case.cycles))),
        "cycle_transfers": [{"accounts": [a.card for a in c["accounts"]], "tx_ids": tx(c["hops"]),
                             "amounts": [money(h.cents) for h in c["hops"]]} for c in case.cycles],
        "relative_accounts": {rid: [p.acct.card for p, _ in rel] for rid, rel in case.relatives.items()},
        "relatives": {rid: [{"id_number": p.id, "name": p.name, "relation": rel, "account": p.acct.card,
                             "link": "ringleader's phone on the relative's roster row"} for p, rel in rels]
                      for rid, rels in case.relatives.items()},
        "reformed_organizations": [{"old_name": case.reformed[0].name, "new_name": case.reformed[1].name,
                                    "revoked_on": case.reformed[0].end_date.isoformat(),
                                    "shared_leaders": [p.id for p in case.reformed[2]],
                                    "shared_address": case.reformed[0].address,
                                    "shared_account": case.reformed[0].account.card}],
        "blacklist_hits": blacklist_hits(case),
        "revoked_but_active": [], "preparing_overreach": [],
        "targets": [{"name": o.name, "status": o.status, "classes": o.classes, "kind": o.tags["kind"],
                     "credit_code": o.credit_code or "", **({"registered_abroad": o.tags["abroad"]} if "abroad" in o.tags else {}),
                     **({"imitates": o.tags["imitates"]} if "imitates" in o.tags else {})}
                    for o in case.orgs if o.target],
        "cash_rows": bw.cash_rows,
        "deliberate_bad_rows": bad_rows,
    }
    for o in case.orgs:
        evs = sorted((e for e in case.events if e.org is o), key=lambda e: e.date)
        if o.status == "撤销":
            after = [e.date.isoformat() for e in evs if e.date > o.end_date]
            if after:
                gt["revoked_but_active"].append({"org": o.name, "revoked_on": o.end_date.isoformat(), "event_dates_after": after})
        if o.status == "筹备":
            over = [{"name": e.name, "type": e.type, "date": e.date.isoformat()} for e in evs if e.type in N.NON_PREPARATORY]
            if over:
                gt["preparing_overreach"].append({"org": o.name, "events": over})
    return gt
