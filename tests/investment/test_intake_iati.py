"""Project intake (all or nothing) and the IATI 2.03 export, validated by the real schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings
from sdgcities.errors import NotFoundError, ValidationError
from sdgcities.investment.models import InvestmentProject
from sdgcities.investment.service import export_iati, import_projects
from sdgcities.store.db import get_engine, transaction
from tests.conftest import SHARED_DATA

IATI = SHARED_DATA.parent / "reference" / "iati-2.03"
needs_iati = pytest.mark.skipif(
    not (IATI / "iati-activities-schema.xsd").is_file(),
    reason=f"IATI 2.03 schemas not found at {IATI}",
)

HEAD = (
    "city,title,description,sector,sdg_targets,budget,currency,start,end,stage,implementing_org\n"
)
GOOD = HEAD + (
    "Nairobi,BRT line 2,Bus rapid transit,21020,11.2;11.6,25000000,USD,"
    "2025-01-01,2028-12-31,feasibility,Nairobi Metropolitan Area Transport Authority\n"
    "Nairobi,Green market,,43030,11.7,1500000,KES,2025-03-01,2026-06-30,"
    "implementation,Nairobi City County\n"
)
BAD = HEAD + (
    "Nairobi,BRT,x,2102,11.2;11.99,-5,XXX,2025-13-01,2024-01-01,design,NaMATA\n"
    "Atlantis,Pier,x,21040,14.1,10,USD,2025-01-01,2025-02-01,ideation,Port\n"
)


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    if not (IATI / "iati-activities-schema.xsd").is_file():
        pytest.skip(f"IATI 2.03 schemas not found at {IATI}")
    return etree.XMLSchema(etree.parse(str(IATI / "iati-activities-schema.xsd")))


def _city(engine: Engine) -> None:
    from sdgcities.cities.service import create_city

    with transaction(engine) as s:
        create_city(s, name="Nairobi", country="KEN")


def _consent(engine: Engine, *titles: str) -> None:
    """The city's consent to publish these projects (as the CLI gives it)."""
    from sdgcities.investment.service import CLI, set_consent

    with transaction(engine) as s:
        for title in titles:
            project = s.scalars(
                select(InvestmentProject).where(InvestmentProject.title == title)
            ).one()
            set_consent(s, project, True, CLI)


@needs_iati
def test_only_consented_projects_leave(
    engine: Engine, tmp_path: Path, schema: etree.XMLSchema
) -> None:
    """A project whose city has not consented to publication is not in the IATI file."""
    _city(engine)
    path = tmp_path / "p.csv"
    path.write_text(GOOD, encoding="utf-8")
    with transaction(engine) as s:
        brt, market = import_projects(s, path)
        ids = {brt.title: brt.id, market.title: market.id}
    out = tmp_path / "none.xml"
    with pytest.raises(NotFoundError, match="not consented") as err, transaction(engine) as s:
        export_iati(s, out)  # an empty iati-activities is not valid IATI: no file at all
    assert "2 project(s)" in str(err.value)
    assert not out.exists()
    assert list(tmp_path.glob("*.part")) == []

    _consent(engine, "Green market")
    out = tmp_path / "one.xml"
    with transaction(engine) as s:
        assert export_iati(s, out) == 1
        assert export_iati(s, tmp_path / "city.xml", city="nairobi-ken") == 1
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log
    (act,) = doc.findall("iati-activity")
    assert act.findtext("iati-identifier", "").endswith(f"-nairobi-ken-{ids['Green market']}")
    text = out.read_text(encoding="utf-8")
    assert "BRT line 2" not in text
    assert f"-{ids['BRT line 2']}<" not in text

    from sdgcities.investment.service import CLI, set_consent

    with transaction(engine) as s:  # withdrawn consent: the project stays home again
        set_consent(s, s.get(InvestmentProject, ids["Green market"]), False, CLI)
    with pytest.raises(NotFoundError), transaction(engine) as s:
        export_iati(s, tmp_path / "again.xml")
    assert not (tmp_path / "again.xml").exists()


@needs_iati
def test_the_validator_validates(schema: etree.XMLSchema) -> None:
    passing = sorted((IATI / "tests" / "should-pass").glob("*.xml"))
    failing = sorted((IATI / "tests" / "should-fail").glob("*.xml"))
    assert passing
    assert failing
    for f in passing:
        assert schema.validate(etree.parse(str(f))), (f.name, schema.error_log)
    for f in failing:
        try:
            doc = etree.parse(str(f))
        except etree.XMLSyntaxError:
            continue  # not even well-formed: rejected
        assert not schema.validate(doc), f.name


@needs_iati
def test_import_and_export_valid_iati(
    engine: Engine, tmp_path: Path, schema: etree.XMLSchema
) -> None:
    _city(engine)
    path = tmp_path / "p.csv"
    path.write_text(GOOD, encoding="utf-8")
    with transaction(engine) as s:
        assert len(import_projects(s, path)) == 2
    out = tmp_path / "pipeline.xml"
    _consent(engine, "BRT line 2", "Green market")
    with transaction(engine) as s:
        assert export_iati(s, out) == 2
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log
    acts = doc.findall("iati-activity")
    sdg = acts[0].findall("sector[@vocabulary='8']")
    assert [x.get("code") for x in sdg] == ["11.2", "11.6"]
    assert sum(float(x.get("percentage")) for x in sdg) == 100
    assert acts[0].find("activity-status").get("code") == "1"
    assert acts[1].find("activity-status").get("code") == "2"
    assert acts[1].find("budget/value").get("currency") == "KES"
    assert acts[0].find("participating-org").get("role") == "4"


def test_bad_projects_all_findings_nothing_saved(engine: Engine, tmp_path: Path) -> None:
    _city(engine)
    path = tmp_path / "bad.csv"
    path.write_text(BAD + GOOD.split("\n", 1)[1], encoding="utf-8")
    with pytest.raises(ValidationError) as err, transaction(engine) as s:
        import_projects(s, path)
    got = {(f.row, f.column) for f in err.value.findings}
    assert {(2, "sector"), (2, "sdg_targets"), (2, "budget"), (2, "currency"),
            (2, "start"), (2, "stage")} <= got  # fmt: skip
    path.write_text(HEAD + BAD.split("\n")[2] + "\n" + GOOD.split("\n", 1)[1], encoding="utf-8")
    with pytest.raises(ValidationError, match=r"(?i)atlantis"), transaction(engine) as s:
        import_projects(s, path)
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(InvestmentProject)) == 0


def test_cli(settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "200"})
    assert runner.invoke(app, ["cities", "add", "Nairobi", "--country", "KEN"]).exit_code == 0
    path = tmp_path / "p.csv"
    path.write_text(GOOD, encoding="utf-8")
    r = runner.invoke(app, ["investment", "import", str(path)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "n.xml"
    r = runner.invoke(
        app, ["investment", "export-iati", "--city", "nairobi-ken", "--out", str(out)]
    )
    assert r.exit_code == 1, r.output
    assert "has not consented" in " ".join(r.output.split())
    assert "Traceback" not in r.output
    assert not out.exists()
    _consent(get_engine(settings), "BRT line 2", "Green market")
    r = runner.invoke(
        app, ["investment", "export-iati", "--city", "nairobi-ken", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "wrote 2 IATI activities" in r.output
    assert "left out" not in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    r = runner.invoke(app, ["investment", "import", str(bad)])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    for cmd in ("import", "export-iati"):
        assert "Examples" in runner.invoke(app, ["investment", cmd, "--help"]).output


FIN_HEAD = HEAD.rstrip("\n") + ",tranches,gates\n"
ROW = "Nairobi,BRT,x,21020,11.2,1000000,USD,2025-01-01,2028-12-31,{stage},NaMATA,{tr},{gates}\n"


def test_tranches_and_gates(engine: Engine, tmp_path: Path) -> None:
    _city(engine)
    path = tmp_path / "fin.csv"
    good = ROW.format(
        stage="structuring",
        tr="grant:250000;concessional loan:750000",
        gates="ideation:2023-02-01;feasibility:2024-05-01;pre-feasibility:2023-09-01",
    )
    path.write_text(FIN_HEAD + good, encoding="utf-8")
    with transaction(engine) as s:
        (project,) = import_projects(s, path)
        assert [(t.instrument, t.amount) for t in project.tranches] == [
            ("grant", 250_000),
            ("concessional loan", 750_000),
        ]
        assert {g.stage for g in project.gates} == {"ideation", "pre-feasibility", "feasibility"}
    bad = [
        ROW.format(stage="feasibility", tr="grant:250000;equity:500000", gates=""),  # 750k ≠ 1M
        ROW.format(stage="feasibility", tr="bond:1000000", gates=""),  # unknown instrument
        ROW.format(stage="ideation", tr="", gates="ideation:2024-01-01;feasibility:2024-02-01"),
        ROW.format(stage="structuring", tr="", gates="ideation:2024-05-01;feasibility:2024-02-01"),
    ]
    path.write_text(FIN_HEAD + "".join(bad), encoding="utf-8")
    with pytest.raises(ValidationError) as err, transaction(engine) as s:
        import_projects(s, path)
    messages = {(f.row, f.column): f.message for f in err.value.findings}
    assert "not the budget" in messages[(2, "tranches")]
    assert messages[(3, "tranches")] == "unknown instrument"
    assert "after the current stage" in messages[(4, "gates")]
    assert "dated before" in messages[(5, "gates")]
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(InvestmentProject)) == 1
