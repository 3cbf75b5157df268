"""The ``sdgcities network`` commands: clear errors, exit codes, nothing half-saved."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings


@pytest.fixture
def runner(settings: Settings) -> CliRunner:
    r = CliRunner()
    assert r.invoke(app, ["init"]).exit_code == 0
    assert r.invoke(app, ["cities", "add", "Nairobi", "--country", "KEN"]).exit_code == 0
    assert (
        r.invoke(app, ["hubs", "create", "east-africa", "--name", "East Africa hub"]).exit_code == 0
    )
    return r


def test_onboarding_labs_and_subscriptions_from_the_cli(runner: CliRunner) -> None:
    out = runner.invoke(
        app,
        [
            "network",
            "onboarding",
            "record",
            "nairobi-ken",
            "agreement",
            "--date",
            "2024-05-10",
            "--authority",
            "Nairobi City County",
        ],
    )
    assert out.exit_code == 1
    assert "'expression_of_interest' must come first" in out.output
    assert "Traceback" not in out.output
    ok = runner.invoke(
        app,
        [
            "network",
            "onboarding",
            "record",
            "nairobi-ken",
            "expression_of_interest",
            "--date",
            "2024-02-01",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "stage now expression_of_interest" in ok.output
    lab = runner.invoke(
        app,
        [
            "network",
            "labs",
            "add",
            "kenya-lab",
            "--name",
            "Kenya Urban Lab",
            "--kind",
            "national",
            "--country",
            "KEN",
            "--host",
            "University of Nairobi",
            "--established",
            "2024-01-10",
        ],
    )
    assert lab.exit_code == 0, lab.output
    assert "kenya-lab" in runner.invoke(app, ["network", "labs", "list"]).output
    bad = runner.invoke(
        app,
        [
            "network",
            "hubs",
            "subscription",
            "add",
            "east-africa",
            "--authority",
            "X",
            "--amount",
            "ten",
            "--currency",
            "USD",
            "--start",
            "2025-01-01",
            "--end",
            "2025-12-31",
        ],
    )
    assert bad.exit_code == 1
    assert "amount" in bad.output
    good = runner.invoke(
        app,
        [
            "network",
            "hubs",
            "subscription",
            "add",
            "east-africa",
            "--authority",
            "Nairobi City County",
            "--amount",
            "25000",
            "--currency",
            "USD",
            "--start",
            "2025-01-01",
            "--end",
            "2025-12-31",
            "--paid-on",
            "2025-02-15",
        ],
    )
    assert good.exit_code == 0, good.output
    shown = runner.invoke(app, ["network", "onboarding", "show", "nairobi-ken"])
    assert shown.exit_code == 0
    assert "2024-02-01" in shown.output
    assert "plan" in shown.output.lower()  # derived from the planning domain (sdgcities.links)
    usage = runner.invoke(app, ["network", "pull"])
    assert usage.exit_code == 2
