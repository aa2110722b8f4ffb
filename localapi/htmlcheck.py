"""Telegram's HTML parse mode, checked the way the Bot API server checks it.

Modelled on TDLib's ``parse_html`` (the code behind ``parse_mode=HTML``): the same tags, the same
attribute rules and error messages of the same shape. One deliberate difference: by default an
``&`` that does not start one of the entities Telegram knows is an error here (Telegram leaves it
as a literal ``&``), so a bot that forgets to escape user text is caught in tests.
"""

from __future__ import annotations

import re

__all__ = ["EntityParseError", "parse_html", "strip_with_entities", "utf16_len"]

_TAG_TO_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,8})|#([0-9]{1,9})|([a-zA-Z]{2,4}));")
_SPACE = " \t\n\r\f\v"
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.\-]*")


class EntityParseError(ValueError):
    """The text can't be parsed; ``str(err)`` is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """The character an HTML entity at ``text[i]`` stands for and the index after it."""
    m = _ENTITY_RE.match(text, i)
    if not m:
        return None
    hex_code, dec_code, name = m.groups()
    if name is not None:
        ch = _NAMED_ENTITIES.get(name)
        if ch is None:
            return None
        return ch, m.end()
    code = int(hex_code, 16) if hex_code is not None else int(dec_code)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def parse_html(text: str, *, strict_amp: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram-flavoured HTML into (plain text, entities).

    Entities are Bot API MessageEntity dicts with UTF-16 offsets, sorted by offset.
    Raises :class:`EntityParseError` with a Telegram-style message on malformed input.
    """
    out: list[str] = []
    utf16 = 0
    # stack of (tag name, argument, utf16 offset at open)
    stack: list[tuple[str, str, int]] = []
    entities: list[dict] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                ch, i = decoded
                out.append(ch)
                utf16 += 2 if ord(ch) > 0xFFFF else 1
                continue
            if strict_amp:
                raise EntityParseError(
                    f'Unescaped "&" at byte offset {_byte_offset(text, i)}: write it as "&amp;"'
                )
        if c != "<":
            out.append(c)
            utf16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":
            # an end tag
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(text, begin)}"
                )
            j = i + 1
            while j < n and text[j] not in _SPACE and text[j] != ">":
                j += 1
            end_name = text[i + 1 : j].lower()
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n or text[j] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(text, begin)}"
                )
            tag, arg, start = stack.pop()
            if end_name and end_name != tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{tag}>", found "</{end_name}>"'
                )
            i = j + 1
            if utf16 > start:
                entity = _make_entity(tag, arg, start, utf16 - start, stack)
                last = entities[-1] if entities else None
                merged = (
                    tag == "pre"
                    and last is not None
                    and last["type"] == "pre"
                    and (last["offset"], last["length"]) == (start, utf16 - start)
                )
                if not merged:
                    entities.append(entity)
            continue

        # a start tag
        j = i
        while j < n and text[j] not in _SPACE and text[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[i:j].lower()
        if tag not in _TAG_TO_ENTITY:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        arg = ""
        while True:
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                )
            if text[j] == ">":
                break
            attr_begin = j
            while j < n and text[j] not in _SPACE and text[j] not in "=>":
                j += 1
            attr = text[attr_begin:j].lower()
            if not attr:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                )
            if text[j] != "=":
                if tag == "blockquote" and attr == "expandable":
                    arg = "expandable"
                    continue
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {_byte_offset(text, begin)}"
                )
            j += 1
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                )
            if text[j] not in "'\"":
                m = _NAME_TOKEN_RE.match(text, j)
                value = m.group(0).lower()
                k = m.end()
                if k >= n or (text[k] not in _SPACE and text[k] != ">"):
                    raise EntityParseError(
                        f"Unexpected end of name token at byte offset {_byte_offset(text, j)}"
                    )
                j = k
            else:
                quote = text[j]
                j += 1
                chars: list[str] = []
                while j < n and text[j] != quote:
                    if text[j] == "&":
                        decoded = _decode_entity(text, j)
                        if decoded is not None:
                            chars.append(decoded[0])
                            j = decoded[1]
                            continue
                    chars.append(text[j])
                    j += 1
                if j >= n:
                    raise EntityParseError(
                        f"Unclosed end of attribute value at byte offset {_byte_offset(text, begin)}"
                    )
                j += 1
                value = "".join(chars)
            if tag == "a" and attr == "href":
                arg = value
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                arg = value[len("language-") :]
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                arg = value[len("tg-") :]
            elif tag == "tg-emoji" and attr == "emoji-id":
                arg = value
        if tag == "span" and arg != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
            )
        stack.append((tag, arg, utf16))
        i = j + 1

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _make_entity(tag: str, arg: str, offset: int, length: int, stack: list) -> dict:
    kind = _TAG_TO_ENTITY[tag]
    entity: dict = {"type": kind, "offset": offset, "length": length}
    if tag == "a":
        if arg.startswith("tg://user?id="):
            entity["type"] = "text_mention"
            try:
                entity["user"] = {
                    "id": int(arg.split("=", 1)[1]),
                    "is_bot": False,
                    "first_name": "",
                }
            except ValueError:
                entity["type"] = "text_link"
                entity["url"] = arg
        else:
            entity["url"] = arg
    elif tag == "code" and arg and any(t == "pre" for t, _, _ in stack):
        # <pre><code class="language-x"> is one pre entity with a language
        entity = {"type": "pre", "offset": offset, "length": length, "language": arg}
    elif tag == "blockquote" and arg == "expandable":
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = arg
    return entity


def strip_with_entities(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result = []
    for e in entities:
        start = max(0, e["offset"] - lead)
        end = min(total, e["offset"] + e["length"] - lead)
        if end > start:
            result.append({**e, "offset": start, "length": end - start})
    return stripped, result
