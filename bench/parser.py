"""The parser's time per message: every corpus message, a 4,000-character message, and a name
looked up in a 2,000-project ledger; the best of `--repeat` passes (a shared machine's noise
only ever adds time).

    python bench/parser.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parsing.refs import ProjectRef  # noqa: E402
from parsing.status import parse_message  # noqa: E402
from tests.test_parsing_corpus import CORPUS, PROJECTS  # noqa: E402

LONG = ("QB-001 进度45%，主体结构完成过半。存在问题：电力接入方案未批复；资金到位率60%。"
        "下步：推进设备基础施工。\n" * 60)[:4000]
BIG = tuple(ProjectRef(f"XM-{i:04d}", f"第{i}号重点项目厂房工程", f"单位{i % 100}", (f"项目{i}号",))
            for i in range(2000))


def best_seconds(work, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    messages = [(case["text"], case.get("sender_unit"))
                for path in sorted(CORPUS.glob("*.jsonl"))
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
                for case in [json.loads(line)]]

    def corpus() -> None:
        for text, unit in messages:
            parse_message(text, PROJECTS, unit)

    rows = [
        (f"corpus ({len(messages)} messages), per message",
         best_seconds(corpus, repeat) / len(messages)),
        ("one 4,000-character message", best_seconds(lambda: parse_message(LONG, PROJECTS, None),
                                                     repeat)),
        ("a name in a 2,000-project ledger",
         best_seconds(lambda: parse_message("第1250号重点项目厂房工程 进度45%", BIG, "单位50"),
                      repeat)),
    ]
    for label, seconds in rows:
        print(f"{label:<45} {seconds * 1000:8.3f} ms")


if __name__ == "__main__":
    main()
