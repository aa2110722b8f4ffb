"""The wall chart: plan against actual per project, as PNG pictures (matplotlib, Agg).

One horizontal bar per project (actual progress, coloured by standing) on a grey 0–100 %
track, with a black tick at the planned progress; projects grouped under their unit (a
shaded header row). Projects are taken worst first: the units whose projects are worst
come first, and inside a unit the worst project first. Up to `per_picture` projects a
picture and `max_pictures` pictures; the rest (the least bad) are left out and the last
picture says how many.

Chinese renders with Noto Sans CJK SC from the `mplfonts` package, named by its file (not
by family: a system font of the same family would be taken instead). No pyplot: each picture
is its own `Figure` on an Agg canvas, so nothing global is touched (and it is safe to call
from worker threads, one picture per call). Text is drawn without hinting: the same look at
this size, a ninth less drawing time (most of a picture's time is laying out and rendering
its glyphs).
"""

from __future__ import annotations

import ctypes
import gc
import importlib.resources
import io
import math
import mmap
import sys
import threading
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory
from PIL import Image

from i18n import t
from reports.standing import AT_RISK, DONE, LAGGING, ON_TRACK, STANDINGS, Item, worst_first

COLOURS = {LAGGING: "#d9383a", AT_RISK: "#f28e2b", ON_TRACK: "#3aa655", DONE: "#4e79a7"}
TRACK = "#ececec"
HEADER_BAND = "#dfe7f1"
PER_PICTURE = 40
MAX_PICTURES = 5
LABEL_WIDTH = 40  # label width budget: a CJK character counts 2, others 1
DPI = 110
TOP_IN, BOTTOM_IN, NOTE_IN, ROW_IN = 1.05, 0.55, 0.2, 0.3  # inches: above, below, a row
FIGURE_WIDTH_IN = 9
MADV_DONTNEED = 4  # Linux's sys/mman.h
_lock = threading.Lock()
_pixels: RendererAgg | None = None  # see _renderer


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, tuple[int, ...]]:
    """Noto Sans CJK SC's file (read once) and the code points it can draw, as the sorted
    starts and ends of its runs of consecutive code points (a few thousand numbers instead
    of a set of 44,000)."""
    path = importlib.resources.files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"
    with importlib.resources.as_file(path) as real:
        fname = str(real)  # a file of the installed package: it stays where it is
    bounds: list[int] = []
    for code in sorted(FT2Font(fname).get_charmap()):
        if bounds and bounds[-1] == code:
            bounds[-1] = code + 1  # the run goes on
        else:
            bounds += [code, code + 1]
    return fname, tuple(bounds)


def _font(size: float) -> FontProperties:
    fname, _ = cjk_font()
    return FontProperties(fname=fname, size=size)


def _drawable(text: str) -> str:
    """`text` with characters no font of ours has replaced by '?' (no missing-glyph boxes)."""
    _, bounds = cjk_font()
    # An odd insertion point falls inside a run [start, end) of drawable code points.
    return "".join(c if bisect_right(bounds, ord(c)) % 2 or c in "\n\t " else "?" for c in text)


def _width(c: str) -> int:
    return 2 if ord(c) >= 0x1100 else 1


def _shorten(text: str, budget: int = LABEL_WIDTH) -> str:
    text = " ".join(text.split())
    used = 0
    for i, c in enumerate(text):
        used += _width(c)
        if used > budget:
            return text[:i].rstrip() + "…"
    return text


def _rows(items: Sequence[Item]) -> list[tuple[str, str, Item | None]]:
    """Rows in drawing order: ("unit", name, None) headers and ("project", unit, item)."""
    units: dict[str, list[Item]] = {}
    for item in worst_first(items):
        units.setdefault(item[0].unit, []).append(item)
    rows: list[tuple[str, str, Item | None]] = []
    for unit, its in units.items():
        rows.append(("unit", unit, None))
        rows += [("project", unit, it) for it in its]
    return rows


def _pictures(rows, per_picture: int) -> list[list[tuple[str, str, Item | None, bool]]]:
    """Split rows so each picture holds at most `per_picture` projects; a unit continued on
    the next picture gets its header again (marked continued)."""
    pictures: list[list] = [[]]
    count = 0
    unit = None
    for kind, name, item in rows:
        if kind == "unit":
            unit = name
            if count >= per_picture:
                pictures.append([])
                count = 0
            pictures[-1].append(("unit", name, None, False))
            continue
        if count >= per_picture:
            pictures.append([("unit", unit, None, True)])
            count = 0
        pictures[-1].append(("project", name, item, False))
        count += 1
    return [p for p in pictures if any(r[0] == "project" for r in p)] or [[]]


def _height(rows: int, note: bool) -> float:
    """A picture's height in inches."""
    return TOP_IN + BOTTOM_IN + (NOTE_IN if note else 0) + max(rows, 1) * ROW_IN


def _renderer(per_picture: int) -> RendererAgg:
    """The one Agg pixel buffer every picture is drawn into: made once as tall as the tallest
    picture of `per_picture` projects (a header for each), so that each picture is drawn to
    the same pixels whatever the chart. A picture's renderer is referenced by its figure's
    texts, so a buffer of its own (10 MB at 40 projects) would stay until the garbage
    collector's next full pass; one kept buffer also keeps matplotlib's text measurements
    (cached by renderer) from one chart to the next."""
    global _pixels
    width = math.ceil(FIGURE_WIDTH_IN * DPI)
    height = math.ceil(_height(2 * per_picture, note=True) * DPI)
    if _pixels is None or _pixels.width < width or _pixels.height < height:
        _pixels = RendererAgg(width, height, DPI)
    return _pixels


def _release_pixels(renderer: RendererAgg) -> None:
    """Hand the buffer's memory back to the system between charts (10 MB; its next clear()
    writes every pixel again). Linux only; elsewhere the buffer stays resident."""
    pixels = np.asarray(renderer.buffer_rgba())
    start, end = pixels.ctypes.data, pixels.ctypes.data + pixels.nbytes
    first, last = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE, end // mmap.PAGESIZE * mmap.PAGESIZE
    if last > first and sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), MADV_DONTNEED)


def _png(fig: Figure, renderer: RendererAgg) -> bytes:
    """`fig` drawn into `renderer`'s buffer and written as a PNG. The renderer draws upwards
    from its bottom edge, so the picture is the buffer's bottom rows."""
    width, height = math.ceil(fig.bbox.width), math.ceil(fig.bbox.height)
    renderer.clear()
    fig.draw(renderer)
    pixels = np.asarray(renderer.buffer_rgba())[renderer.height - height :, :width]
    buf = io.BytesIO()
    # Fast zlib level: a third of the encoding time, a picture about a fifth bigger. RGBA as
    # drawn: Pillow reads the buffer in place (RGB would be a second 7.5 MB image a picture).
    Image.fromarray(pixels).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def _draw(rows, lang: str, title: str, note: str | None, renderer: RendererAgg) -> bytes:
    n = max(len(rows), 1)
    bottom_in, row_in = BOTTOM_IN + (NOTE_IN if note else 0), ROW_IN
    height = _height(n, bool(note))
    fig = Figure(figsize=(FIGURE_WIDTH_IN, height), dpi=DPI, facecolor="white")
    ax = fig.add_axes((0.36, bottom_in / height, 0.52, n * row_in / height))
    small, normal = _font(8.5), _font(9.5)

    ys, actual, colours, marks, marks_y = [], [], [], [], []
    label_tf = blended_transform_factory(ax.transAxes, ax.transData)
    for y, (kind, name, item, continued) in enumerate(rows):
        if kind == "unit":
            ax.axhspan(y - 0.5, y + 0.5, color=HEADER_BAND, zorder=0, lw=0)
            label = _shorten(name, 70) + (t("rep_chart_cont", lang) if continued else "")
            ax.text(
                -0.685,
                y,
                _drawable(label),
                transform=label_tf,
                ha="left",
                va="center",
                fontproperties=_font(10.5),
                parse_math=False,
                clip_on=False,
            )
            continue
        p, s = item
        ys.append(y)
        # at least a sliver, so a project at 0 % still shows its standing's colour
        actual.append(max(1.2, min(100.0, p.progress or 0.0)))
        colours.append(COLOURS[s.standing])
        if s.planned is not None:
            marks.append(s.planned)
            marks_y.append(y)
        ax.text(
            -0.015,
            y,
            _drawable(_shorten(f"{p.code} {p.name}")),
            transform=label_tf,
            ha="right",
            va="center",
            fontproperties=normal,
            parse_math=False,
        )
        value = f"{_pct(p.progress)}" + (f" / {_pct(s.planned)}" if s.planned is not None else "")
        ax.text(
            1.015,
            y,
            value,
            transform=label_tf,
            ha="left",
            va="center",
            fontproperties=small,
            parse_math=False,
            color=COLOURS[s.standing],
        )
    if ys:
        ax.add_collection(_bars(ys, [100.0] * len(ys), [TRACK] * len(ys), zorder=1))
        ax.add_collection(_bars(ys, actual, colours, zorder=2), autolim=False)
    if marks:
        ax.vlines(
            marks,
            [y - 0.42 for y in marks_y],
            [y + 0.42 for y in marks_y],
            colors="black",
            linewidth=2.2,
            zorder=3,
            clip_on=False,
        )
    if not ys:
        ax.text(50, 0, t("rep_chart_empty", lang), ha="center", va="center", fontproperties=normal)
    ax.set_xlim(0, 100)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_xticks([0, 25, 50, 75, 100], labels=["0", "25", "50", "75", "100"])
    for label in ax.get_xticklabels():
        label.set_fontproperties(small)
    ax.set_xlabel(t("rep_chart_xlabel", lang), fontproperties=small)
    ax.grid(axis="x", color="#cccccc", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)

    fig.text(
        0.5,
        1 - 0.3 / height,
        _drawable(title),
        ha="center",
        va="center",
        fontproperties=_font(13),
        parse_math=False,
    )
    handles = [Patch(color=COLOURS[k], label=t(f"rep_standing_{k}", lang)) for k in STANDINGS]
    handles.append(Line2D([], [], color="black", lw=2.2, label=t("rep_chart_plan", lang)))
    fig.legend(
        handles=handles,
        loc="center",
        bbox_to_anchor=(0.5, 1 - 0.72 / height),
        ncol=5,
        frameon=False,
        prop=small,
        handlelength=1.4,
        columnspacing=1.2,
    )
    if note:
        fig.text(0.5, 0.2 / height, note, ha="center", va="center", fontproperties=normal)
    return _png(fig, renderer)


def _bars(ys, widths, colours, zorder: int, height: float = 0.62) -> PolyCollection:
    """Horizontal bars from x=0 as one artist (much cheaper to draw than `barh` patches)."""
    h = height / 2
    verts = [
        [(0, y - h), (w, y - h), (w, y + h), (0, y + h)] for y, w in zip(ys, widths, strict=True)
    ]
    return PolyCollection(verts, facecolors=colours, edgecolors="none", zorder=zorder)


def _pct(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def drawn(
    items: Sequence[Item],
    *,
    per_picture: int = PER_PICTURE,
    max_pictures: int = MAX_PICTURES,
    presorted: bool = False,
) -> tuple:
    """What the pictures of `items` show: the same (with the same title and language), the
    same pictures. A change to a project the chart leaves out changes nothing here."""
    ordered = items if presorted else worst_first(items)
    shown = ordered[: per_picture * max_pictures]
    return len(ordered) - len(shown), tuple(
        (p.code, p.name, p.unit, p.progress, s.standing, s.planned) for p, s in shown
    )


def render_wall_chart(
    items: Sequence[Item],
    lang: str,
    title: str | None = None,
    *,
    today: date | None = None,
    per_picture: int = PER_PICTURE,
    max_pictures: int = MAX_PICTURES,
    presorted: bool = False,
) -> list[bytes]:
    """The wall chart of `items` as PNG pictures (at least one; one saying "no projects"
    when `items` is empty). `title` defaults to the catalogue's title with `today`;
    `presorted`: `items` are already worst first (not sorted again)."""
    if title is None:
        title = t("rep_chart_title", lang, date=today.isoformat() if today else "").strip()
    ordered = items if presorted else worst_first(items)
    cap = per_picture * max_pictures
    shown, left_out = ordered[:cap], max(0, len(ordered) - cap)
    pictures = _pictures(_rows(shown), per_picture)
    cjk_font()
    out = []
    for i, rows in enumerate(pictures, 1):
        heading = title if len(pictures) == 1 else f"{title} ({i}/{len(pictures)})"
        note = t("rep_chart_more", lang, n=left_out) if left_out and i == len(pictures) else None
        # matplotlib's text layout caches are not meant for concurrent use; the hinting
        # setting is read while drawing (rc_context restores it after).
        with _lock, rc_context({"text.hinting": "no_hinting"}):
            out.append(_draw(rows, lang, heading, note, _renderer(per_picture)))
    with _lock:
        _release_pixels(_renderer(per_picture))
    # The figures (2 MB a picture) are held in reference cycles: freed now, not when a full
    # pass comes, rare once a bot's start-up objects are frozen.
    gc.collect()
    return out
