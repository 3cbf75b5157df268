"""The command-line contract of ``sdgcities servicedesk due``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sdgcities.cli import app

HOURS = "Mon-Fri 08:00-12:30,13:30-17:00"


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["servicedesk", "due", *args])
    return res.exit_code, res.output


def test_due_prints_an_iso_moment_with_offset() -> None:
    code, out = run(
        "--timezone",
        "Africa/Nairobi",
        "--country",
        "KE",
        "--hours",
        HOURS,
        "--received",
        "2026-12-24T16:00",
        "--business-hours",
        "16",
    )
    assert code == 0, out
    # Thu 1 h, Christmas and the weekend closed, Mon 8 h, Tue 7 h → Tue 29 Dec 16:00
    assert out.strip() == "2026-12-29T16:00:00+03:00"


def test_due_json_gives_seconds_per_day_with_pauses_and_closures() -> None:
    code, out = run(
        "--timezone",
        "Europe/Madrid",
        "--country",
        "ES",
        "--hours",
        "Mon-Fri 09:00-17:00",
        "--received",
        "2026-10-23T16:00+02:00",
        "--business-hours",
        "4",
        "--pause",
        "2026-10-26T10:00/2026-10-27T12:00",
        "--closed",
        "2026-10-27",
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    # Fri 1 h; Mon 09–10 then paused; Tue closed; Wed 09–11 → due Wed 28 Oct 11:00 (CET)
    assert data["due"] == "2026-10-28T11:00:00+01:00"
    assert data["business_seconds_per_day"] == {
        "2026-10-23": 3600.0,
        "2026-10-26": 3600.0,
        "2026-10-28": 7200.0,
    }


def test_due_refuses_bad_input_with_a_message_not_a_traceback() -> None:
    for args, needle in [
        (
            (
                "--timezone",
                "Mars/Base",
                "--hours",
                HOURS,
                "--received",
                "2026-01-05T09:00",
                "--business-hours",
                "2",
            ),
            "unknown time zone",
        ),
        (
            (
                "--timezone",
                "UTC",
                "--hours",
                "Mon 08:00-12:00,11:00-13:00",
                "--received",
                "2026-01-05T09:00",
                "--business-hours",
                "2",
            ),
            "overlap",
        ),
        (
            (
                "--timezone",
                "UTC",
                "--hours",
                HOURS,
                "--received",
                "yesterday",
                "--business-hours",
                "2",
            ),
            "not an ISO 8601",
        ),
        (
            (
                "--timezone",
                "UTC",
                "--hours",
                HOURS,
                "--received",
                "2026-01-05T09:00",
                "--business-hours",
                "-1",
            ),
            "not a target",
        ),
        (
            (
                "--timezone",
                "UTC",
                "--hours",
                HOURS,
                "--received",
                "2026-01-05T09:00",
                "--business-hours",
                "2",
                "--pause",
                "2026-01-05T10:00/",
            ),
            "clock is stopped",
        ),
        (
            (
                "--timezone",
                "UTC",
                "--hours",
                HOURS,
                "--received",
                "2026-01-05T09:00",
                "--business-hours",
                "2",
                "--closed",
                "5 Jan",
            ),
            "not a date",
        ),
    ]:
        code, out = run(*args)
        assert code == 1, (args, out)
        assert needle in out, (args, out)
        assert "Traceback" not in out
