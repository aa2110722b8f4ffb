"""The inbox's key: what identifies an update whatever update_id a Bot API server gave it."""

from storage.update_keys import update_key


def message(update_id: int, chat_id: int, message_id: int, **more) -> dict:
    return {"update_id": update_id, "message": {"message_id": message_id, "date": 0,
                                                "chat": {"id": chat_id}, **more}}


def test_a_message_is_its_chat_and_message_id_whatever_its_update_id():
    assert update_key(message(5, 7, 9)) == update_key(message(1, 7, 9)) == "message 7:9"
    assert update_key(message(5, 7, 10)) != update_key(message(5, 7, 9))
    assert update_key(message(5, 8, 9)) != update_key(message(5, 7, 9))


def test_each_edit_is_its_own_update():
    edit = {"update_id": 6, "edited_message": {"message_id": 9, "chat": {"id": 7},
                                               "edit_date": 100}}
    again = {"update_id": 7, "edited_message": {**edit["edited_message"], "edit_date": 160}}
    assert update_key(edit) == "edited_message 7:9:100"
    assert update_key(again) != update_key(edit) != update_key(message(5, 7, 9))


def test_a_button_tap_is_its_query_id():
    tap = {"update_id": 3, "callback_query": {"id": "4417", "data": "pg:2"}}
    assert update_key(tap) == update_key({**tap, "update_id": 90}) == "callback_query 4417"


def test_anything_else_is_its_update_id_and_content():
    joined = {"update_id": 4, "my_chat_member": {"chat": {"id": -5}, "date": 1}}
    assert update_key(joined) == update_key(dict(reversed(joined.items())))  # a re-delivery
    assert update_key({**joined, "update_id": 5}) != update_key(joined)
    assert update_key({**joined, "my_chat_member": {"chat": {"id": -6}, "date": 1}}) != (
        update_key(joined))
