"""Length-preserving text folding, so that positions found in the folded text index the original.

`fold(text)` returns a string of exactly `len(text)` characters in which:
- full-width ASCII forms (`ＱＢ－００１`, `４５％`, `：`, `；`, `，`) become ASCII;
- odd spaces (ideographic, no-break, thin) become a plain space;
- control and invisible formatting characters (NUL, `\\r`, zero-width, bidi marks) become a space,
  `\\n` is kept and the Unicode line/paragraph separators become `\\n`;
- dashes and minus signs become `-`, other percent signs `%`;
- letters are lower-cased (where that keeps the length);
- traditional Chinese characters become simplified (OpenCC's t2s), so `開累完成投資` reads like
  `开累完成投资` and a name written in either script matches the other.

Matching is done on the folded text; what is returned to callers is cut from the original.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache
from itertools import compress

import opencc

_TABLE: dict[int, str] = {}
for _cp in range(0xFF01, 0xFF5F):  # full-width ASCII
    _TABLE[_cp] = chr(_cp - 0xFEE0)
for _cp in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0)):
    if _cp != 0x0A:
        _TABLE[_cp] = " "
for _cp in (0x00A0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B)):
    _TABLE[_cp] = " "
for _cp in (
    0x00AD,
    0x034F,
    0x061C,
    0x115F,
    0x1160,
    0x17B4,
    0x17B5,
    0x180E,
    0x3164,
    0xFEFF,
    0xFFA0,
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2070),
    *range(0xFFF0, 0xFFFC),
):
    _TABLE[_cp] = " "
_TABLE[0x2028] = "\n"
_TABLE[0x2029] = "\n"
for _cp in (*range(0x2010, 0x2016), 0x2212, 0xFE58, 0xFE63, 0x2E3A, 0x2E3B):
    _TABLE[_cp] = "-"
for _cp in (0x066A, 0xFE6A, 0x2052):
    _TABLE[_cp] = "%"
_TABLE[0xFE55] = ":"
_TABLE[0xFE13] = ":"
_TABLE[0xFE54] = ";"
_TABLE[0xFE14] = ";"
_TABLE[0xFF61] = "。"
_TABLE[0xFE12] = "。"
_TABLE[0x2024] = "."
_TABLE[0x2027] = "."


_FOLD_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE)) + "]")


def _fold_char(m: re.Match[str]) -> str:
    return _TABLE[ord(m.group())]


_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_T2S = opencc.OpenCC("t2s")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=4096)
def _simplified_char(ch: str) -> str:
    out = _T2S.convert(ch)
    return out if len(out) == 1 else ch


def simplified(text: str) -> str:
    """`text` in simplified characters, with the same length (a phrase OpenCC would rewrite
    to another length is converted character by character instead)."""
    if not _HAN_RE.search(text):
        return text
    # OpenCC takes UTF-8: a lone surrogate (possible in a JSON string) becomes U+FFFD, one for one
    out = _T2S.convert(_SURROGATE_RE.sub("\ufffd", text))
    if len(out) == len(text):
        return out
    return "".join(_simplified_char(c) if is_han(c) else c for c in text)


def fold(text: str) -> str:
    """`text` folded for matching, with the same length as `text` (see the module doc)."""
    folded = simplified(_FOLD_RE.sub(_fold_char, text))
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)


def is_han(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
    )


def squeeze(folded: str) -> tuple[str, list[int]]:
    """Only the letters and digits of `folded`, with each one's index in `folded`."""
    keep = list(compress(range(len(folded)), map(str.isalnum, folded)))
    return "".join(compress(folded, map(str.isalnum, folded))), keep


_NOT_ALNUM_RE = re.compile(r"[\W_]+")  # \w is exactly str.isalnum() plus "_"


def key(text: str) -> str:
    """A name's matching key: folded, letters and digits only. One copy of each: the parser's
    index and the look-ups by name (services.views) keep 20,000 projects' keys each."""
    return sys.intern(_NOT_ALNUM_RE.sub("", fold(text)))


_TRIM_EXTRA = set(",.;:!?~-_*'\"`|/\\=+^、，。；：！？～…—–·•“”‘’「」『』〈〉《》〔〕﹏")


@lru_cache(maxsize=4096)
def _trimmable(ch: str) -> bool:
    if ch.isspace() or ch in _TRIM_EXTRA:
        return True
    cat = unicodedata.category(ch)
    # emoji and other symbols, invisible format characters, combining marks left alone
    return cat in ("So", "Sk", "Cf", "Cc", "Mn", "Me", "Co", "Cs", "Cn")


def trim(text: str) -> str:
    """`text` without surrounding whitespace, punctuation and emoji (brackets and % are kept)."""
    start, end = 0, len(text)
    while start < end and _trimmable(text[start]):
        start += 1
    while end > start and _trimmable(text[end - 1]):
        end -= 1
    return text[start:end]


_SPACES = re.compile(r"\s+")


def clean_name(text: str) -> str:
    """A name (of a unit, a project, a person) as stored and compared: NFKC (full-width forms,
    compatibility characters), invisible formatting and bidi controls removed (zero-width
    spaces, joiners, direction marks and isolates), control characters removed, runs of
    spaces collapsed. Two names that look the same are then the same."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text
                   if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\t\n\r")
    return _SPACES.sub(" ", text).strip()


def has_hidden_characters(text: str) -> bool:
    """Whether a name still holds characters that show as nothing or as a box once cleaned
    (unassigned or private-use code points): a look-alike that normalising cannot fix."""
    return any(unicodedata.category(ch) in ("Co", "Cn", "Cs") for ch in clean_name(text))
