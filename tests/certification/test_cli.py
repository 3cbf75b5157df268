"""``sdgcities certification …`` end to end: check, submit, review, certificate, verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdgcities.cli import _common, app
from sdgcities.config import Settings
from sdgcities.store.db import init_store
from tests.certification._seed import ADMIN, EDITOR, HUB, Seeded, seed

runner = CliRunner()


@pytest.fixture
def cli_store(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    monkeypatch.setattr(_common.console, "width", 200)
    return seed(init_store(settings))


def _ok(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res.output


def test_check_submit_approve_certificate_verify(
    cli_store: Seeded, plan_kind: None, tmp_path: Path
) -> None:
    sd = cli_store
    out = json.loads(_ok(["certification", "check", sd.slug_a, "--stage", "1", "--json"]))
    assert out["complete"] is False
    assert {r["key"]: r["met"] for r in out["requirements"]}["baseline_indicators"] is True
    # refused as a whole: the plan is missing, so nothing is saved
    res = runner.invoke(
        app,
        ["certification", "submit", sd.slug_a, "--stage", "1", "-e", f"dataset:{sd.import_id}",
         "--as", EDITOR],
    )  # fmt: skip
    assert res.exit_code == 1
    assert "not complete" in res.output
    assert "Traceback" not in res.output
    args = ["certification", "submit", sd.slug_a, "--stage", "1", "-e", f"dataset:{sd.import_id}",
            "-e", f"hex_layer:{sd.layer_id}", "-e", "approved_plan:7", "--as", EDITOR]  # fmt: skip
    assert "application #1" in _ok(args)
    assert "kisumu-ken" in _ok(["certification", "queue", "--as", HUB])
    res = runner.invoke(app, ["certification", "decline", "1", "--as", HUB])
    assert res.exit_code == 1
    assert "comment is empty" in res.output
    res = runner.invoke(app, ["certification", "approve", "1", "--as", "editor-b@example.org"])
    assert res.exit_code == 1
    assert "no certification application 1" in res.output
    out = _ok(["certification", "approve", "1", "--as", HUB])
    code = out.split("certificate ")[1].split()[0]
    pdf = tmp_path / "c.pdf"
    _ok(["certification", "certificate", code, "--out", str(pdf)])
    from sdgcities.documents import pdf_text

    text = pdf_text(pdf.read_bytes())
    assert "Kisumu" in text
    assert code in text
    assert "never ranks cities" in text
    assert "valid" in _ok(["certification", "verify", code])
    _ok(["certification", "revoke", code, "--reason", "issued in error", "--as", ADMIN])
    assert json.loads(_ok(["certification", "verify", code, "--json"]))["status"] == "revoked"
    out = _ok(["certification", "show", "1", "--as", HUB])
    assert "revoke_certificate" in out
    assert "issue_certificate" in out


def test_bad_input_is_a_clear_error(cli_store: Seeded, tmp_path: Path) -> None:
    res = runner.invoke(app, ["certification", "verify", "0000-0000-0000-0000-0001"])
    assert res.exit_code == 1
    assert "not a certificate code" in res.output
    res = runner.invoke(app, ["certification", "verify", "0000-0000-0000-0000-001Y"])
    assert res.exit_code == 1
    assert "no certificate has the code" in res.output
    res = runner.invoke(
        app,
        [
            "certification",
            "certificate",
            "0000-0000-0000-0000-001Y",
            "--out",
            str(tmp_path / "x.pdf"),
        ],
    )
    assert res.exit_code == 1
    assert not (tmp_path / "x.pdf").exists()
    res = runner.invoke(
        app, ["certification", "submit", "kisumu-ken", "--stage", "1", "-e", "nocolon"]
    )
    assert res.exit_code == 2
    res = runner.invoke(app, ["certification", "check", "kisumu-ken", "--stage", "0"])
    assert res.exit_code == 2
    res = runner.invoke(
        app, ["certification", "submit", "kisumu-ken", "--stage", "1", "-e", "hex_layer:99999",
              "--as", EDITOR],
    )  # fmt: skip
    assert res.exit_code == 1
    assert "no hex_layer record" in res.output
    assert "Traceback" not in res.output
