"""A process killed in the middle of an import leaves the store exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from sdgcities.store.db import transaction
from sdgcities.store.models import City, ImportBatch, Indicator
from tests.observations.obs_helpers import import_published as import_observations
from tests.observations.obs_helpers import store_state, write

CHILD = textwrap.dedent("""
    import sys
    from sdgcities.observations.importer import import_observations
    from sdgcities.store.db import make_engine

    def progress(rows):
        print(f"PROGRESS {rows}", flush=True)

    import_observations(make_engine(sys.argv[1]), sys.argv[2], on_progress=progress)
    print("DONE", flush=True)
""")


@pytest.mark.slow
def test_sigkill_mid_import_leaves_store_untouched(store: Engine, tmp_path: Path) -> None:
    with store.begin() as conn:
        conn.execute(
            insert(City), [{"slug": f"gen-{c}", "name": f"Generated {c}"} for c in range(200)]
        )
        conn.execute(
            insert(Indicator),
            [
                {
                    "code": f"GEN.{i}",
                    "name": f"Generated {i}",
                    "framework": "custom",
                    "unit": "count",
                }
                for i in range(50)
            ],
        )
    small = write(
        tmp_path / "small.csv",
        "city,indicator,year,value\ngen-1,GEN.1,2001,5\nNairobi,11.6.2,2020,22\n",
    )
    import_observations(store, small)
    before = store_state(store)
    with transaction(store) as s:
        batches = s.scalar(select(func.count()).select_from(ImportBatch))

    big = tmp_path / "GENERATED_big.csv"  # synthetic values
    with big.open("w", encoding="utf-8") as fh:
        fh.write("city,indicator,year,value\n")
        for c in range(200):
            for i in range(50):
                for y in range(2000, 2020):
                    fh.write(f"gen-{c},GEN.{i},{y},{c + i + y / 7:.3f}\n")
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    url = store.url.render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [sys.executable, str(script), url, str(big)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the first chunk is staged
    assert line.startswith("PROGRESS"), line
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read()
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert "DONE" not in rest, "the import finished before it was killed"

    assert store_state(store) == before
    with transaction(store) as s:
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == batches
    # the store still works: the small file is unchanged, a new file imports
    assert import_observations(store, small).status == "unchanged"
