"""Benchmark: start-up of the ``sdgcities`` command line, as whole processes.

A user types ``sdgcities --help``; what they wait for is the whole process: the interpreter,
the imports and the help. Each command runs ``--runs`` times (default 7) and the median
wall-clock time is reported, for this checkout's ``.venv`` and, with ``--before DIR``, for
another checkout with its own ``.venv`` (for example a clone of the parent commit) in the same
run, as a ratio. Without ``--before`` the "before" figure is the one measured in issue 7
(≈ 1.1 s for every command, the CLI importing geopandas, pandas and SQLAlchemy eagerly).
The reference is ``python -c pass``: the interpreter alone, the floor of any Python CLI.
Target: ``sdgcities --help`` ≤ 0.3 s.

    python bench/bench_cli.py [--runs 7] [--before /tmp/sdgcities-parent]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_HELP_S = 0.3
ISSUE_BEFORE_S = 1.1
COMMANDS: list[list[str]] = [
    ["--help"],
    ["--version"],
    ["spatial", "--help"],
    ["indicators", "list", "--help"],
]


def median_seconds(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU (user + system) seconds of ``argv`` as a whole process.

    On a shared machine the wall clock includes waiting for a core; the CPU time does not,
    so both are reported. Output is discarded. One untimed run comes first, without
    ``PYTHONDONTWRITEBYTECODE``: the bytecode is cached, as on a user's second run.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "100"
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    walls, cpus = [], []
    for _ in range(runs):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True
        )
        walls.append(time.perf_counter() - start)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def script(checkout: Path) -> Path:
    path = checkout / ".venv" / "bin" / "sdgcities"
    if not path.exists():
        raise SystemExit(f"{path} not found: run `make setup` in {checkout} first")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (median)")
    parser.add_argument("--before", type=Path, help="another checkout with its own .venv")
    args = parser.parse_args()

    after = script(ROOT)
    before = script(args.before) if args.before else None
    floor, floor_cpu = median_seconds([str(after.with_name("python")), "-c", "pass"], args.runs)
    print(f"python -c pass (the floor): {floor:.3f} s wall, {floor_cpu:.3f} s CPU")
    print(f"medians of {args.runs} runs; wall clock (CPU time in brackets)")
    label = "before" if before else f"before (issue 7, ≈{ISSUE_BEFORE_S} s)"
    print(f"{'command':34} {label:>24} {'after':>18} {'ratio':>7}")
    for argv in COMMANDS:
        now, now_cpu = median_seconds([str(after), *argv], args.runs)
        if before:
            then, then_cpu = median_seconds([str(before), *argv], args.runs)
            then_text = f"{then:.3f} s ({then_cpu:.3f})"
        else:
            then, then_text = ISSUE_BEFORE_S, f"{ISSUE_BEFORE_S:.3f} s"
        name = "sdgcities " + " ".join(argv)
        print(f"{name:34} {then_text:>24} {f'{now:.3f} s ({now_cpu:.3f})':>18} {then / now:>6.1f}×")
        if argv == ["--help"]:
            verdict = (
                "met" if now <= TARGET_HELP_S else "NOT met (see the CPU time on a busy machine)"
            )
            print(f"  target --help ≤ {TARGET_HELP_S} s wall: {verdict}")


if __name__ == "__main__":
    main()
