"""Regenerate ``src/sdgcities/capacity/data/implementation_plan_2021_2024.csv``.

Reads the text of UN-Habitat's capacity-building strategy, updated implementation plan
2021–2024 (HSP/EB.2021/17) with the platform's own reader and writes the plan as the
spreadsheet layout ``sdgcities capacity plan import`` accepts, so that the demo has
the real plan on a machine without the report. Category and Y1–Y4 stay blank: the
text does not hold them.

Run: ``python scripts/make_capacity_plan.py PATH/TO/004_750f593f96395da8.txt``
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from sdgcities.capacity.plan import TABLE_COLUMNS, parse_plan_text

OUT = (
    Path(__file__).resolve().parents[1]
    / "src/sdgcities/capacity/data/implementation_plan_2021_2024.csv"
)


def main() -> None:
    plan = parse_plan_text(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=[*TABLE_COLUMNS, "source_line", "notes"])
        w.writeheader()
        for n in plan.nodes():
            w.writerow(
                {
                    "code": n.code,
                    "level": n.level,
                    "text": n.text,
                    "category": "",
                    "y1": "",
                    "y2": "",
                    "y3": "",
                    "y4": "",
                    "status": n.status or "",
                    "key_activities": n.key_activities,
                    "source_line": n.source_line or "",
                    "notes": "; ".join(n.notes),
                }
            )
    print(f"wrote {OUT} ({plan.count('action')} actions)")


if __name__ == "__main__":
    main()
