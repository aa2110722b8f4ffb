"""detect_language: Han makes it Chinese; Latin text is English only when it can be told."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from parsing import detect_language
from parsing import language as language_module
from parsing.language import MIN_LETTERS, langdetect_top, words_of

CORPUS = Path(__file__).parent / "corpus"


def _corpus() -> list[dict]:
    """(text, lang) of every corpus message; samples.jsonl says "too short: ..." for None."""
    cases = []
    for path in [CORPUS / "samples.jsonl", *sorted(CORPUS.glob("messages_*.jsonl"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                lang = case.get("lang")
                cases.append({"text": case["text"], "lang": lang if lang in ("zh", "en") else None})
    return cases


CASES = _corpus()


@pytest.mark.parametrize(
    "text",
    [
        "QB-001 进度45%",
        "进度50%",
        "好",
        "P001 45% 好",
        "<b>卫星产业园</b>",
        "本周正常推进",
        "ZQ-101 at 62%, 电力未批复",
        "進度 10%",
        "𠀀",
        "QB-001 progress 50%, 电力未批复",
    ],
)
def test_han_is_chinese(text: str) -> None:
    assert detect_language(text) == "zh"


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "P001 45%",
        "ZQ-101 70%",
        "ok",
        "👍",
        "ZQ-101 done",
        "progress 45%",
        "40%",
        "zq101 - 68%",
        "ZQ 101 at 92%",
        "up 3% to 18%",
        "#ZQ-101 69 %",
        "\x00\u200b",
        "https://example.com/x 45%",
        "<b>ZQ-101</b> 45%",
        "&amp; 45%",
    ],
)
def test_too_short_to_tell(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "ZQ-101 at 62%, battery racks being installed. Problem: grid connection approval still pending.",
        "storage plant: invested 35 million yuan so far, 65% complete",
        "Logistics hub construction started this week",
        "components factory is now in operation, 100%",
        "Agri park: contract signed. Blockers: land lease terms; water supply plan",
        "<b>ZQ-101</b> 71% & rising; issue: <script>alert(1)</script>",
        "no change",
        "on track",
        "Same as last week.",
        "ZQ-101 80% no blockers",
        "Update from Riverside: all on track",
        "ＺＱ－１０１ progress is good this week",  # full-width Latin
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "ZQ-101 avance 85%, sin problemas",  # Spanish
        "ZQ-101 진행률 85%, 문제 없음",  # Korean
        "Проект идет по плану, 45%",  # Russian
        "Le chantier avance bien cette semaine",  # French
    ],
)
def test_other_languages_are_not_guessed(text: str) -> None:
    assert detect_language(text) is None


def test_repeatable() -> None:
    text = "Fengkai agri park: contract signed"
    assert len({detect_language(text) for _ in range(20)}) == 1
    assert len({langdetect_top("grid approval pending") for _ in range(20)}) == 1


def test_langdetect_loads_once(monkeypatch) -> None:
    detect_language("the logistics hub is progressing well this week")
    assert language_module._factory_ready

    def boom() -> None:
        raise AssertionError("langdetect profiles loaded twice")

    monkeypatch.setattr("langdetect.detector_factory.init_factory", boom)
    assert langdetect_top("the logistics hub is progressing well this week") == "en"


def test_words_ignore_codes_numbers_markup() -> None:
    assert words_of("<b>ZQ-101</b> 71% & rising; qb001 P001 https://x.y/z @bot") == ["rising"]


def test_threshold_measured_on_the_corpus(capsys) -> None:
    """langdetect alone on the corpus's Latin messages, by letters left after cleaning.

    This is what MIN_LETTERS and the English-word check are for: langdetect calls short
    English Polish, Norwegian, Afrikaans... The parser's own answer must be right on them all.
    """
    buckets: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    latin = [c for c in CASES if not language_module._HAN.search(c["text"])]
    for case in latin:
        letters = sum(len(w) for w in words_of(case["text"]))
        bucket = (
            f"<{MIN_LETTERS}"
            if letters < MIN_LETTERS
            else "<20"
            if letters < 20
            else "<40"
            if letters < 40
            else "40+"
        )
        row = buckets[bucket]
        row[0] += 1
        row[1] += langdetect_top(case["text"]) == (case["lang"] or "?")
        row[2] += detect_language(case["text"]) == case["lang"]
    with capsys.disabled():
        print("\nLatin corpus messages by letters: count, langdetect alone right, parser right")
        for bucket in (f"<{MIN_LETTERS}", "<20", "<40", "40+"):
            count, alone, ours = buckets[bucket]
            print(f"  {bucket:>4}: {count:3d}  langdetect {alone:3d}  detect_language {ours:3d}")
    total = sum(b[0] for b in buckets.values())
    ours = sum(b[2] for b in buckets.values())
    assert ours / total >= 0.97


def test_one_message_costs_one_langdetect_call(monkeypatch) -> None:
    """The handler and the parser both ask about the same text; langdetect runs once."""
    import parsing.language as language

    calls: list[str] = []
    real = language.langdetect_top

    def counted(text: str):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(language, "langdetect_top", counted)
    text = "Hafenausbau Fortschritt gut voran, Abnahme geplant naechste Woche"
    answers = {language.detect_language(text) for _ in range(3)}
    assert answers == {None} and len(calls) == 1


def test_preload_loads_the_language_profiles_once() -> None:
    import time

    from parsing import detect_language, preload

    preload()
    start = time.perf_counter()
    preload()
    assert time.perf_counter() - start < 0.05
    assert detect_language("The storage plant is at 66% now, grid connection pending") == "en"


def test_plural_of_a_count_in_english_texts() -> None:
    from i18n import t

    assert "(1 project)" in t("rep_unit_title", "en", unit="U", n=1)
    assert "(2 projects)" in t("rep_unit_title", "en", unit="U", n=2)
    assert "(0 projects)" in t("rep_unit_title", "en", unit="U", n=0)


def test_only_the_rivals_of_english_are_loaded() -> None:
    """langdetect holds 12 profiles (3 MB), not the 31 of Latin-script languages (13 MB) nor
    all 55 (60 MB): text in other scripts is told apart without them."""
    language_module.preload()
    assert sorted(language_module._factory.get_lang_list()) == sorted(language_module.PROFILES)
    assert detect_language("Проект идет по плану, строительство продолжается") is None
    assert detect_language("Le chantier avance bien cette semaine") is None
    assert detect_language("The substation is energised and testing has begun") == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Die Fundamente sind fertig, der Netzanschluss fehlt noch",  # German
        "El permiso de construcción sigue pendiente, retraso de dos semanas",  # Spanish
        "Il tetto è montato, gli impianti arrivano il mese prossimo",  # Italian
        "As fundações estão concluídas, falta a ligação à rede elétrica",  # Portuguese
        "De bouwvergunning is nog niet binnen, twee weken vertraging",  # Dutch
        "Izin bangunan masih belum keluar, terlambat dua minggu",  # Indonesian
        "Móng đã xong, vẫn chờ đấu nối lưới điện",  # Vietnamese
        "Tapos na ang pundasyon, hinihintay pa ang koneksyon sa kuryente",  # Tagalog
        "Fundamenty są gotowe, brakuje jeszcze przyłącza do sieci",  # Polish
        "Temeller bitti, şebeke bağlantısı hâlâ bekleniyor",  # Turkish
        "Grunden är klar, nätanslutningen saknas fortfarande",  # Swedish: no profile of its own
        "Fengkai nongye yuan jindu zhengchang tuijin",  # pinyin
        "gongcheng jinzhan shunli, xia zhou yanshou",  # pinyin
    ],
)
def test_latin_text_in_another_language_is_none_of_ours(text: str) -> None:
    """With English's rivals only, text in another Latin-script language is still not taken
    for English (the reply then goes in the sender's own language)."""
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Warehouse cladding 80pct, mezzanine slab poured",
        "Earthworks underway; retaining walls poured, drainage culverts laid",
        "Substation energised; transformers commissioned; punch list outstanding",
        "Scaffolding dismantled, facade glazing underway, lifts commissioned",
    ],
)
def test_english_with_uncommon_words_is_english(text: str) -> None:
    """Fewer than half its words are in the common list, so langdetect decides: English."""
    words = words_of(text)
    assert sum(w in language_module.ENGLISH for w in words) * 2 < len(words)
    assert detect_language(text) == "en"
