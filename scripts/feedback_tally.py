"""Count the wrong and right answers the exercise tests hold, and how the checks answered them.

    KATAS_FEEDBACK_TALLY=/tmp/tally.jsonl python -m pytest tests/exercises -o addopts="" -q
    python scripts/feedback_tally.py /tmp/tally.jsonl

Each wrong answer counts as rejected when the check did not pass it, and as named when the check
gave the mistake id the test asks for (tests that ask for none count as unnamed).
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict


def tally(path: str) -> str:
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    per = defaultdict(lambda: {"wrong": 0, "rejected": 0, "named": 0, "right": 0, "accepted": 0})
    for row in rows:
        counts = per[row["exercise"]]
        if row["kind"] == "wrong":
            counts["wrong"] += 1
            counts["rejected"] += row["status"] != "correct"
            counts["named"] += bool(row["wanted"]) and row["mistake"] == row["wanted"]
        else:
            counts["right"] += 1
            counts["accepted"] += row["status"] == "correct"
    lines = [f"{'exercise':<28} wrong rejected named right accepted"]
    total = defaultdict(int)
    for name in sorted(per):
        counts = per[name]
        for key, value in counts.items():
            total[key] += value
        lines.append(f"{name:<28} {counts['wrong']:>5} {counts['rejected']:>8} {counts['named']:>5} "
                     f"{counts['right']:>5} {counts['accepted']:>8}")
    lines.append(f"{'total':<28} {total['wrong']:>5} {total['rejected']:>8} {total['named']:>5} "
                 f"{total['right']:>5} {total['accepted']:>8}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(tally(sys.argv[1]))
