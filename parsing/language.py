"""Which language a message is in: "zh", "en", or None when it is too short to tell.

DESIGN.md, "Language": Han characters make it Chinese; otherwise langdetect (seeded, so it is
repeatable) decides — but only on text with enough letters once codes, numbers, markup,
links and emoji are taken out. langdetect guesses wildly on short Latin text (`P001 45%` is
Polish, `done` Italian, `at 62%` Tagalog), so a non-English answer for Latin text counts as
English only when most of its words are common English words; else the caller falls back to
the user's own choice.
"""

from __future__ import annotations

import importlib.resources
import re
import threading
from functools import lru_cache

from .normalize import fold

# Measured on tests/corpus (see tests/test_language.py): below this many letters langdetect is
# right on about half of the English messages, above it on nearly all of them.
MIN_LETTERS = 6
MIN_WORDS = 2
_DETECT_CHARS = 400

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_NOISE = re.compile(
    r"<[^<>]{0,200}>"  # markup
    r"|&[a-z]{2,6};"  # entities
    r"|(?:https?://|www\.)\S+"  # links
    r"|@\w+"  # @mentions
    r"|(?<![a-z0-9])#?[a-z]{1,6}[-_]?\d{1,6}(?![0-9])"  # project codes: qb-001, p001
    r"|\d+(?:[.,]\d+)*"
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

_ENGLISH_WORDS = """
a about above across after again against ago all almost already also although always am an and
any anything are around as asap at away back be because been before behind being below best
better between both but by can cannot could day days did do does doing done down due during
each early either else end enough even ever every few final finally first for from full further
get gets getting go goes going gone good got had has have having he her here him his how however
i if in into is it its just keep kept last late later least less let like little long made main
make many may me might more most much must my near nearly need needed needs never new next no
none nor not nothing now of off on once one only or other our out over own part per please quite
rather really same see seen should since so some soon still such than thanks thank that the their
them then there these they this those though through till to today too under until up upon us
very via was way we week weeks well were what when where whether which while who why will with
within without work works would yet you your yesterday tomorrow month months year years monday
tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
hi hello dear all team update updates quick note fyi regards cheers ok okay yes sure
progress complete completed completion finished finish started start starts starting begin began
begun construction under building built site works working plant park hub factory zone project
projects phase stage signed signing contract agreement negotiating negotiation negotiations
talks investor investors investment invested spent million billion yuan rmb budget cost costs
issue issues problem problems blocker blockers risk risks pending approval approvals permit
permits delayed delay delays waiting wait still current currently overall total so far date
operation operational commissioning commissioned installed installing installation equipment
grid power water supply land lease lot road roads foundation piling pile steel roof roofing
structure concrete cable cables testing test trial production line lines capacity schedule
scheduled plan planned plans target on track ahead track behind lagging report reports status
change changes changed nothing new same as remains remaining done almost fire inspection
acceptance handover handed over labour labor workers shortage weather rain typhoon design
drawings tender tendering procurement contractor contractors subcontractor materials delivery
arrived arriving arrive expected expect finalised finalized submitted approved awaiting
resolved solved fixed issue rising rose increase increased decrease good bad great slow fast
solar wind farm terminal container cold chain center centre storage battery logistics
electronics components agricultural processing industrial riverside port airport expansion
energy station substation percent output per cent pct
approx approximately roughly around about est estimated weekly monthly daily transformer transformers battery batteries racks rack cooling
"""
ENGLISH = frozenset(_ENGLISH_WORDS.split())

# The languages langdetect is told about. It is asked only about text without Han characters,
# and only "is it English?" matters: any other answer means "none of ours". So English needs
# rivals that Latin-script text in another language is closer to than to English, not every
# language there is: the big Western European ones (investors and builders; langdetect's
# wrong guesses for short English were among them), Indonesian, Vietnamese and Tagalog (the
# Latin-script neighbours), Polish and Turkish (pinyin and short Latin noise go to them rather
# than to English). Text in another script finds no profile and is none of ours too. These 12
# profiles take 3 MB of memory; langdetect's 31 Latin-script ones 13 MB, all 55 about 60 MB.
# Measured on tests/corpus (every message's language as with the 31) and on
# tests/test_language.py's texts in other languages (each still "none of ours").
PROFILES = ("en", "fr", "de", "es", "it", "pt", "nl", "id", "vi", "tl", "pl", "tr")

_lock = threading.Lock()
_factory_ready = False
_factory = None  # langdetect's DetectorFactory with the PROFILES, seeded


def _load_langdetect() -> None:
    """Load langdetect's PROFILES once (a few hundredths of a second), seeded."""
    global _factory_ready, _factory
    if _factory_ready:
        return
    with _lock:
        if _factory_ready:
            return
        from langdetect import DetectorFactory

        profiles = importlib.resources.files("langdetect") / "profiles"
        factory = DetectorFactory()
        factory.load_json_profile([(profiles / name).read_text(encoding="utf-8")
                                   for name in PROFILES])
        factory.set_seed(0)
        _factory = factory
        _factory_ready = True


def preload() -> None:
    """Load now what detecting a language would load on first use (langdetect's profiles),
    so that a caller can do it at start-up instead of on the first message."""
    _load_langdetect()


def langdetect_top(text: str) -> str | None:
    """langdetect's own answer for `text` among PROFILES (seeded), or None when it fails (no
    profile has the text's letters, or it has none)."""
    try:
        _load_langdetect()
        detector = _factory.create()
        detector.append(text)
        return detector.detect()
    except Exception:  # langdetect raises on text without features; never let it escape
        return None


def words_of(text: str) -> list[str]:
    """The words left in `text` once markup, links, codes and numbers are taken out."""
    return _WORD.findall(_NOISE.sub(" ", fold(text)))


def detect_language(text: str) -> str | None:
    """ "zh" | "en" | None (too short or not a language the bot speaks)."""
    if not isinstance(text, str) or not text:
        return None
    return _detect(text)


@lru_cache(maxsize=256)
def _detect(text: str) -> str | None:
    # Cached: one message is asked about up to three times on its way (the handler, the
    # parser), and langdetect takes milliseconds where the quick rules cannot decide.
    if _HAN.search(text):
        return "zh"
    words = words_of(text)
    letters = sum(len(w) for w in words)
    if letters < MIN_LETTERS or len(words) < MIN_WORDS:
        return None
    # Mostly common English words: English, whatever langdetect would say (its only other
    # answers for Latin text are wrong guesses like Polish, and those map to English too).
    # This also spares the ~7 ms langdetect costs per call.
    english = sum(1 for w in words if w.replace("'", "") in ENGLISH or w.split("'")[0] in ENGLISH)
    if english >= MIN_WORDS and english * 2 >= len(words):
        return "en"
    answer = langdetect_top(" ".join(words)[:_DETECT_CHARS])
    if answer == "en":
        return "en"
    if answer and answer.startswith("zh"):
        return "zh"
    return None
