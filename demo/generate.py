"""The demo case model: people, organizations, accounts, planted patterns, events, leads.

``generate_case(out_dir, scale=1.0, seed=7)`` builds the case in memory (everything except the
background bank transfers, which :mod:`demo.writers` streams day by day) and writes the files.
Deterministic: the same seed and scale give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from pathlib import Path

from demo import ids, names as N

START = dt.date(2023, 1, 1)          # bank statements cover START .. START + DAYS - 1
DAYS = 731
DAY = 86400


def _ts(day: dt.date, secs: int) -> int:
    return (day - START).days * DAY + secs


class Person:
    __slots__ = ("name", "surname", "id", "male", "birth", "phone", "region", "acct", "special")


class Account:
    __slots__ = ("card", "acct_no", "bank", "branch", "holder_name", "holder_id", "person", "special")


class Org:
    def __init__(self, name, status, kind="1", classes=(), target=False, tags=None):
        self.name, self.status, self.kind = name, status, kind
        self.classes, self.target, self.tags = list(classes), target, dict(tags or {})
        self.credit_code = self.reg_date = self.end_date = self.account = None
        self.scope = self.authority = self.address = self.district = ""
        self.leaders: list = []      # [person, role, since, phone]
        self.members: list = []      # [person, joined, fee_cents, phone]


class Event:
    __slots__ = ("org", "name", "type", "date", "place", "participants", "amount", "people")


class PT:
    """A planted transfer (payee None = cash withdrawal); ``txid`` is set when written."""
    __slots__ = ("ts", "payer", "payee", "cents", "memo", "txid")

    def __init__(self, ts, payer, payee, cents, memo):
        self.ts, self.payer, self.payee, self.cents, self.memo, self.txid = ts, payer, payee, cents, memo, None


# name, status, classes, kind/tags.  The case's targets (the notice's classes 1-7). Classes 2-4
# follow the words in the name (收藏文化 is culture; 重庆 anywhere in a name counts for class 4);
# class 6 organizations hold events of at least 800 participants (see _event).
TARGETS = (
    ("中华精准扶贫促进会", "未登记", (1, 3, 6), {"kind": "national_strategy", "group": "LG1"}),
    ("重庆市乡村振兴工作委员会办公室", "未登记", (1, 4, 5), {"kind": "impersonation", "group": "LG1"}),
    ("全国乡村振兴产业扶持基金会", "未登记", (1, 6), {"kind": "national_strategy", "group": "LG1"}),
    ("一带一路国际经济合作发展联合会", "未登记", (1, 3, 6), {"kind": "national_strategy", "group": "LG3"}),
    ("渝新欧国际物流商会", "未登记", (1, 3), {"kind": "national_strategy", "group": "LG3"}),
    ("中新互联互通商贸促进会", "未登记", (1,), {"kind": "national_strategy", "group": "LG3"}),
    ("重庆军民融合产业发展研究会", "未登记", (1, 4), {"kind": "national_strategy"}),
    ("山城书画艺术研究院", "未登记", (2,), {"kind": "culture"}),
    ("巴渝网络文化传播联盟", "未登记", (2,), {"kind": "internet_culture"}),
    ("新时代传媒记者协会", "未登记", (2,), {"kind": "press"}),
    ("重庆影视演艺家联合会", "未登记", (2, 4), {"kind": "film_tv"}),
    ("中国华夏文化遗产保护总会", "未登记", (2, 3), {"kind": "culture"}),
    ("国际易学养生研究会", "未登记", (3, 6), {"kind": "national_name"}),
    ("全市老年健康互助会", "未登记", (4, 6, 7), {"kind": "citywide_name"}),
    ("重庆巴渝商会联合总会", "未登记", (4,), {"kind": "citywide_name"}),
    ("国家老龄事业工作指导中心西南分中心", "未登记", (5,), {"kind": "impersonation"}),
    ("重庆市渝中区太极养生协会", "撤销", (4,), {"kind": "revoked_active", "revoked": "2022-05-20"}),
    ("重庆市健康养生促进会", "撤销", (4,), {"kind": "revoked_active", "revoked": "2023-06-30"}),
    ("重庆市民间收藏家协会", "撤销", (4,), {"kind": "revoked_reformed", "revoked": "2022-09-15"}),
    ("重庆巴渝收藏文化交流会", "未登记", (2, 4), {"kind": "reformed"}),
    ("重庆市江北区青少年艺术发展促进会", "筹备", (2, 4), {"kind": "preparing_overreach"}),
    ("重庆市互联网公益联合会", "筹备", (2, 4), {"kind": "preparing_overreach"}),
    ("香港国际华人慈善总会", "未登记", (3, 7), {"kind": "offshore", "abroad": "香港", "group": "LG2"}),
    ("美国中华企业家联合总会重庆代表处", "未登记", (3, 4, 7), {"kind": "offshore", "abroad": "美国", "group": "LG2"}),
    ("世界华人健康产业联合会", "未登记", (7,), {"kind": "offshore", "abroad": "香港", "group": "LG2"}),
    ("重庆市老年书画研究总会", "未登记", (2, 4), {"kind": "counterfeit", "abroad": "香港", "imitates": "重庆市老年书画研究会"}),
    ("中国书画艺术家协会重庆分会", "未登记", (2, 3, 4), {"kind": "counterfeit", "abroad": "香港", "imitates": "重庆市书画艺术家协会"}),
)
# Lawful organizations with names that a name rule alone would flag.
LAWFUL_SPECIAL = (
    ("重庆市老年书画研究会", "1", "老年书画创作交流、展览、培训"),
    ("重庆市书画艺术家协会", "1", "书画艺术创作、交流、展览"),
    ("重庆市一带一路经贸促进会", "1", "服务一带一路建设，开展经贸交流、咨询服务"),
    ("重庆市国际友好交流协会", "1", "民间国际友好交流、人员往来"),
    ("中国中医药学会重庆联络中心", "2", "中医药学术交流、科普"),
    ("重庆市乡村振兴发展研究会", "1", "乡村振兴政策研究、咨询"),
)
SCOPES = {"national_strategy": "项目推介、会员发展、产业扶持资金申报服务", "culture": "书画艺术交流、培训、评级认证",
          "internet_culture": "网络直播、短视频培训、网红孵化", "press": "新闻采访、记者证办理、媒体合作",
          "film_tv": "影视拍摄、演员培训、选秀活动", "impersonation": "指导、评审、授牌",
          "offshore": "国际交流、会员发展、慈善募捐", "counterfeit": "书画评级、会员发展、颁发证书"}
LEADER_ROLES = ("会长", "副会长", "秘书长", "理事", "财务")
PLACE_WORDS = ("会议室", "多功能厅", "宴会厅", "培训中心")


class Case:
    def __init__(self, seed: int, scale: float):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.seed, self.scale = seed, scale
        self.rng = random.Random(seed)
        self.taken_ids: set = set(); self.taken_phones: set = set(); self.taken_cards: set = set()
        self.taken_codes: set = set()
        self.people: list[Person] = []
        self.accounts: list[Account] = []
        self.companies: list[tuple[str, str, Account]] = []
        self.orgs: list[Org] = []
        self.by_name: dict[str, Org] = {}
        self.events: list[Event] = []
        self.event_keys: set = set()
        self.leads: list[list] = []
        self.blacklist: list[list] = []
        self.planted: list[PT] = []
        self.gt: dict = {}
        self.member_fee_accounts: set = set()

    # ---- basic entities -------------------------------------------------------------
    def date_between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.rng.randrange((b - a).days + 1))

    def address(self, district: str | None = None, building: bool = True) -> tuple[str, str]:
        r = self.rng
        district = district or r.choice(list(N.DISTRICTS))
        street, roads = r.choice(N.DISTRICTS[district][1])
        text = f"重庆市{district}{street}{r.choice(roads)}{r.randrange(1, 300)}号"
        if building:
            text += f"{r.choice(N.BUILDING_NAMES)}{r.choice(N.BUILDINGS)}{r.randrange(2, 30)}{r.randrange(1, 20):02d}室"
        return text, district

    def person(self, surname=None, male=None, birth=None, region=None, special=False) -> Person:
        r = self.rng
        p = Person()
        p.surname = surname or r.choice(N.SURNAMES)
        p.male = r.random() < 0.52 if male is None else male
        pool = N.GIVEN_MALE if p.male else N.GIVEN_FEMALE
        p.name = p.surname + "".join(r.choice(pool) for _ in range(1 if r.random() < 0.3 else 2))
        p.birth = birth or self.date_between(dt.date(1950, 1, 1), dt.date(2000, 12, 31))
        p.region = region or (r.choice([c for c, _ in N.DISTRICTS.values()]) if r.random() < 0.75
                              else r.choice(N.COUNTY_CODES))
        p.id = ids.resident_id(r, p.region, p.birth, p.male, self.taken_ids)
        p.phone = ids.phone(r, self.taken_phones)
        p.special = special
        self.people.append(p)
        p.acct = self.account(p.name, p.id, p, special=special)
        return p

    def account(self, holder_name, holder_id, person=None, special=False, bank=None) -> Account:
        r = self.rng
        bank = bank or r.choices(N.BANKS, N.BANK_WEIGHTS)[0]
        a = Account()
        a.bank, a.branch = bank[0], f"{bank[4]}{r.choice(N.BRANCH_PLACES)}支行"
        a.card = ids.card_number(r, bank[1], bank[2], self.taken_cards)
        a.acct_no = ids.account_number(r, bank[3], self.taken_cards)
        a.holder_name, a.holder_id, a.person, a.special = holder_name, holder_id, person, special
        self.accounts.append(a)
        return a

    def relative(self, of: Person, relation: str) -> Person:
        years = {"父亲": -self.rng.randrange(24, 30), "儿子": self.rng.randrange(24, 28),
                 "哥哥": -self.rng.randrange(1, 6), "弟弟": self.rng.randrange(1, 6),
                 "妹妹": self.rng.randrange(1, 6), "姐姐": -self.rng.randrange(1, 6)}[relation]
        birth = max(dt.date(1950, 1, 1), min(dt.date(2000, 12, 31),
                                             of.birth.replace(day=1) + dt.timedelta(days=365 * years + 40)))
        return self.person(surname=of.surname, male=relation in ("父亲", "儿子", "哥哥", "弟弟"), birth=birth,
                           region=of.region, special=True)

    def new_org(self, name, status, kind="1", classes=(), target=False, tags=None) -> Org:
        o = Org(name, status, kind, classes, target, tags)
        self.orgs.append(o)
        self.by_name[name] = o
        return o

    # ---- construction ----------------------------------------------------------------
    def build(self):
        s, r = self.scale, self.rng
        sq = math.sqrt(s)
        self.n_people = max(round(1500 * s), 700)
        self.n_transfers = round(20000 * s)
        self.n_events = max(round(100 * s), 60)
        self.n_leads = max(round(50 * s), len(TARGETS))
        self.member_factor = sq
        for _ in range(self.n_people):
            self.person()
        self.bg_people = list(self.people)
        for i in range(max(12, round(30 * sq))):
            name = f"重庆{N.COMPANY_WORDS[i % len(N.COMPANY_WORDS)]}{N.COMPANY_KINDS[(i * 7 + i // 20) % len(N.COMPANY_KINDS)]}"
            name = name if i < len(N.COMPANY_WORDS) * len(N.COMPANY_KINDS) else f"{name}{i}"
            code = ids.credit_code(r, "91", r.choice([c for c, _ in N.DISTRICTS.values()]), self.taken_codes, "MA")
            self.companies.append((name, code, self.account(name, code)))
        self._lawful_orgs(max(10, round(80 * sq) - len(TARGETS) - len(LAWFUL_SPECIAL)))
        self._targets()
        self._plant()
        self._events()
        self._leads()

    def _register(self, o: Org, reg_from=dt.date(2005, 1, 1), reg_to=dt.date(2021, 12, 31)):
        r = self.rng
        municipal = not any(o.name.startswith("重庆市" + d) for d in N.DISTRICTS)
        o.district = next((d for d in N.DISTRICTS if d in o.name), r.choice(list(N.DISTRICTS)))
        region = "500000" if municipal else N.DISTRICTS[o.district][0]
        o.authority = "重庆市民政局" if municipal else f"重庆市{o.district}民政局"
        o.address = self.address(o.district)[0]
        o.reg_date = self.date_between(reg_from, reg_to)
        if o.status != "筹备":
            o.credit_code = ids.credit_code(r, o.kind, region, self.taken_codes)

    def _staff(self, o: Org, n_members: int, fixed=(), pool=None, joined=(dt.date(2016, 1, 1), dt.date(2024, 10, 31)),
               since=None):
        """Leaders (``fixed`` = [(person, role, phone)] first, then random) and members."""
        r = self.rng
        pool = pool or self.bg_people
        used = {id(p) for p, _, _ in fixed}
        since_lo = o.reg_date or dt.date(2018, 1, 1)
        since = since or (since_lo, max(since_lo, dt.date(2022, 6, 30)))
        for p, role, phone in fixed:
            o.leaders.append([p, role, self.date_between(*since), phone or p.phone])
        roles = ["会长", "副会长", "秘书长", "财务"] + ["副会长"] * r.randrange(0, 3) + ["理事"] * r.randrange(2, 5)
        for role in list(LEADER_ROLES):
            if any(lr == role for _, lr, _ in fixed) and role in roles:
                roles.remove(role)
        for role in roles:
            p = r.choice(pool)
            while id(p) in used:
                p = r.choice(pool)
            used.add(id(p))
            o.leaders.append([p, role, self.date_between(*since), p.phone])
        self._members(o, n_members, used, joined, pool)

    def _members(self, o: Org, n: int, used: set, joined, pool=None):
        r = self.rng
        pool = pool or self.bg_people
        since_lo = o.reg_date or dt.date(2018, 1, 1)
        for _ in range(n):
            p = r.choice(pool)
            if id(p) in used:
                continue
            used.add(id(p))
            fee = r.choice((100, 200, 300, 500, 1000)) * 100
            o.members.append([p, self.date_between(max(joined[0], since_lo), joined[1]), fee, p.phone])

    def _lawful_orgs(self, n_random: int):
        r = self.rng
        for name, kind, scope in LAWFUL_SPECIAL:
            o = self.new_org(name, "正常", kind)
            o.scope = scope
        seen = set(self.by_name) | {t[0] for t in TARGETS}
        while n_random > 0:
            kind = r.choices("123", (75, 18, 7))[0]
            topic = r.choice(N.ORG_TOPICS)
            suffix = r.choice({"1": N.ASSOC_SUFFIX, "2": N.NONPROFIT_SUFFIX, "3": N.FOUNDATION_SUFFIX}[kind])
            u = r.random()
            prefix = ("重庆市" if u < 0.45 else f"重庆市{r.choice(list(N.DISTRICTS))}" if u < 0.8
                      else "中国" if u < 0.92 else "重庆国际")
            name = prefix + topic + suffix
            if name in seen:
                continue
            seen.add(name)
            n_random -= 1
            status = r.choices(("正常", "注销", "筹备"), (85, 10, 5))[0]
            o = self.new_org(name, status, kind)
            o.scope = f"{topic}领域的学术交流、培训、咨询服务"
        for o in self.orgs:
            self._register(o)
            if o.status == "注销":
                o.end_date = self.date_between(dt.date(2021, 1, 1), dt.date(2023, 12, 31))
            if o.status == "筹备":
                o.reg_date = self.date_between(dt.date(2023, 6, 1), dt.date(2024, 6, 30))
            self._staff(o, round(r.randrange(5, 26) * self.member_factor))
            if o.end_date:  # a lawfully deregistered organization took nobody in after the date
                last = o.end_date - dt.timedelta(days=1)
                for row in o.leaders:
                    row[2] = min(row[2], last)
                for row in o.members:
                    row[1] = min(row[1], last)
            if o.status == "正常":
                o.account = self.account(o.name, o.credit_code)

    def _targets(self):
        for name, status, classes, tags in TARGETS:
            o = self.new_org(name, status, "1", classes, True, tags)
            o.scope = SCOPES.get(tags["kind"], "会员服务、交流活动")
            if status != "未登记":
                self._register(o, dt.date(2010, 1, 1), dt.date(2020, 12, 31))
                if status == "撤销":
                    o.end_date = dt.date.fromisoformat(tags["revoked"])
                if status == "筹备":
                    o.reg_date = self.date_between(dt.date(2023, 3, 1), dt.date(2023, 9, 30))
            else:
                o.address, o.district = self.address()

    # ---- planted patterns -------------------------------------------------------------
    def _plant(self):
        r, s = self.rng, self.scale
        O = self.by_name
        mf = self.member_factor
        sp = lambda **kw: self.person(special=True, birth=self.date_between(dt.date(1958, 1, 1), dt.date(1982, 12, 31)), **kw)
        R1, R2, R3, R4 = sp(male=True), sp(male=True), sp(), sp(male=True)
        assoc = [sp() for _ in range(9)]
        p1, p2, p3, p4, p5, p6, p7, p8, p9 = assoc
        sister, brother, father = self.relative(R1, "妹妹"), self.relative(R1, "弟弟"), self.relative(R1, "父亲")
        son = self.relative(R2, "儿子")
        p10, p11, b2, b3, b4, b5, q = (sp() for _ in range(7))
        self.ringleaders = {"R1": R1, "R2": R2, "R3": R3, "R4": R4}
        # Linked group 1 (R1): 中华精准扶贫促进会 / 重庆市乡村振兴工作委员会办公室 / 全国乡村振兴产业扶持基金会
        A, B, C = O["中华精准扶贫促进会"], O["重庆市乡村振兴工作委员会办公室"], O["全国乡村振兴产业扶持基金会"]
        big = (dt.date(2023, 1, 5), dt.date(2024, 10, 31))
        self._staff(A, round(r.randrange(70, 110) * mf), [(R1, "会长", None), (p1, "副会长", None), (p2, "秘书长", None), (sister, "财务", R1.phone)], joined=big)
        self._staff(B, round(r.randrange(40, 60) * mf), [(p1, "会长", None), (R1, "秘书长", None), (p2, "副会长", None), (brother, "财务", R1.phone)], joined=big)
        self._staff(C, round(r.randrange(40, 60) * mf), [(p2, "会长", None), (p1, "副会长", None), (R1, "理事", None), (father, "理事", R1.phone)], joined=big)
        # Linked group 3 (R2): 一带一路… / 渝新欧… / 中新互联互通…
        D, E, F = O["一带一路国际经济合作发展联合会"], O["渝新欧国际物流商会"], O["中新互联互通商贸促进会"]
        self._staff(D, round(r.randrange(70, 110) * mf), [(R2, "会长", None), (p3, "秘书长", None), (p4, "副会长", None), (son, "财务", R2.phone)], joined=big)
        self._staff(E, round(r.randrange(30, 50) * mf), [(p4, "会长", None), (R2, "副会长", None), (p5, "秘书长", None)], joined=big)
        self._staff(F, round(r.randrange(15, 30) * mf), [(p5, "会长", None), (p3, "副会长", None), (R2, "理事", None)])
        # Linked group 2 (R3): the offshore societies
        G, H, I = O["香港国际华人慈善总会"], O["美国中华企业家联合总会重庆代表处"], O["世界华人健康产业联合会"]
        self._staff(G, round(r.randrange(40, 70) * mf), [(R3, "会长", None), (p6, "秘书长", None), (p7, "副会长", None)], joined=big)
        self._staff(H, round(r.randrange(30, 50) * mf), [(p7, "会长", None), (R3, "副会长", None), (p8, "秘书长", None)], joined=big)
        self._staff(I, round(r.randrange(30, 50) * mf), [(p8, "会长", None), (p9, "副会长", R3.phone), (R3, "理事", None), (p6, "财务", None)], joined=big)
        # Revoked and re-formed (R4): 重庆市民间收藏家协会 -> 重庆巴渝收藏文化交流会
        old, new = O["重庆市民间收藏家协会"], O["重庆巴渝收藏文化交流会"]
        self._staff(old, round(r.randrange(20, 35) * mf), [(R4, "会长", None), (p10, "副会长", None), (p11, "秘书长", None)], joined=(dt.date(2012, 1, 1), dt.date(2022, 6, 30)))
        new.address, new.district = old.address, old.district
        self._staff(new, 0, [(R4, "会长", None), (p10, "副会长", None), (p11, "秘书长", None)],
                    since=(old.end_date + dt.timedelta(days=30), dt.date(2023, 1, 4)))
        rejoined = {id(m[0]) for m in old.members[: len(old.members) // 2]}
        used = {id(l[0]) for l in new.leaders}
        new.members = [[m[0], self.date_between(*big), m[2], m[3]] for m in old.members
                       if id(m[0]) in rejoined and id(m[0]) not in used]
        self._members(new, round(r.randrange(15, 30) * mf), used | rejoined, big)
        old.account = self.account(old.name, old.credit_code, special=True)
        # Revoked but active, preparing overreach, blacklisted people in new roles
        T1, T2 = O["重庆市渝中区太极养生协会"], O["重庆市健康养生促进会"]
        self._staff(T1, round(r.randrange(20, 40) * mf), [(b3, "会长", None), (b2, "秘书长", None), (b4, "副会长", None)])
        self._staff(T2, round(r.randrange(20, 40) * mf), [(b5, "会长", None)])
        P1, P2 = O["重庆市江北区青少年艺术发展促进会"], O["重庆市互联网公益联合会"]
        self._staff(P1, round(r.randrange(10, 25) * mf), [(b2, "会长", None)])
        self._staff(P2, round(r.randrange(10, 25) * mf))
        specials = {x[0] for x in LAWFUL_SPECIAL}
        lawful_b3 = next(o for o in self.orgs if o.status == "正常" and not o.target and o.name not in specials)
        lawful_b3.leaders.append([b3, "副会长", dt.date(2023, 9, 1), b3.phone])
        X = O["国际易学养生研究会"]
        self._staff(X, round(r.randrange(40, 70) * mf), [(q, "秘书长", None)], joined=big)
        for o in self.orgs:
            if o.target and not o.leaders:
                self._staff(o, round(r.randrange(15, 40) * mf))
        for o in self.orgs:
            o.legal_rep = next((l[0].name for l in o.leaders if l[1] == "会长"), "")
        self.reformed = (old, new, [R4, p10, p11])
        # Blacklist
        bl = [(R4, old, "2022-11-08", "担任被撤销登记社会组织负责人"), (p10, old, "2022-11-08", "担任被撤销登记社会组织负责人"),
              (b3, T1, "2022-07-12", "担任被撤销登记社会组织负责人"), (b2, T1, "2022-07-12", "担任被撤销登记社会组织负责人"),
              (b4, T1, "2022-07-12", "担任被撤销登记社会组织负责人"), (b5, T2, "2023-08-16", "担任被撤销登记社会组织负责人")]
        extra_n = max(0, round(2 * (s - 1)))
        led = defaultdict(int)
        for o in self.orgs:
            for l in o.leaders:
                led[id(l[0])] += 1
        bl += [(l[0], T2, "2023-08-16", "参与被撤销登记社会组织违法活动") for l in T2.leaders
               if l[0] is not b5 and led[id(l[0])] == 1][:extra_n]
        self.blacklist = [[p.name, p.id, d, why, o.name] for p, o, d, why in bl]
        self.blacklist_hits = {R4.id: new.name, p10.id: new.name, b2.id: P1.name, b3.id: lawful_b3.name}
        # Money: collection accounts (fees), layering, cycles, cash-outs
        c1, c3, s1 = sister.acct, brother.acct, father.acct
        c2 = self.account(R2.name, R2.id, R2, special=True)
        c4 = self.account(R3.name, R3.id, R3, special=True)
        s2, s3 = son.acct, self.account(R3.name, R3.id, R3, special=True)
        self.collections = []
        for acct, orgs, memos, lo, hi in ((c1, [A, C], ("会费", "入会费"), 30, 200), (c3, [B], ("培训费",), 20, 80),
                                          (c2, [D, E], ("会费", "年度会费"), 50, 300), (c4, [G, H, I], ("会费", "入会费"), 20, 100),
                                          (old.account, [new], ("会费",), 5, 20), (q.acct, [X], ("培训费",), 10, 60)):
            self.collections.append(self._fees(acct, orgs, memos, lo, hi))
        self._lawful_fees()
        rounds = max(1, round(math.sqrt(s)))
        self.chains = []
        for _ in range(rounds):
            for src, sink in ((c1, s1), (c2, s2), (c4, s3)):
                self.chains.append(self._layering(src, sink))
        self.cycles = []
        for accts in ([R1.acct, p1.acct, p2.acct], [R2.acct, p3.acct, p4.acct, p5.acct],
                      [R3.acct, p6.acct, p7.acct, p8.acct, p9.acct]):
            for _ in range(rounds):
                self.cycles.append(self._cycle(accts))
        self.relatives = {R1.id: [(sister, "妹妹"), (brother, "弟弟"), (father, "父亲")], R2.id: [(son, "儿子")]}
        self.linked = [([A, B, C], [c1, s1]), ([D, E, F], [c2, s2]), ([G, H, I], [c4, s3])]
        self.linked_addresses = {}
        for orgs, *_ in self.linked:
            self.linked_addresses[orgs[0].name] = self.address()[0]
        self._initial_balances()

    def _fees(self, acct: Account, orgs: list, memos, lo: int, hi: int) -> dict:
        r = self.rng
        payers, total = set(), 0
        for o in orgs:
            for m in o.members:
                person, joined = m[0], max(m[1], START)
                paid = 0
                for k in range(1 if r.random() < 0.8 else 2):
                    day = joined + dt.timedelta(days=r.randrange(0, 4) + 365 * k)
                    if day >= START + dt.timedelta(days=DAYS):
                        break
                    cents = r.randrange(lo, hi + 1) * 10000 // (10 if memos[0] == "培训费" else 1) // 100 * 100
                    cents = max(cents, 50000)
                    self.planted.append(PT(_ts(day, r.randrange(9 * 3600, 21 * 3600)), person.acct, acct, cents,
                                           r.choice(memos)))
                    paid += cents
                    payers.add(person.acct.card)
                total += paid
                m[2] = paid or m[2]
        return {"account": acct, "orgs": orgs, "payers": len(payers), "total": total}

    def _lawful_fees(self):
        r = self.rng
        self.lawful_payers = defaultdict(set)
        for o in self.orgs:
            if o.account is None or o.target:
                continue
            for m in o.members:
                if r.random() < 0.5 and m[0].acct.card not in self.lawful_payers[o.name]:
                    self.lawful_payers[o.name].add(m[0].acct.card)
                    day = self.date_between(START, START + dt.timedelta(days=DAYS - 1))
                    self.planted.append(PT(_ts(day, r.randrange(9 * 3600, 20 * 3600)), m[0].acct, o.account, m[2], "会费"))

    def _mule(self) -> Account:
        p = self.rng.choice(self.bg_people)
        return self.account(p.name, p.id, p, special=True)

    def _layering(self, src: Account, sink: Account) -> dict:
        r = self.rng
        t0 = _ts(self.date_between(dt.date(2024, 1, 10), dt.date(2024, 11, 30)), r.randrange(9 * 3600, 15 * 3600))
        mules = [self._mule() for _ in range(r.randrange(5, 11))]
        out, fwd, last = [], [], t0
        for i, m in enumerate(mules):
            cents = r.randrange(2000, 9000) * 1000
            t = t0 + i * r.randrange(300, 1500)
            out.append(PT(t, src, m, cents, r.choice(("往来款", "货款", "转账"))))
            tf = t + r.randrange(2 * 3600, 47 * 3600)
            fwd.append(PT(tf, m, sink, cents * r.randrange(85, 96) // 100 // 100 * 100, r.choice(("转账", "还款"))))
            last = max(last, tf)
        cash = [PT(last + r.randrange(3600, 3 * DAY) + k * DAY, sink, None, r.randrange(20, 51) * 100000, r.choice(N.MEMO_CASH))
                for k in range(r.randrange(2, 5))]
        self.planted += out + fwd + cash
        return {"source": src, "mules": mules, "sink": sink, "out": out, "forward": fwd, "cash": cash}

    def _cycle(self, accts: list) -> dict:
        r = self.rng
        t = _ts(self.date_between(dt.date(2023, 3, 1), dt.date(2024, 11, 30)), r.randrange(9 * 3600, 18 * 3600))
        cents = r.randrange(100, 500) * 100000
        hops = []
        for i, a in enumerate(accts):
            hops.append(PT(t, a, accts[(i + 1) % len(accts)], cents, r.choice(("往来款", "借款", "还款", "投资款"))))
            t += r.randrange(6 * 3600, 2 * DAY)
            cents = cents * r.randrange(97, 100) // 100 // 100 * 100
        self.planted += hops
        return {"accounts": accts, "hops": hops}

    def _initial_balances(self):
        r = self.rng
        self.balance: dict[str, int] = {}
        self.reserve: dict[str, int] = {}
        for a in self.accounts:
            if a.person is not None:
                self.balance[a.card] = r.randrange(50, 2000) * 10000
            else:
                self.balance[a.card] = r.randrange(20, 100) * 10_000_000 * max(1, round(self.scale))
        running: dict[str, int] = {}
        low: dict[str, int] = {}
        special = {a.card for a in self.accounts if a.special}
        for pt in sorted(self.planted, key=lambda x: x.ts):
            c = pt.payer.card
            if c in special:
                running[c] = running.get(c, 0) - pt.cents
                low[c] = min(low.get(c, 0), running[c])
                if pt.payee is not None and pt.payee.card in special:
                    running[pt.payee.card] = running.get(pt.payee.card, 0) + pt.cents
            else:
                self.reserve[c] = self.reserve.get(c, 0) + pt.cents
                if pt.payee is not None and pt.payee.card in special:
                    running[pt.payee.card] = running.get(pt.payee.card, 0) + pt.cents
        for a in self.accounts:
            if a.special:
                self.balance[a.card] = -low.get(a.card, 0) + r.randrange(1, 50) * 10000
            self.balance[a.card] += self.reserve.get(a.card, 0)

    # ---- events and leads --------------------------------------------------------------
    def _event(self, o: Org, etype: str, day: dt.date, place: str | None = None, name: str | None = None):
        r = self.rng
        e = Event()
        e.org, e.type, e.date = o, etype, day
        base = name or r.choice(N.EVENT_NAMES[etype])
        e.name = f"{day.year}年{base}"
        n = 1
        while (o.name, e.name, day) in self.event_keys:
            n += 1
            e.name = f"{day.year}年{base}（第{n}场）"
        self.event_keys.add((o.name, e.name, day))
        e.place = place or (o.address if o.address and r.random() < 0.5 else
                            self.address(building=False)[0] + r.choice(N.BUILDING_NAMES) + "酒店" + r.choice(PLACE_WORDS))
        big = 6 in o.classes
        e.participants = max(800, r.randrange(300, 3000)) if big else r.randrange(50, 800) if o.target else r.randrange(15, 300)
        per = {"会议": 0, "培训": r.randrange(2, 30) * 100, "募捐": r.randrange(5, 60) * 100, "庆典": r.randrange(0, 10) * 100,
               "年会": r.randrange(1, 10) * 100, "论坛": r.randrange(0, 30) * 100, "展览": 0, "联谊": r.randrange(0, 3) * 100}[etype]
        e.amount = per * e.participants if o.target else per * e.participants // 10
        crowd = [l[0].name for l in o.leaders[:4]] + [m[0].name for m in o.members[:8]]
        e.people = "、".join(r.sample(crowd, min(len(crowd), r.randrange(2, 6)))) if crowd else ""
        self.events.append(e)
        return e

    def _events(self):
        r = self.rng
        special = {"中华精准扶贫促进会": ("精准扶贫项目推介会", "会议"), "全国乡村振兴产业扶持基金会": ("乡村振兴产业投资说明会", "会议"),
                   "一带一路国际经济合作发展联合会": ("一带一路国际合作峰会", "论坛"), "渝新欧国际物流商会": ("渝新欧物流通道招商会", "会议"),
                   "中新互联互通商贸促进会": ("中新互联互通合作论坛", "论坛"), "重庆军民融合产业发展研究会": ("军民融合项目对接会", "会议"),
                   "重庆市乡村振兴工作委员会办公室": ("乡村振兴示范单位授牌仪式", "庆典")}
        ev_hi = dt.date(2024, 12, 31)
        for o in self.orgs:
            if not o.target:
                continue
            kind = o.tags["kind"]
            place = next((self.linked_addresses[g[0][0].name] for g in self.linked if o in g[0]), None)
            if kind == "reformed":
                place = o.address
            if kind == "revoked_reformed":
                for _ in range(2):
                    self._event(o, r.choice(("会议", "展览")), self.date_between(dt.date(2021, 1, 1), o.end_date - dt.timedelta(days=30)))
                continue
            lo = max(self._active_from(o), o.end_date + dt.timedelta(days=20) if o.end_date else dt.date(2022, 6, 1))
            types = ["募捐", "庆典", "年会"] if kind == "preparing_overreach" else ["会议", "培训", "募捐", "庆典", "年会", "论坛"]
            for k in range(r.randrange(2, 4)):
                et = types[k] if kind == "preparing_overreach" else r.choice(types)
                nm = None
                if k == 0 and o.name in special:
                    nm, et = special[o.name]
                self._event(o, et, self.date_between(lo, ev_hi), place, nm)
        for o in self.orgs:
            if o.status == "筹备" and not o.target:
                self._event(o, "会议", o.reg_date + dt.timedelta(days=r.randrange(10, 120)), o.address, "筹备工作会议")
        pool = [o for o in self.orgs if o.status != "注销" or o.end_date > dt.date(2021, 3, 1)]
        weights = [2 if o.target else 1 for o in pool]
        while len(self.events) < self.n_events:
            o = r.choices(pool, weights)[0]
            if o.status == "筹备" and not o.target:
                continue
            lo = self._active_from(o)
            hi = o.end_date - dt.timedelta(days=1) if o.status == "注销" or o.tags.get("kind") == "revoked_reformed" else ev_hi
            if hi <= lo:
                continue
            self._event(o, r.choice(N.EVENT_TYPES), self.date_between(lo, hi))

    def _active_from(self, o: Org) -> dt.date:
        if o.tags.get("kind") == "reformed":
            return self.reformed[0].end_date + dt.timedelta(days=30)
        if o.status == "筹备":
            return o.reg_date
        return max(o.reg_date or dt.date(2021, 1, 1), dt.date(2021, 1, 1))

    def _leads(self):
        r = self.rng
        targets = [o for o in self.orgs if o.target]
        lawful = [o for o in self.orgs if not o.target]
        texts = {"national_strategy": "以{0}名义发展会员、收取会费，承诺返利分红，疑似借国家战略敛财",
                 "impersonation": "{0}自称政府部门下属机构，向企业和个人收取评审费、授牌费",
                 "offshore": "{0}在境外注册，在渝发展会员、收取会费，未办理登记或备案",
                 "counterfeit": "{0}名称与依法登记的社会组织相近，以评级认证名义收费",
                 "revoked_active": "{0}已被撤销登记，仍以原名义组织活动、收取费用",
                 "reformed": "{0}负责人与已被撤销登记的组织相同，换名后继续活动",
                 "revoked_reformed": "{0}被撤销登记后，原负责人使用新名称继续发展会员、收取会费",
                 "preparing_overreach": "{0}尚在筹备期间即开展募捐和庆典活动"}
        for i in range(self.n_leads):
            o = targets[i] if i < len(targets) else (r.choice(targets) if r.random() < 0.75 else r.choice(lawful))
            orgs = [o] + ([r.choice(targets)] if r.random() < 0.15 else [])
            orgs = list(dict.fromkeys(orgs))
            people = [l[0].name for l in r.sample(o.leaders, min(len(o.leaders), r.randrange(0, 4)))]
            kind = o.tags.get("kind", "")
            summary = texts.get(kind, "群众反映{0}未经登记以社会组织名义开展活动、收取费用" if o.target
                                else "反映{0}收费不规范，要求核查").format(o.name)
            day = self.date_between(dt.date(2023, 1, 1), dt.date(2024, 12, 31))
            self.leads.append([f"XS{day.year}{i + 1:05d}", N_SOURCES[i % 3], day.isoformat(), "、".join(x.name for x in orgs),
                               "、".join(people), summary])


N_SOURCES = ("举报投诉", "来信来访", "大数据平台")


def generate_case(out_dir: Path, *, scale: float = 1.0, seed: int = 7) -> dict:
    """Generate the demo case into ``out_dir``; returns {'counts': ..., 'files': [...], ...}."""
    from demo import writers
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    case = Case(seed, scale)
    case.build()
    return writers.write_all(case, out_dir)
