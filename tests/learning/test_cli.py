"""The ``learning`` commands end to end on a real SQLite store (exit codes, files written)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.documents import pdf_text
from sdgcities.learning.demo import demo_course_file
from tests.learning.conftest import seed_store


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["learning", *args])


def test_import_enrol_complete_certify_verify(settings: Any, tmp_path: Path) -> None:
    from sdgcities.store.db import init_store

    seed_store(init_store(settings))
    # the demo course hangs on the capacity demo's entry: import it, then our own file
    bad = run("course", "import", str(demo_course_file()))
    assert bad.exit_code == 1
    assert "learn-sdg-monitoring" in bad.output
    course = tmp_path / "c.json"
    course.write_text(
        json.dumps(
            {
                "slug": "cli-course",
                "catalogue": "learn-test",
                "title": "CLI course",
                "hours": 3,
                "lessons": [{"title": "L", "text": "Read."}],
            }
        ),
        encoding="utf-8",
    )
    ok = run("course", "import", str(course))
    assert ok.exit_code == 0, ok.output
    assert "1 lessons, 0 assessments" in ok.output
    again = run("course", "import", str(course))
    assert again.exit_code == 1
    assert "--replace" in again.output
    assert run("course", "import", str(course), "--replace").exit_code == 0

    refused = run("enrol", "cli-course", "bo@learner.example", "--as", "amina@learner.example")
    assert refused.exit_code == 1
    assert "hub staff" in refused.output
    csv_file = tmp_path / "done.csv"
    csv_file.write_text(
        "course,email,completed_on\ncli-course,amina@learner.example,2026-02-03\n", "utf-8"
    )
    imported = run("complete-import", str(csv_file), "--as", "hub@hub.example")
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "completions.csv"
    assert run("completions", "export", "--out", str(out)).exit_code == 0
    code = out.read_text("utf-8").splitlines()[1].split(",")[5]
    assert code.startswith("SDGL-")

    pdf = tmp_path / "c.pdf"
    made = run("certificate", "pdf", code, "--out", str(pdf), "--base-url", "https://l.example")
    assert made.exit_code == 0, made.output
    assert f"https://l.example/learn/verify/{code}" in pdf_text(pdf.read_bytes())
    badge = tmp_path / "b.json"
    assert run("badge", code, "--out", str(badge), "--base-url", "https://l.example").exit_code == 0
    assert json.loads(badge.read_text("utf-8"))["type"] == [
        "VerifiableCredential",
        "OpenBadgeCredential",
    ]
    verified = run("verify", code.lower())
    assert verified.exit_code == 0
    assert "valid" in verified.output
    unknown = run("verify", "SDGL-0000-0000-0000")
    assert unknown.exit_code == 1
    assert "check the code on the certificate" in unknown.output
    assert "Traceback" not in unknown.output
    assert run("revoke", code, "--reason", "test", "--as", "admin@admin.example").exit_code == 0
    assert "REVOKED" in run("verify", code).output

    report = tmp_path / "r.json"
    assert run("report", "--json", str(report), "--min-cell", "1").exit_code == 0
    data = json.loads(report.read_text("utf-8"))
    assert data["totals"]["completions"] == 1
    assert run("report", "--start", "2026-02-30").exit_code == 2
    xapi = tmp_path / "x.json"
    assert run("completions", "export", "--xapi", "--out", str(xapi)).exit_code == 0
    assert json.loads(xapi.read_text("utf-8"))[0]["timestamp"].startswith("2026-02-03T")
