"""Fictional identifiers with correct check digits: resident IDs, credit codes, cards, phones."""

from __future__ import annotations

import datetime as dt
import random

from stdnum.cn import ric, uscc

_OC_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def resident_id(rng: random.Random, region: str, birth: dt.date, male: bool, taken: set) -> str:
    """An 18-digit resident ID (GB 11643); the 17th digit is odd for men, even for women."""
    while True:
        seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character
        if number not in taken:
            taken.add(number)
            return number


def bad_checksum(number: str) -> str:
    """The same ID with a wrong check digit."""
    good = number[-1]
    return number[:-1] + ("0" if good != "0" else "1")


def org_code(rng: random.Random, prefix: str) -> str:
    """A 9-character organization code (GB 11714) starting with ``prefix`` (e.g. 'MJ')."""
    body = prefix + "".join(rng.choice("0123456789") for _ in range(8 - len(prefix)))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(_OC_ALPHABET.index(c) * w for c, w in zip(body, weights)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, kind: str, region: str, taken: set, prefix: str = "MJ") -> str:
    """An 18-character unified social credit code (GB 32100): '5' + kind + region + org code + check.

    kind '1' 社会团体, '2' 民办非企业单位, '3' 基金会; companies pass kind '91' with prefix 'MA'.
    """
    while True:
        head = ("5" + kind if len(kind) == 1 else kind) + region + org_code(rng, prefix)
        code = head + uscc.calc_check_digit(head)
        if code not in taken:
            taken.add(code)
            return code


def luhn_complete(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def card_number(rng: random.Random, bin_: str, length: int, taken: set) -> str:
    """A Luhn-valid card number of ``length`` digits with the bank's BIN."""
    while True:
        body = bin_ + "".join(rng.choice("0123456789") for _ in range(length - len(bin_) - 1))
        number = luhn_complete(body)
        if number not in taken:
            taken.add(number)
            return number


def account_number(rng: random.Random, prefix: str, taken: set) -> str:
    """A 19-digit bank account number (交易账号), distinct from every card number."""
    while True:
        number = prefix + "".join(rng.choice("0123456789") for _ in range(19 - len(prefix)))
        if number not in taken:
            taken.add(number)
            return number


def phone(rng: random.Random, taken: set) -> str:
    while True:
        number = rng.choice(("13", "15", "18")) + str(rng.choice((0, 1, 2, 3, 5, 6, 7, 8, 9))) + \
            f"{rng.randrange(100_000_000):08d}"
        if number not in taken:
            taken.add(number)
            return number
