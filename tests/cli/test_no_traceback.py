"""Every command, every option, bad values: a message and exit 1 or 2 — never a traceback.

Hypothesis draws, for each command of the CLI (found by walking the real command tree,
so a new command is swept without editing this file), its required arguments and a few
of its options, each from values a tester would try: missing files, folders where files
go, empty, truncated and mislabelled files, bad YAML, undecodable text, unclosed quotes,
out-of-range and non-finite numbers, markup, non-ASCII names and malformed keys. A run
fails on

- a traceback (an exception escaping the command, or "Traceback" in its output),
- an error sdgcities did not expect (the "unexpected error" line of the one error path),
- exit code 0 after an error message (``✗``), or an exit code other than 0, 1 and 2,
- NaN or infinity in a JSON file the command wrote.

``serve`` and ``demo`` would serve for ever when their values are good; they are swept
with a taken port only. Set ``SDGCITIES_SWEEP_EXAMPLES`` for a longer sweep.
"""

from __future__ import annotations

import inspect
import json
import os
import socket
import tempfile
import typing
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.cli._errors import BUG_MARK

EXAMPLES = int(os.environ.get("SDGCITIES_SWEEP_EXAMPLES", "10"))
runner = CliRunner(env={"COLUMNS": "120"})

#: commands that serve for ever once their values are good (swept apart, below)
SERVING = {("serve",), ("demo",)}


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    from typer._click.core import Context

    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        if hasattr(cmd, "list_commands"):  # a group (the root loads its modules lazily)
            ctx = Context(cmd)
            for name in sorted(cmd.list_commands(ctx)):
                yield from walk(cmd.get_command(ctx, name), (*path, name))
        else:
            yield path, cmd

    return list(walk(typer.main.get_command(app), ()))


COMMANDS = _commands()


def _bad_files(folder: Path) -> list[Path]:
    """Files a tester feeds a command that wants a file (or a folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {
        "empty.csv": b"",
        "citty.csv": b"citty,indicator,year,value\nPorto Alegre,11.7.1,2020,10\n",
        "quote.csv": b'city,indicator,year,value\n"Porto Alegre,11.7.1,2020,10\nx,11.7.1,2020,1\n',
        "latin1.csv": "city,indicator,year,value\nMálaga,11.7.1,2020,1\n".encode("latin-1"),
        "nan.csv": b"city,indicator,year,value\nPorto Alegre,11.7.1,2020,nan\n",
        "notzip.xlsx": b"city,indicator,year,value\n",
        "truncated.xlsx": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
        "bad.yaml": b"cities:\n  - {name: Porto Alegre, kit: [\n",
        "list.yaml": b"- 1\n- 2\n",
        "truncated.tif": b"II*\x00\x08\x00\x00\x00\x10\x00",
        "truncated.osm.pbf": b"\x00\x00\x00\x0d\n\x09OSMHeader",
        "notzip.zip": b"not a zip",
        "broken.geojson": b'{"type": "FeatureCollection", "features": [',
        "point.geojson": json.dumps(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [0, 0]},
            }
        ).encode(),
        "pop.csv": b"lon,lat,population\n0,0,-5\n0,0,nan\n",
        "markup.csv": b"city,indicator,year,value\n[a] [b],[bold]x,2020,1\n",
        "good.csv": "city,indicator,year,value\nŁódź,11.7.1,2021,30\n".encode(),
        "batch.yaml": b"cities:\n  - {name: Porto Alegre, country: BRA, kit: a-folder/}\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with zipfile.ZipFile(folder / "empty-gtfs.zip", "w") as zf:
        zf.writestr("stops.txt", "stop_id\n")
    (folder / "a-folder").mkdir(exist_ok=True)
    (folder / "a-folder" / "osm.pbf").write_bytes(b"garbage")
    return [*(folder / n for n in files), folder / "empty-gtfs.zip", folder / "a-folder",
            folder / "missing.csv", folder / "missing-dir" / "out.gpkg", folder / "out.json",
            *_copies(GOOD_FILES, folder)]  # fmt: skip


def _copies(paths: list[Path], folder: Path) -> list[Path]:
    """Copies in the example's folder: a command may write over any file it is given."""
    import shutil

    return [Path(shutil.copy(p, folder / p.name)) for p in paths]


def _good_files() -> list[Path]:
    """Real, valid inputs, so that a bad value in one option meets good files in others."""
    import pyrosm

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    return [
        Path(pyrosm.get_data("test_pbf")),  # a real OSM extract (Kotka, ODbL)
        fixtures / "helsinki_pop_250m" / "population_250m_epsg3879.tif",
        fixtures / "observations" / "unhabitat_sample.xlsx",
    ]


GOOD_FILES = _good_files()


TEXT = st.sampled_from(
    [
        "",
        " ",
        "Narnia",
        "[a] [b]",
        "[bold]x[/]",
        "Łódź",
        "ŁÓDŹ",
        "nan",
        "inf",
        "a=b=c",
        "sex=",
        "|",
        "=x",
        "x" * 300,
        "../outside.csv",
        "tcp://",
        "median",
        "0",
        "-1",
        "11.7.1",
        "porto-alegre-bra",
        "Porto Alegre",
        "weekly",
        "xlsx",
        "e@",
        "admin",
        "ZZZ",
        "XKX",
        "\x00",
    ]
)
NUMBER = st.sampled_from(
    ["-1", "0", "2", "200", "-200", "1e308", "nan", "inf", "-inf", "abc", "1.5", "99999999999"]
)
INTEGER = st.sampled_from(["-1", "0", "2", "65536", "-99999", "99999999999", "abc", "1.5", "nan"])


def _kind(annotation: Any) -> str:
    args = typing.get_args(annotation)
    if annotation is bool:
        return "flag"
    if typing.get_origin(annotation) is list:
        return _kind(args[0])
    if args:  # X | None
        return _kind(next(a for a in args if a is not type(None)))
    return {Path: "path", int: "int", float: "float"}.get(annotation, "text")


def _annotations(cmd: Any) -> dict[str, str]:
    func = inspect.unwrap(cmd.callback)
    hints = typing.get_type_hints(func)
    return {name: _kind(hints.get(name, str)) for name in inspect.signature(func).parameters}


def _value(data: st.DataObject, kind: str, files: list[Path]) -> str:
    if kind == "path":
        return str(data.draw(st.sampled_from(files)))
    if kind == "int":
        return data.draw(INTEGER)
    if kind == "float":
        return data.draw(NUMBER)
    return data.draw(st.one_of(TEXT, NUMBER, st.sampled_from([str(f) for f in files])))


def _args(data: st.DataObject, cmd: Any, files: list[Path]) -> list[str]:
    kinds = _annotations(cmd)
    args: list[str] = []
    options = [p for p in cmd.params if p.param_type_name == "option"]
    for p in cmd.params:
        if p.param_type_name == "argument":
            args.append(_value(data, kinds.get(p.name, "text"), files))
    chosen = (
        data.draw(st.lists(st.sampled_from(options), max_size=3, unique_by=id)) if options else []
    )
    for p in [*(o for o in options if o.required and o not in chosen), *chosen]:
        kind = kinds.get(p.name, "text")
        if kind == "flag" or getattr(p, "is_flag", False):
            args.append(p.opts[0])
            continue
        args += [p.opts[0], _value(data, kind, files)]
    return args


def _no_nan(args: list[str]) -> list[str]:
    """NaN or infinity in the JSON files the command was asked to write (``--json``)."""
    bad = []
    targets = [Path(args[i + 1]) for i, a in enumerate(args[:-1]) if a == "--json"]
    for path in targets:
        if not path.is_file():
            continue
        try:
            json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse)
        except ValueError as err:
            bad.append(f"{path.name}: {err}")
    return bad


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} in JSON")


#: unexpected errors the sweep found in commands of other owners, reported to them: still a
#: message and exit 1 (no traceback), tolerated here until their owner validates the input
KNOWN_BUGS = {
    ("spatial", "air-quality"): "boundary must be a GeoDataFrame",  # empty --boundary file
    ("spatial", "open-space"): "boundary must be a GeoDataFrame",
    ("spatial", "land-consumption"): "boundary must be a GeoDataFrame",
    ("spatial", "urban-extent"): "boundary must be a GeoDataFrame",
    ("spatial", "transit-access"): "boundary must be a GeoDataFrame",
}


def check_run(args: list[str]) -> None:
    """Run ``sdgcities ARGS`` and fail on a traceback, a hidden error or NaN in JSON."""
    result = runner.invoke(app, args)
    shown = f"sdgcities {' '.join(args)!s}\nexit {result.exit_code}\n{result.output}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback: {result.exception!r}\n{shown}") from result.exception
    assert "Traceback" not in result.output, shown
    known = KNOWN_BUGS.get(tuple(args[:2]))
    if not (known and known in result.output and result.exit_code == 1):
        assert BUG_MARK not in result.output, shown
    assert result.exit_code in (0, 1, 2), shown
    if result.exit_code == 0:
        assert "✗" not in result.output, shown
        assert "Error" not in result.output.split("\n", 1)[0], shown
    if result.exit_code == 0:  # a failed command wrote nothing; a given file stays as it was
        nan = _no_nan(args)
        assert not nan, f"{nan}\n{shown}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store with two cities and a few values, in its own data folder."""
    from sdgcities.config import get_settings

    data_dir = tmp_path_factory.mktemp("sweep-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SDGCITIES_DATA_DIR", str(data_dir))
        mp.delenv("DATABASE_URL", raising=False)
        mp.setenv("COLUMNS", "120")
        mp.chdir(data_dir)  # relative paths land in the test's folder
        get_settings.cache_clear()
        assert runner.invoke(app, ["init"]).exit_code == 0
        for args in (
            ["cities", "add", "Porto Alegre", "--country", "BRA"],
            ["cities", "add", "Łódź", "--country", "POL"],
        ):
            r = runner.invoke(app, args)
            assert r.exit_code == 0, r.output
        good = data_dir / "good.csv"
        good.write_text(
            "city,indicator,year,value\nPorto Alegre,11.7.1,2020,18.4\nŁódź,11.7.1,2020,24.1\n",
            encoding="utf-8",
        )
        r = runner.invoke(app, ["import", "observations", str(good)])
        assert r.exit_code == 0, r.output
        yield data_dir
        get_settings.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", [p for p, _c in COMMANDS if p not in SERVING], ids=lambda p: " ".join(p)
)
def test_bad_values_never_traceback(store: Path, path: tuple[str, ...]) -> None:
    cmd = dict(COMMANDS)[path]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        derandomize=True,
    )
    @given(data=st.data())
    def sweep(data: st.DataObject) -> None:
        with tempfile.TemporaryDirectory(dir=store) as tmp:
            files = _bad_files(Path(tmp))
            check_run([*path, *_args(data, cmd, files)])

    sweep()


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_serving_commands_check_the_port_first(store: Path, taken_port: int, command: str) -> None:
    result = runner.invoke(app, [command, "--port", str(taken_port)])
    assert result.exit_code == 1, result.output
    assert f"port {taken_port}" in result.output
    assert "--port " in result.output  # a free one is suggested
    assert "Serving" not in result.output
    for bad in ("0", "70000", "abc"):
        result = runner.invoke(app, [command, "--port", bad])
        assert result.exit_code == 2, result.output


#: commands whose callback only dispatches to functions under @handle_errors
DISPATCHERS = {"score"}  # cli/scoring.py: _score_files / _score_store


def test_every_command_has_the_error_path() -> None:
    unguarded = [
        " ".join(p)
        for p, cmd in COMMANDS
        if not getattr(cmd.callback, "__sdgcities_handles_errors__", False)
        and " ".join(p) not in DISPATCHERS
    ]
    assert not unguarded, f"commands without @handle_errors: {unguarded}"
