"""The command line starts fast: the root lists its commands from a table, lazily.

Whole processes, as a user runs them: ``sdgcities --help`` and ``--version`` must not import
the heavy libraries, every command that existed keeps its name and help line, and each
group's own ``--help`` works. Timings are measured in ``bench/bench_cli.py``, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sdgcities.cli import COMMANDS, load_module_commands

#: the top-level commands before they were loaded lazily (none may disappear)
BEFORE = (
    "init",
    "score",
    "progress",
    "challenges",
    "batch",
    "serve",
    "demo",
    "indicators",
    "cities",
    "import",
    "observations",
    "benchmarks",
    "export",
    "spatial",
    "users",
)
#: what no help page may load: the data stack, the store, and what only some pages need
#: (pydantic for Typer's value coercion, Markdown/Pygments for Rich's Markdown and tracebacks)
HEAVY = (
    "geopandas",
    "pandas",
    "sqlalchemy",
    "dask",
    "numpy",
    "shapely",
    "pyproj",
    "rasterio",
    "scipy",
    "pyarrow",
    "weasyprint",
    "pydantic",
    "markdown_it",
    "pygments",
)

#: runs the real entry point, then prints which heavy modules got imported
PROBE = """
import json, sys
from sdgcities.cli import main
sys.argv = ["sdgcities", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "heavy": heavy}) + "\\n")
"""


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def _probe(*args: str) -> tuple[str, dict[str, object]]:
    script = f"HEAVY = {HEAVY!r}\n{PROBE}"
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("PROBE "))
    return proc.stdout, json.loads(line.removeprefix("PROBE "))


def _script() -> list[str]:
    script = Path(sys.executable).with_name("sdgcities")
    if not script.exists():  # pragma: no cover - the package is always installed in .venv
        pytest.skip("the sdgcities console script is not installed beside this Python")
    return [str(script)]


@pytest.mark.parametrize("args", [("--help",), ("--version",), ()])
def test_root_does_not_import_heavy_libraries(args: tuple[str, ...]) -> None:
    out, probe = _probe(*args)
    assert probe["heavy"] == [], f"sdgcities {' '.join(args)} imported {probe['heavy']}"
    if args == ("--version",):
        assert probe["code"] in (0, None)
        assert out.startswith("sdgcities ")
    else:  # `sdgcities` alone shows the help, as before (exit 2 with no command: Click's rule)
        assert probe["code"] in (0, 2, None)
        for name in COMMANDS:
            assert name in out


def test_every_command_listed_before_is_still_there() -> None:
    assert set(BEFORE) <= set(COMMANDS)
    assert list(COMMANDS)[: len(BEFORE)] == list(BEFORE), "the order of --help is kept"


def test_table_matches_the_real_commands() -> None:
    """Each table line's help is the real command's help line; no module adds hidden names."""
    modules = {module for module, _help in COMMANDS.values()}
    for module in sorted(modules):
        real = load_module_commands(module)
        listed = {name for name, (mod, _h) in COMMANDS.items() if mod == module}
        assert set(real) == listed, (
            f"sdgcities.cli.{module}.register adds {sorted(real)}; "
            f"COMMANDS in sdgcities/cli/__init__.py lists {sorted(listed)} for it"
        )
        for name in listed:
            command = real[name]
            text = (command.short_help or command.help or "").split("\n\n")[0]
            first = " ".join(text.split())
            assert first == COMMANDS[name][1], f"help of `{name}` changed: update COMMANDS"


def test_every_command_module_is_in_the_table() -> None:
    """A new ``cli/<domain>.py`` with ``register(app)`` is reachable only through COMMANDS."""
    import sdgcities.cli as cli

    folder = Path(cli.__file__).parent
    modules = {
        path.stem
        for path in folder.glob("*.py")
        if not path.stem.startswith("_") and "\ndef register(" in path.read_text(encoding="utf-8")
    }
    listed = {module for module, _help in COMMANDS.values()}
    assert modules <= listed, (
        f"add a line to COMMANDS in sdgcities/cli/__init__.py for {sorted(modules - listed)}"
    )


def test_root_help_shows_each_help_line() -> None:
    proc = subprocess.run(
        [*_script(), "--help"], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stdout.replace("│", " ").split())
    for name, (_module, help_line) in COMMANDS.items():
        assert f"{name} {help_line}" in flat, name


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_help_exits_zero(name: str) -> None:
    """``sdgcities NAME --help`` works and, like the root's, loads none of :data:`HEAVY`."""
    out, probe = _probe(name, "--help")
    assert probe["code"] in (0, None)
    assert f"sdgcities {name}" in out
    assert "Traceback" not in out
    assert probe["heavy"] == [], f"sdgcities {name} --help imported {probe['heavy']}"


@pytest.mark.parametrize(
    "args", [("indicators", "list", "--help"), ("spatial", "transit-access", "--help")]
)
def test_subcommand_help_does_not_import_heavy_libraries(args: tuple[str, ...]) -> None:
    out, probe = _probe(*args)
    assert probe["code"] in (0, None)
    assert "Usage: sdgcities " + " ".join(args[:-1]) in out
    assert probe["heavy"] == [], f"sdgcities {' '.join(args)} imported {probe['heavy']}"


def test_a_crash_still_prints_rich_traceback() -> None:
    """The traceback renderer is imported on first use, not dropped (see cli/_startup.py)."""
    code = (
        "from sdgcities.cli._startup import import_rich_utils\n"
        "import_rich_utils()\n"
        "import sys, typer.rich_utils as ru\n"
        "from typer.models import DeveloperExceptionConfig\n"
        "assert 'rich.traceback' not in sys.modules\n"
        "try:\n    1 / 0\n"
        "except ZeroDivisionError as exc:\n"
        "    cfg = DeveloperExceptionConfig(pretty_exceptions_short=True)\n"
        "    tb = ru.get_traceback(exc, cfg, [])\n"
        "print(type(tb).__module__, type(tb).__name__)\n"
        "print(type(ru._make_rich_text(text='**a**', markup_mode='markdown')).__name__)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["rich.traceback", "Traceback", "Markdown"]


def test_flags_and_counts_keep_their_checks() -> None:
    """Deferred coercion of flags and ``-v`` accepts and refuses what Typer did."""
    ok = subprocess.run(
        [*_script(), "-vv", "--version"], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("sdgcities ")
    bad = subprocess.run(
        [*_script(), "-v", "3", "indicators", "list"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert bad.returncode == 2
    assert "it counts and takes no number" in bad.stderr


def test_unknown_command_suggests_and_exits_2() -> None:
    proc = subprocess.run(
        [*_script(), "indicator"], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert proc.returncode == 2
    assert "Did you mean 'indicators'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_python_dash_m_runs_the_same_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sdgcities", "--version"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sdgcities ")


_BLAS_PROBE = (
    "import os, sdgcities.cli, numpy, scipy.linalg; "
    "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_blas_runs_on_one_thread_unless_the_user_says_otherwise() -> None:
    """The command line loads numpy's and scipy's OpenBLAS without its thread pool (a
    thread per core that spins at start-up); a user's own setting wins."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run(
        [sys.executable, "-c", _BLAS_PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["1", "1"]  # the setting, and the process's threads: the main one only
    env["OPENBLAS_NUM_THREADS"] = "3"
    out = subprocess.run(
        [sys.executable, "-c", _BLAS_PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "3"
