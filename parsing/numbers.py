"""Numbers as people write them: `3,500`, `45.5`, `四十五`, `八十五点五`, `1亿2000万`, `35 million`."""

from __future__ import annotations

import re

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(_CN_SMALL_UNITS) + "点"

_ARABIC = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|\d*\.\d+")


def _cn_integer(text: str) -> int | None:
    if not text:
        return None
    if all(c in CN_DIGITS for c in text):  # 二零二六: digit by digit
        return int("".join(str(CN_DIGITS[c]) for c in text))
    total, pending, have_digit = 0, 0, False
    for ch in text:
        if ch in CN_DIGITS:
            pending, have_digit = CN_DIGITS[ch], True
        elif ch in _CN_SMALL_UNITS:
            total += (pending if have_digit else 1) * _CN_SMALL_UNITS[ch]
            pending, have_digit = 0, False
        else:
            return None
    return total + pending


def cn_number(text: str) -> float | None:
    """A Chinese numeral below 万 (`四十五`, `一百二十`, `八十五点五`), or None."""
    whole, _, frac = text.partition("点")
    value = _cn_integer(whole) if whole else 0
    if value is None:
        return None
    if frac:
        if not all(c in CN_DIGITS for c in frac):
            return None
        return float(f"{value}.{''.join(str(CN_DIGITS[c]) for c in frac)}")
    return float(value)


def parse_number(text: str) -> float | None:
    """`3,500` / `45.5` / `四十五` / `5千` (a digit with a Chinese unit) as a float, or None."""
    text = text.strip().replace(" ", "")
    if not text:
        return None
    if _ARABIC.fullmatch(text):
        return float(text.replace(",", ""))
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([十百千])", text)
    if match:
        return float(match.group(1)) * _CN_SMALL_UNITS[match.group(2)]
    return cn_number(text)


# An amount in Chinese: the number, then 亿 / 万 / 千万 and perhaps 元.
_NUM = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|[" + CN_NUMERAL_CHARS + r"]+)"
ZH_AMOUNT = re.compile(
    rf"(?=[\d{CN_NUMERAL_CHARS}])(?<![\d.,])"
    rf"(?P<amount>{_NUM}\s*(?:[千百十]?万|亿)?(?:\s*{_NUM}\s*(?:[千百十]?万)?)?)"
    r"\s*(?P<yuan>元|块钱|块)?"
)


def zh_amount_to_wan(amount: str, yuan: bool) -> float | None:
    """`1.2亿` -> 12000, `3000万` -> 3000, `1亿2000万` -> 12000, `50000000元` -> 5000 (in 万元).

    None when the text carries no unit at all (a bare number is not money).
    """
    text = amount.replace(" ", "").replace(",", "")
    if "亿" not in text and "万" not in text and not yuan:
        return None
    total = 0.0
    rest = text
    if "亿" in rest:
        head, rest = rest.split("亿", 1)
        value = parse_number(head)
        if value is None:
            return None
        total += value * 1e8
        if rest and rest.isdigit() and len(rest) == 1:  # 2亿5 = 2.5亿
            return (total + int(rest) * 1e7) / 1e4
    if "万" in rest:
        head, rest = rest.split("万", 1)
        multiplier = 1e4
        for unit, factor in (("千", 1e7), ("百", 1e6), ("十", 1e5)):
            if head.endswith(unit) and parse_number(head[:-1]) is not None:
                head, multiplier = head[:-1], factor
                break
        value = parse_number(head)
        if value is None:
            return None
        total += value * multiplier
    if rest:
        value = parse_number(rest)
        if value is None:
            return None
        total += value
    return total / 1e4


# An amount in English: `35 million yuan`, `RMB 520 million`, `CNY 80m`, `1.2 billion yuan`.
EN_AMOUNT = re.compile(
    r"(?=[\d¥￥]|rmb|cny|yuan)(?P<pre>(?:rmb|cny|¥|￥|yuan)\s*)?"
    r"(?<![\d.,])(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*"
    r"(?P<mag>billion|bn|b|million|mln|mn|m|thousand|k|wan|10k)?(?![a-z])\s*"
    r"(?P<post>yuan|rmb|cny|元)?(?![a-z])"
)
_EN_MAGNITUDE = {
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "mln": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "thousand": 1e3,
    "k": 1e3,
    "wan": 1e4,
    "10k": 1e4,
}


def en_amount_to_wan(num: str, magnitude: str | None) -> float:
    value = float(num.replace(",", ""))
    return value * _EN_MAGNITUDE.get(magnitude or "", 1.0) / 1e4


def tidy(value: float) -> float:
    """Round away float noise (2.1 * 1e8 / 1e4 = 21000.000000000004)."""
    return round(value, 4)
