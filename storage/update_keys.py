"""What identifies an update apart from its update_id, which a Bot API server may hand out again
(the inbox's key, storage/inbox.py; the inbox migration fills it in for rows stored before)."""

from __future__ import annotations

import hashlib
import json

MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post",
                 "business_message", "edited_business_message")
QUERY_KINDS = ("callback_query", "inline_query", "shipping_query", "pre_checkout_query")


def update_key(payload: dict) -> str:
    """What identifies an update whatever its update_id: a message by its chat and message id
    (an edit also by its edit date), a query by its id, anything else by its id and content."""
    for kind in MESSAGE_KINDS:
        message = payload.get(kind)
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            key = f"{kind} {message['chat'].get('id')}:{message.get('message_id')}"
            return f"{key}:{message.get('edit_date')}" if kind.startswith("edited") else key
    for kind in QUERY_KINDS:
        query = payload.get(kind)
        if isinstance(query, dict) and "id" in query:
            return f"{kind} {query['id']}"
    content = json.dumps(payload, sort_keys=True)
    return f"update {payload.get('update_id')} {hashlib.sha1(content.encode()).hexdigest()}"
