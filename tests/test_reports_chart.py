import dataclasses
import io
import warnings
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from reports.chart import DPI, render_wall_chart
from reports.standing import ProjectState, assess

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)
TODAY = NOW.date()
UNITS = ["科创城管委会", "区投资促进服务中心", "区工业和信息化局", "High-tech Zone Committee"]
NAMES = [
    "科创城卫星互联网产业园一期",
    "信创产业基地标准厂房",
    "新能源汽车零部件智能制造项目",
    "储能电池材料项目（二期）",
    "Energy Storage Plant",
]


def items(n, **kw):
    ps = []
    for i in range(n):
        ps.append(
            ProjectState(
                code=f"QB-{i:03d}",
                name=NAMES[i % len(NAMES)],
                unit=UNITS[i % len(UNITS)],
                leader="张区长",
                stage="started" if i % 6 else "completed",
                planned_start=date(2026, 1, 1) + timedelta(days=i % 60),
                planned_end=date(2026, 9, 30) + timedelta(days=i % 200),
                total_investment=10_000.0,
                annual_plan=5_000.0,
                progress=float((i * 29) % 100),
                invested=100.0,
                last_update_at=NOW - timedelta(days=i % 20),
                created_at=NOW - timedelta(days=200),
                **kw,
            )
        )
    return assess(ps, TODAY, NOW)


def non_white(png: bytes) -> tuple[tuple[int, int], int]:
    img = Image.open(io.BytesIO(png)).convert("L")
    return img.size, sum(img.histogram()[:245])


def render(*args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pngs = render_wall_chart(*args, **kwargs)
    glyphs = [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    assert glyphs == []
    return pngs


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forty_projects_one_picture(lang):
    pngs = render(items(40), lang, "重点项目挂图 2026-06-01")
    assert len(pngs) == 1
    assert pngs[0][:8] == b"\x89PNG\r\n\x1a\n"
    (width, height), ink = non_white(pngs[0])
    assert width == 9 * DPI
    assert height > 40 * 0.3 * DPI  # a row per project at least
    assert ink > 0.05 * width * height  # bars, labels: not blank


def test_chinese_and_odd_names_render_without_missing_glyphs():
    odd = items(6)
    odd = [
        (dataclasses.replace(p, name=name), s)
        for (p, s), name in zip(
            odd,
            ["卫星互联网产业园", "价格 $5M $x^2$", "emoji 🚧🏗️", "龘靐齉", "a\nb\tc", "é ñ ü"],
            strict=True,
        )
    ]
    pngs = render(odd, "zh", "挂图 🚧")
    assert len(pngs) == 1 and non_white(pngs[0])[1] > 1000


def test_many_projects_are_capped_worst_first():
    pngs = render(items(230), "en", "Wall chart", per_picture=40, max_pictures=5)
    assert len(pngs) == 5
    for png in pngs:
        assert non_white(png)[1] > 1000
    assert len(render(items(81), "zh", "x")) == 3


def test_empty_chart_is_one_picture():
    pngs = render([], "zh", "空")
    assert len(pngs) == 1 and non_white(pngs[0])[1] > 0


def test_default_title_is_the_catalogues_with_today():
    """Without a title the chart is drawn exactly as with the catalogue's title and today's
    date (its speed is measured in bench/, not here)."""
    from i18n import t

    data = items(40)
    default = render(data, "zh", today=TODAY)
    assert default == render(data, "zh", t("rep_chart_title", "zh", date=TODAY.isoformat()).strip(),
                             today=TODAY)
    assert default != render(data, "zh", "another title", today=TODAY)


def test_pictures_of_any_size_come_out_the_same_one_after_another():
    """Every picture is drawn into one kept pixel buffer, whose memory is handed back between
    charts: a small picture drawn after a tall one (and one taller than the buffer was made
    for) is what it was before, edge to edge white paper, nothing of the other pictures left
    in it."""
    small, tall = items(3), items(40)
    first = render(small, "zh", "小")
    render(tall, "zh", "大")
    taller = render(items(150), "en", "taller", per_picture=150, max_pictures=1)
    assert render(small, "zh", "小") == first
    for png in first + taller:
        img = Image.open(io.BytesIO(png)).convert("RGB")
        width, height = img.size
        corners = [(0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1)]
        assert [img.getpixel(xy) for xy in corners] == [(255, 255, 255)] * 4
    assert Image.open(io.BytesIO(taller[0])).size[1] > 150 * 0.3 * DPI
