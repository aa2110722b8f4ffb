"""Every text the bot says, in Chinese and English, from one catalogue.

The catalogue is split by activity (`i18n/<area>.py`, each a `TEXTS` dict of
key -> {"zh": ..., "en": ...}); keys must be unique across areas. Texts are
HTML for Telegram's HTML parse mode: user-supplied values must be passed through
`esc()` before they are formatted in.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import re

LANGUAGES = ("zh", "en")


def _load() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, texts in getattr(module, "TEXTS", {}).items():
            if key in merged:
                raise RuntimeError(f"i18n key {key!r} defined twice")
            missing = [lang for lang in LANGUAGES if lang not in texts]
            if missing:
                raise RuntimeError(f"i18n key {key!r} lacks {missing}")
            merged[key] = texts
    return merged


CATALOGUE = _load()


def t(key: str, lang: str, /, **values) -> str:
    """The text `key` in `lang` (zh or en), formatted with `values`. A text may write
    `{n_s}` after a noun: "s" unless the whole number `n` is 1 ("1 project", "2 projects")."""
    texts = CATALOGUE[key]
    text = texts.get(lang, texts["zh"])
    if "_s}" in text:
        values.update({f"{name}_s": "" if value == 1 else "s" for name, value in values.items()
                       if isinstance(value, int)})
    return text.format(**values)


def esc(value: object) -> str:
    """Escape user-supplied text for Telegram's HTML parse mode."""
    return html.escape("" if value is None else str(value), quote=False)


_TAG = re.compile(r"<[^>]+>")


def plain_text(text: str | None) -> str:
    """One of these HTML texts as plain text (tags dropped, entities decoded): for a terminal,
    a button tap's answer, or a dry run."""
    return html.unescape(_TAG.sub("", text or ""))


def quote(value: object, limit: int = 100) -> str:
    """User text quoted back in an answer: escaped, and shortened to `limit` characters so the
    answer stays within Telegram's 4,096."""
    text = "" if value is None else str(value)
    return esc(text if len(text) <= limit else text[:limit] + "…")
