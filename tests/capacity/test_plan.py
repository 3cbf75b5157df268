"""The capacity-building strategy's implementation plan, read from the report's text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from sdgcities.capacity.plan import parse_plan_table, parse_plan_text
from sdgcities.capacity.service import import_plan, plan_as_dict
from sdgcities.errors import ValidationError
from sdgcities.store.db import transaction
from tests.conftest import FIXTURES, SHARED_DATA

SEED = SHARED_DATA.parent / "seeds" / "004_750f593f96395da8.txt"

# rows of the real table (HSP/EB.2021/17, p. 8) as extracted, tabs between cells: see README
SAMPLE = (FIXTURES / "capacity" / "plan_sample.txt").read_text(encoding="utf-8")


def test_hand_sample_tree_marks_and_gaps() -> None:
    plan = parse_plan_text(SAMPLE)
    assert [o.code for o in plan.objectives] == ["1", "2"]
    assert plan.objectives[0].text == "To fill the institutional and operational gaps"
    out = plan.objectives[0].children[0].children[0]
    assert out.code == "1.1.2"
    assert [a.status for a in out.children] == ["deleted", None, "done"]
    assert (
        out.children[0].text
        == "Define the organizational division of roles (through the RACI method)"
    )
    assert out.key_activities == (
        "Further implementation of processes to establish capacity-building as a cross-cutting"
    )
    champions = plan.objectives[1].children[0].children[0].children[0]
    assert champions.text.endswith(
        "geographical diversity, will receive capacity support for one year"
    )
    assert champions.status == "added"
    assert "continued across a page break" in champions.notes
    # category and years are not in the text: blank, and listed
    assert all(a.category is None and a.years is None for a in plan.nodes() if a.level == "action")
    assert len(plan.unread) == plan.count("action") == 4
    assert [b.amount for b in plan.budget] == [225000.0, 145000.0]


def test_a_text_without_the_table_is_refused() -> None:
    with pytest.raises(ValidationError, match="no 'Detailed implementation plan' table"):
        parse_plan_text("Some other report\n")


@pytest.mark.shared_data
def test_the_real_report_matches_its_own_marks_and_total() -> None:
    text = SEED.read_text(encoding="utf-8")
    plan = parse_plan_text(text)
    assert plan.count("objective") == 2
    assert [o.code for obj in plan.objectives for o in obj.children] == [
        "1.1",
        "1.2",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
    ]
    table = text[text.index("Detailed implementation plan") :]
    for mark in ("DONE", "REVISED", "DELETED", "ADDED"):  # counted in the raw text, independently
        assert sum(1 for n in plan.nodes() if n.status == mark.lower()) == table.count(f"[{mark}]")
    total = re.search(r"Total cost for the year 2022: \\\$([\d,]+)", text)
    assert total is not None
    assert sum(b.amount for b in plan.budget) == float(total.group(1).replace(",", ""))  # 482,000
    assert len(plan.budget) == 4
    assert all(n.category is None for n in plan.nodes())  # never guessed
    assert len(plan.unread) == plan.count("action")


def test_spreadsheet_of_the_same_plan(tmp_path: Path) -> None:
    f = tmp_path / "plan.csv"
    f.write_text(
        "code,level,text,category,y1,y2,y3,y4,status,key_activities\n"
        "1,objective,Fill the gaps,,,,,,,\n"
        "1.1,outcome,Anchoring,,,,,,,\n"
        "1.1.3,output,Markers,,,,,,,Markers into the PRC\n"
        "1.1.3.a1,action,Integrate capacity-building markers,green,x,x,,,revised,\n",
        encoding="utf-8",
    )
    plan = parse_plan_table(f)
    action = plan.objectives[0].children[0].children[0].children[0]
    assert (action.category, action.years, action.status) == ("green", [1, 2], "revised")
    assert plan.unread == []


def test_spreadsheet_problems_are_all_reported(tmp_path: Path) -> None:
    f = tmp_path / "plan.csv"
    f.write_text("code,text\n1,Fill the gaps\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="missing column") as err:
        parse_plan_table(f)
    assert err.value.findings[0].column == "level"
    f.write_text(
        "code,level,text,category,status\n1,objective,A,,\n1.1,outcome,B,purple,finished\n"
        "9.9,outcome,C,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as err:
        parse_plan_table(f)
    found = {(x.row, x.column) for x in err.value.findings}
    assert found == {(3, "category"), (3, "status"), (4, "code")}


def test_import_and_show_json(engine: Engine, tmp_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text(SAMPLE, encoding="utf-8")
    with transaction(engine) as s:
        import_plan(s, f)
        data = plan_as_dict(s)
    assert [o["code"] for o in data["objectives"]] == ["1", "2"]
    actions = data["objectives"][0]["outcomes"][0]["actions"]
    assert {"code", "text", "category", "years", "status", "key_activities"} <= set(actions[0])
    assert data["budget_total"] == 370000.0
    assert len(data["not_read"]) == 4


def test_cli_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdgcities.cli import app
    from sdgcities.config import get_settings

    monkeypatch.setenv("SDGCITIES_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None
    f = tmp_path / "plan.txt"
    f.write_text(SAMPLE, encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["capacity", "plan", "import", str(f)])
    assert res.exit_code == 0, res.output
    assert "2 objectives" in res.output
    out = tmp_path / "plan.json"
    res = runner.invoke(app, ["capacity", "plan", "show", "--json", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["objectives"][1]["outcomes"][0]["actions"][0]["status"] == "added"
    bad = runner.invoke(app, ["capacity", "plan", "import", str(tmp_path / "missing.txt")])
    assert bad.exit_code == 1
    assert "no such file" in bad.output


def test_demo_seed_loads_the_bundled_plan_once(engine: Engine) -> None:
    from sdgcities.capacity.demo import seed_demo

    with transaction(engine) as s:
        first = seed_demo(s)
        again = seed_demo(s)
        data = plan_as_dict(s)
    assert first == {"plan": 1, "catalogue": 6, "providers": 3, "offices": 1}
    assert again == {"plan": 0, "catalogue": 0, "providers": 0, "offices": 0}
    assert data["budget_total"] == 482000.0  # para. 24 (d)
    n_actions = sum(len(oc["actions"]) for o in data["objectives"] for oc in o["outcomes"])
    assert n_actions == 51
    assert {
        a["status"] for o in data["objectives"] for oc in o["outcomes"] for a in oc["actions"]
    } == {
        None,
        "done",
        "revised",
        "deleted",
        "added",
    }
    assert len(data["not_read"]) == 51
