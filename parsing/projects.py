"""Finding the projects a text names: codes, names and aliases, parts of names, typos.

All positions are in the folded text (see `normalize.fold`), which has the original's length.
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .normalize import fold, is_han, key, squeeze
from .refs import ProjectRef

# priorities when mentions overlap (higher wins, then longer)
CODE, NAME, PARTIAL, FUZZY, UNKNOWN = 5, 4, 3, 2, 1

_GENERIC_CODE = re.compile(
    r"(?<![a-z0-9])(?P<hash>#[ \t]?)?(?P<letters>[a-z]{1,6})(?P<sep>[ \t]?[-_.][ \t]?|[ \t])?(?P<digits>\d{1,6})(?![0-9])"
)
_HAS_DIGIT = re.compile(r"\d")
_HAN_SUFFIXES = ("项目", "工程", "一期", "二期", "三期", "(一期)", "（一期）")
_LATIN_SUFFIXES = (" project", " projects")
_HAN_GRAM = 5
_LATIN_STOP_WORDS = (
    "the of and a an for to in on at phase project projects plant park zone new city county "
    "district office center centre hub site ii iii i 2 3"
)
_LATIN_STOP = frozenset(_LATIN_STOP_WORDS.split())


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    code: str | None  # None: a code-shaped token not in the ledger
    priority: int
    raw: str = ""


@dataclass
class _Index:
    projects: dict[str, ProjectRef]
    code_re: re.Pattern[str] | None
    # folded code text without separators -> code; a code of letters and digits only when
    # another code has its number (the others are found by their number: `_exact_code`)
    code_lookup: dict[str, str]
    numeric: dict[str, str | None]  # letters and number (_numeric_key) -> its code (None: several)
    code_shapes: set[tuple[str, int]]  # (letters, digit count) of known codes
    names: dict[str, str]  # name key -> its one project's code, longest first
    grams: dict[str, tuple[str, str]]  # Han 5-gram -> (code, the name key it came from)
    bigrams: dict[tuple[str, str], str]  # Latin word pair -> code
    units: dict[str, list[str]] = field(default_factory=dict)  # unit key -> codes
    gram_firsts: frozenset[str] = frozenset()
    name_heads: dict[str, list[str]] = field(default_factory=dict)  # 2 chars -> name keys
    # unit key -> the name keys a typo may be forgiven in (long enough), in the order of `names`
    typo_names: dict[str, list[str]] = field(default_factory=dict)
    # projects that are a first phase: named so, or with a "… 二期 / Phase II" project beside them
    first_phases: frozenset[str] = frozenset()


def unit_key(unit: str | None) -> str:
    return key(unit or "")


def _numeric_key(letters: str, digits: str) -> str:
    """"bp" and "0012" -> "bp12": a code's letters and number, leading zeros left out."""
    return f"{letters}{int(digits)}"


def _claim(owners: dict, key: object, code: str) -> None:
    """Note `code` as the owner of `key`; a key of two projects is nobody's (None). Cheaper at
    20,000 projects than a set of owners per key, when most keys are everybody's."""
    if owners.setdefault(key, code) != code:
        owners[key] = None


def _derived(name: str) -> list[str]:
    out = []
    folded = fold(name).strip()
    for suffix in _HAN_SUFFIXES:
        if folded.endswith(suffix) and len(key(folded[: -len(suffix)])) >= 3:
            out.append(folded[: -len(suffix)])
    for suffix in _LATIN_SUFFIXES:
        if folded.endswith(suffix) and len(key(folded[: -len(suffix)])) >= 6:
            out.append(folded[: -len(suffix)])
    return out


def _is_latin_key(k: str) -> bool:
    return not any(is_han(c) for c in k)


def _code_pattern(code: str) -> str | None:
    runs = re.findall(r"[a-z]+|\d+|[^\W\d_]+", fold(code))
    if not runs:
        return None
    body = r"[ \t]?[-_.]?[ \t]?".join(re.escape(r) for r in runs)
    start = r"(?<![a-z0-9])" if runs[0][0].isascii() and runs[0][0].isalnum() else ""
    end = r"(?![0-9])" if runs[-1][-1].isdigit() else r"(?![a-z])"
    # a code without digits ("A", "PARK") is an ordinary word unless written "#A"
    hash_mark = r"(?:#[ \t]?)?" if any(r.isdigit() for r in runs) else r"#[ \t]?"
    return rf"{start}{hash_mark}{body}{end}"


class _IndexCache:
    """The index of the last few ledgers, found by the tuple's identity.

    The bot passes the same tuple for every message until the ledger changes; an lru_cache
    would hash every ProjectRef of it for each message, which for thousands of projects costs
    more than the matching itself. The tuples are kept alive, so an id is never reused; an
    equal ledger in another tuple is found by comparison.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[tuple[ProjectRef, ...], _Index]] = OrderedDict()

    def get(self, projects: tuple[ProjectRef, ...]) -> _Index:
        hit = self._entries.get(id(projects))
        if hit is not None and hit[0] is projects:
            self._entries.move_to_end(id(projects))
            return hit[1]
        for kept, index in self._entries.values():  # an equal ledger in a new tuple
            if kept == projects:
                return index
        index = build_index(projects)
        self._entries[id(projects)] = (projects, index)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return index


_INDEXES = _IndexCache(16)


def index_for(projects: tuple[ProjectRef, ...]) -> _Index:
    """`build_index` of these projects, built once per ledger tuple."""
    return _INDEXES.get(projects)


def build_index(projects: tuple[ProjectRef, ...]) -> _Index:
    by_code = {p.code: p for p in projects}
    code_lookup: dict[str, str] = {}
    numeric: dict[str, str | None] = {}
    shapes: set[tuple[str, int]] = set()
    patterns = []
    numbered: list[tuple[str, str, str]] = []  # (key, number, code) of letters+digits codes
    for code in by_code:
        k = key(code)
        if not k:
            continue
        m = re.fullmatch(r"([a-z]{1,6})(\d{1,6})", k)
        if m:
            number = _numeric_key(m.group(1), m.group(2))
            _claim(numeric, number, code)
            shapes.add((sys.intern(m.group(1)), len(m.group(2))))
            numbered.append((k, number, code))
            continue  # _GENERIC_CODE finds it
        code_lookup.setdefault(k, code)
        if pattern := _code_pattern(code):
            patterns.append((len(k), pattern))
    for k, number, code in numbered:  # 20,000 such keys need not be kept beside their numbers
        if numeric[number] is None:
            code_lookup.setdefault(k, code)
    del numbered
    patterns.sort(reverse=True)
    code_re = re.compile("|".join(p for _, p in patterns)) if patterns else None

    # Each key's one owner (None: several): built a project at a time, without a set per key.
    owners: dict[str, str | None] = {}
    for p in projects:
        for text in (p.name, *p.aliases):
            k = key(text)
            if len(k) >= (2 if not _is_latin_key(k) else 3):
                _claim(owners, k, p.code)
    derived: dict[str, str | None] = {}
    for p in projects:
        for text in (p.name, *p.aliases):
            for d in _derived(text):
                k = key(d)
                if k not in owners:
                    _claim(derived, k, p.code)
    owners.update(derived)
    del derived
    names = dict(sorted(((k, code) for k, code in owners.items() if code is not None),
                        key=lambda name: -len(name[0])))
    del owners

    gram_owners: dict[str, str | None] = {}
    gram_source: dict[str, str] = {}
    bigram_owners: dict[tuple[str, str], str | None] = {}
    for p in projects:
        for text in (p.name, *p.aliases):
            k = key(text)
            if len(k) > _HAN_GRAM and not _is_latin_key(k):
                for i in range(len(k) - _HAN_GRAM + 1):
                    gram = k[i : i + _HAN_GRAM]
                    if sum(is_han(c) for c in gram) >= 4:
                        _claim(gram_owners, gram, p.code)
                        gram_source.setdefault(gram, k)
            words = re.findall(r"[a-z0-9]+", fold(text))
            for a, b in zip(words, words[1:], strict=False):
                _claim(bigram_owners, (a, b), p.code)
    grams = {g: (code, gram_source[g]) for g, code in gram_owners.items() if code is not None}
    del gram_owners, gram_source
    bigrams = {
        pair: code
        for pair, code in bigram_owners.items()
        if code is not None
        and not (set(pair) & _LATIN_STOP)
        and len(pair[0]) >= 3
        and len(pair[1]) >= 3
        and len(pair[0]) + len(pair[1]) >= 10
    }
    units: dict[str, list[str]] = defaultdict(list)
    for p in projects:
        units[unit_key(p.unit)].append(p.code)
    unit_of = {p.code: unit_key(p.unit) for p in projects}
    typo_names: dict[str, list[str]] = defaultdict(list)
    for k, code in names.items():
        if len(k) >= (8 if _is_latin_key(k) else 4):
            typo_names[unit_of[code]].append(k)
    return _Index(
        projects=by_code,
        code_re=code_re,
        code_lookup=code_lookup,
        numeric=numeric,
        code_shapes=shapes,
        names=names,
        grams=grams,
        bigrams=bigrams,
        units=dict(units),
        gram_firsts=frozenset(g[0] for g in grams),
        name_heads=_by_first_two(names),
        typo_names=dict(typo_names),
        first_phases=_first_phases(projects),
    )


_FIRST_PHASE_NAME = re.compile(r"一期|(?<![a-z])phase\s*(?:1|i|one)(?![a-z0-9])")
_SECOND_PHASE_TAIL = re.compile(r"(?:二期|phase(?:ii|2|two))$")


def _first_phases(projects: tuple[ProjectRef, ...]) -> frozenset[str]:
    firsts = {p.code for p in projects if _FIRST_PHASE_NAME.search(fold(p.name))}
    keys = [key(p.name) for p in projects]
    seconds = {_SECOND_PHASE_TAIL.sub("", k) for k in keys if _SECOND_PHASE_TAIL.search(k)}
    firsts |= {p.code for p, k in zip(projects, keys, strict=True) if k in seconds}
    return frozenset(firsts)


def is_first_phase(projects: tuple[ProjectRef, ...], code: str | None) -> bool:
    """Whether the project is the first phase of something ("一期进度70%" is its own figure)."""
    return code is not None and code in index_for(projects).first_phases


def _by_first_two(names: Iterable[str]) -> dict[str, list[str]]:
    heads: dict[str, list[str]] = defaultdict(list)
    for k in names:  # every name key has at least two characters
        heads[k[:2]].append(k)
    return dict(heads)


def _latin_bounds_ok(folded: str, start: int, end: int) -> bool:
    if start > 0 and folded[start - 1].isascii() and folded[start - 1].isalnum():
        return False
    if end < len(folded) and folded[end].isascii() and folded[end].isalnum():
        tail = re.match(r"e?s(?![a-z0-9])", folded[end : end + 3])  # plural
        return tail is not None
    return True


def _exact_code(index: _Index, text: str, owner: str | None) -> str | None:
    """The code whose key is `text` (letters and digits): `owner`, its number's one code,
    when that is written so, else the code_lookup's."""
    if owner is not None and key(owner) == text:
        return owner
    return index.code_lookup.get(text)


def _code_mentions(folded: str, index: _Index) -> list[Mention]:
    found: list[Mention] = []
    taken = bytearray(len(folded) + 1)
    if index.code_re is not None:
        for m in index.code_re.finditer(folded):
            code = index.code_lookup.get(key(m.group()))
            if code:
                found.append(Mention(m.start(), m.end(), code, CODE, m.group()))
                taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for m in _GENERIC_CODE.finditer(folded):
        if any(taken[m.start() : m.end()]):
            continue
        letters, digits = m.group("letters"), m.group("digits")
        number = _numeric_key(letters, digits)
        owner = index.numeric.get(number)  # None: no code, or several, of that number
        exact = _exact_code(index, letters + digits, owner)
        sep = m.group("sep") or ""
        explicit = bool(m.group("hash")) or "-" in sep or "_" in sep
        # "at 62": a space alone joins letters and digits only in the shape of a known code
        if sep and not sep.strip() and (letters, len(digits)) not in index.code_shapes:
            continue
        if exact:
            found.append(Mention(m.start(), m.end(), exact, CODE, m.group()))
        elif owner is not None and (len(digits) >= 2 or explicit):
            found.append(Mention(m.start(), m.end(), owner, CODE, m.group()))
        elif (letters, len(digits)) in index.code_shapes and number not in index.numeric:
            found.append(Mention(m.start(), m.end(), None, UNKNOWN, m.group().lstrip("#").strip()))
    return found


def _name_mentions(folded: str, sq: str, pos: list[int], index: _Index) -> list[Mention]:
    found: list[Mention] = []
    for start, k in _name_hits(sq, index):
        a, b = pos[start], pos[start + len(k) - 1] + 1
        if not _is_latin_key(k) or _latin_bounds_ok(folded, a, b):
            found.append(Mention(a, b, index.names[k], NAME))
    return found


def _name_hits(sq: str, index: _Index) -> Iterator[tuple[int, str]]:
    """Every (start, name key) where a name key occurs in `sq`, overlaps included.

    Searching the text for each name costs a pass per name: fine for a short ledger, slow for
    thousands of projects; then each position of the text is looked up by its first two
    characters instead, whichever means less work.
    """
    if len(index.names) * 4 < len(sq):
        for k in index.names:
            start = sq.find(k)
            while start != -1:
                yield start, k
                start = sq.find(k, start + 1)
        return
    heads = index.name_heads
    for start in range(len(sq) - 1):
        for k in heads.get(sq[start : start + 2], ()):
            if sq.startswith(k, start):
                yield start, k


def _partial_mentions(folded: str, sq: str, pos: list[int], index: _Index) -> list[Mention]:
    found: list[Mention] = []
    if index.grams:
        firsts = index.gram_firsts
        i, n = 0, len(sq)
        while i + _HAN_GRAM <= n:
            if sq[i] not in firsts:
                i += 1
                continue
            hit = index.grams.get(sq[i : i + _HAN_GRAM])
            if hit is None:
                i += 1
                continue
            code, source = hit
            j = i + _HAN_GRAM
            while j < n and sq[i : j + 1] in source:
                j += 1
            found.append(Mention(pos[i], pos[j - 1] + 1, code, PARTIAL))
            i = j
    if index.bigrams:
        words = list(re.finditer(r"[a-z0-9]+", folded))
        for w1, w2 in zip(words, words[1:], strict=False):
            if folded[w1.end() : w2.start()].strip(" -"):
                continue
            code = index.bigrams.get((w1.group(), w2.group()))
            if code:
                found.append(Mention(w1.start(), w2.end(), code, PARTIAL))
    return found


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _fuzzy_mentions(
    folded: str, sq: str, pos: list[int], keys: list[str], names: dict[str, str]
) -> list[Mention]:
    """The name `keys` (a unit's: _Index.typo_names) written with one typo (one character
    wrong, missing or extra); `names` gives each one's code."""
    found: list[Mention] = []
    for k in keys:
        half = len(k) // 2
        left, right = k[:half], k[half:]
        starts: set[int] = set()
        p = sq.find(left)
        while p != -1:
            starts.add(p)
            p = sq.find(left, p + 1)
        p = sq.find(right)
        while p != -1:
            starts.update((p - half - 1, p - half, p - half + 1))
            p = sq.find(right, p + 1)
        for s in sorted(starts):
            if s < 0:
                continue
            for length in (len(k), len(k) - 1, len(k) + 1):
                window = sq[s : s + length]
                if len(window) != length or window == k or not _within_one_edit(window, k):
                    continue
                a, b = pos[s], pos[s + length - 1] + 1
                if not _is_latin_key(k) or _latin_bounds_ok(folded, a, b):
                    found.append(Mention(a, b, names[k], FUZZY))
                break
    return found


def _resolve(candidates: list[Mention]) -> list[Mention]:
    """Overlapping mentions: the higher priority wins, then the longer (the longest match wins)."""
    chosen: list[Mention] = []
    taken = bytearray(max((m.end for m in candidates), default=0) + 1)
    for m in sorted(candidates, key=lambda m: (-m.priority, -(m.end - m.start), m.start)):
        if not any(taken[m.start : m.end]):
            taken[m.start : m.end] = b"\x01" * (m.end - m.start)
            chosen.append(m)
    chosen.sort(key=lambda m: m.start)
    return chosen


def find_mentions(
    folded: str, projects: tuple[ProjectRef, ...], sender_unit: str | None
) -> list[Mention]:
    """Every project the folded text names, in order of position."""
    index = index_for(projects)
    sq, pos = squeeze(folded)
    candidates = _code_mentions(folded, index) if _HAS_DIGIT.search(folded) else []
    candidates += _name_mentions(folded, sq, pos, index)
    candidates += _partial_mentions(folded, sq, pos, index)
    if not any(m.priority in (NAME, PARTIAL) for m in candidates) and sender_unit:
        unit = unit_key(sender_unit)
        if len(index.units.get(unit, [])) > 1:  # with one project the unit rule already decides
            candidates += _fuzzy_mentions(folded, sq, pos, index.typo_names.get(unit, []),
                                          index.names)
    return _resolve(_joined(candidates, folded, index))


def _joined(candidates: list[Mention], folded: str, index: _Index) -> list[Mention]:
    """Two overlapping names of different projects, where the text they cover together is in
    one project's name ("industrial park" + "park phase ii" in "Riverside Industrial Park
    Phase II"): that project's mention covers both, so the longest match wins."""
    names = [m for m in candidates if m.priority in (NAME, PARTIAL)]
    out = list(candidates)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if a.code == b.code or not (a.start < b.end and b.start < a.end):
                continue
            joined = key(folded[min(a.start, b.start) : max(a.end, b.end)])
            owners = [m for m in (a, b) if m.code and _name_holds(index, m.code, joined)]
            if len(owners) == 1:
                m = owners[0]
                out.append(Mention(min(a.start, b.start), max(a.end, b.end), m.code, m.priority))
    return out


def _name_holds(index: _Index, code: str, joined: str) -> bool:
    ref = index.projects[code]
    return any(joined in key(text) for text in (ref.name, *ref.aliases))


def unit_active_projects(projects: tuple[ProjectRef, ...], sender_unit: str | None) -> list[str]:
    if not sender_unit:
        return []
    index = index_for(projects)
    return [c for c in index.units.get(unit_key(sender_unit), []) if index.projects[c].active]
