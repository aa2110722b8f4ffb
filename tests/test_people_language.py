"""A person's language (services.people.person_lang) and the reminder's wording helpers."""

from schedules.content import days_wording, example_progress
from services.people import people_langs, person_lang
from storage.people import find_unit, grant_role
from storage.updates import NewUpdate, store_updates, written_languages
from tests.conftest import seed_ledger


def test_lang_choice_then_written_then_telegram_then_default():
    assert person_lang({"lang": "en", "language_code": "zh"}, "zh", written="zh") == "en"
    assert person_lang({"language_code": "zh"}, "zh", written="en") == "en"
    assert person_lang({"language_code": "en-US"}, "zh") == "en"
    assert person_lang({"language_code": "fr"}, "zh") == "zh"
    assert person_lang({}, "en") == "en"


def test_written_languages_take_most_of_the_recent_messages(fresh_db):
    seed_ledger(fresh_db)
    unit = find_unit(fresh_db, "科创城管委会")["id"]
    grant_role(fresh_db, 5, "member", unit)
    grant_role(fresh_db, 6, "member", unit, name="x")
    for n, lang in enumerate(["zh", "zh", "en", "en", "en", "zh"]):  # the oldest leaves the last 5
        store_updates(fresh_db, [NewUpdate(project_id=1, unit_id=unit, author_id=5, chat_id=5,
                                           message_id=n, part=0,
                                           created_at=f"2026-01-0{n + 1}T00:00:00+00:00",
                                           raw_text="x", lang=lang)])
    assert written_languages(fresh_db, [5, 6]) == {5: "en"}
    people = list(fresh_db.query("select * from people where user_id in (5, 6)"))
    assert people_langs(fresh_db, people, "zh") == {5: "en", 6: "zh"}


def test_days_wording():
    assert days_wording(False, 0, "zh") == "今天已更新"
    assert days_wording(False, 1, "en") == "no update for 1 day"
    assert days_wording(False, 9, "en") == "no update for 9 days"
    assert days_wording(True, 0, "zh") == "从未更新（今天建档）"
    assert days_wording(True, 3, "en") == "never updated (3 days since added)"


def test_example_progress_is_past_the_actual_and_at_most_100():
    assert example_progress(None) == 60
    assert example_progress(40) == 45
    assert example_progress(75) == 80
    assert example_progress(97.5) == 100
    assert example_progress(100) == 100
