"""The README's console tour, typed line by line into `python bot.py console --demo`: each
line gets the answer the tour promises, so the README stays true. Also the README's `check`
sample names as many migrations as there are."""

from __future__ import annotations

import re
from pathlib import Path

from bot import build_application
from config import load_config
from console import COMMENT, run_console
from storage.db import known_migrations

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

# What each line of the tour (its comment left out) must show; "" for a line that shows nothing.
EXPECTED: dict[str, tuple[str, ...]] = {
    "/as 101": ("(now typing as user 101)",),
    "QB-001 进度45%，存在问题：电力接入方案未批复": ("[to 101] ✅", "QB-001", "进度 45%", "电力接入方案未批复"),
    "/edit QB-001 进度46%，存在问题：电力接入方案未批复": ("[to 101] ✏️ 已更正", "进度 46%"),
    "今天开了协调会，推进顺利": ("❓", "[1] QB-001", "[2] QB-002", "(/tap N)"),
    "/tap 1": ("[to 101] ✅", "QB-001"),
    "/tap 2": ("[notice]",),
    "QB-001 进度48% \\": ("",),
    "QB-002 进度52%": ("[to 101] ✅", "进度 48%", "进度 52%"),
    "/status": ("科创城管委会",),
    "/as 1": ("(now typing as user 1)",),
    "/invite member 科创城管委会": ("[to 1] 🔗", "https://t.me/KeyProjectBot?start="),
    "/file console/demo/ledger_zh.csv /import": ("[to 1] ✅ 台账已导入",),
    "/group -100": ("(now in group -100)",),
    "/private": ("(now in the private chat of user 1)",),
    "/quit": ("",),
}
# /status a second time, in the group: the overview of every project.
IN_GROUP = {"/status": ("[to -100]", "重点项目总览")}


def tour_lines() -> list[str]:
    """The fenced block under "Trying it in the console" in README.md."""
    section = README.split("## Trying it in the console", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block, "no fenced block in the README's console tour"
    return block.group(1).splitlines()


class Transcript:
    """The console's output, split by the line typed before it."""

    def __init__(self) -> None:
        self.parts: list[list[str]] = [[]]  # [0]: the banner

    def write(self, text: str) -> None:
        self.parts[-1].append(text)

    def flush(self) -> None:
        pass

    def typing(self, lines: list[str]):
        for line in lines:
            self.parts.append([])
            yield line + "\n"


def test_the_readme_console_tour_is_true(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the tour's file path is relative to the checkout
    lines = tour_lines()
    transcript = Transcript()
    config = load_config({"BOT_LANGUAGE": "zh", "BOT_DB": str(tmp_path / "unused.db")})
    assert run_console(config, build_application, demo=True, stdin=transcript.typing(lines),
                       out=transcript,
                       files_dir=tmp_path / "files") == 0
    assert "user 101: member of 科创城管委会" in "".join(transcript.parts[0])
    in_group = False
    for line, output in zip(lines, transcript.parts[1:], strict=True):
        typed = COMMENT.sub("", line)
        in_group = (in_group or typed.startswith("/group")) and typed != "/private"
        expected = (IN_GROUP if in_group else {}).get(typed) or EXPECTED.get(typed)
        assert expected is not None, f"the tour has a line the test does not know: {typed!r}"
        shown = "".join(output)
        if expected == ("",):
            assert shown.strip() == "", (typed, shown)
            continue
        for piece in expected:
            assert piece in shown, (typed, piece, shown)
        assert "(no answer)" not in shown and "(edited) \n" not in shown, (typed, shown)


def test_the_check_sample_counts_the_migrations():
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    counted = re.search(r"✓ schema: current \((\d+) migrations applied\)", operations)
    assert counted and int(counted.group(1)) == len(known_migrations())
