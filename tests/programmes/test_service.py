"""Import, funding lines (checks, all or nothing), SQL sums checked by hand, the Board report."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import Engine, func, select

from sdgcities.errors import ValidationError
from sdgcities.programmes import board, service
from sdgcities.programmes.models import FundingLine, Programme, ProgrammePartner
from sdgcities.store.db import transaction


@pytest.fixture
def portfolio(engine: Engine) -> Engine:
    with transaction(engine) as s:
        service.import_portfolio(s, service.bundled_portfolio(), service.bundled_initiatives())
    return engine


def test_import_is_idempotent_and_keeps_added_lines(portfolio: Engine) -> None:
    with transaction(portfolio) as s:
        service.add_funding_line(
            s, programme="rise-up", amount="100", currency="EUR", status="approved"
        )
    with transaction(portfolio) as s:
        service.import_portfolio(s, service.bundled_portfolio(), service.bundled_initiatives())
    with transaction(portfolio) as s:
        assert s.scalar(select(func.count(Programme.id))) == 5
        assert s.scalar(select(func.count(FundingLine.id))) == 3
        partners = s.scalar(select(func.count(ProgrammePartner.id)))
        assert partners == sum(
            len(p["partners"]) for p in service.bundled_portfolio()["programmes"]
        )


def test_sums_by_status_country_programme_year_hand_checked(portfolio: Engine) -> None:
    with transaction(portfolio) as s:
        service.add_funding_line(
            s,
            programme="rise-up",
            amount="1000000",
            currency="USD",
            status="mobilised",
            year=2021,
            countries=["PAK"],
        )
        service.add_funding_line(
            s,
            programme="sdg-cities",
            amount="250000.50",
            currency="USD",
            status="approved",
            year=2021,
            countries=["MEX"],
        )
        service.add_funding_line(
            s, programme="sdg-cities", amount="400", currency="EUR", status="approved", year=2021
        )
    with transaction(portfolio) as s:
        by_status = {(r["status"], r["currency"]): r["amount"] for r in service.totals(s, "status")}
        # report: 12 M mobilised + 81 M concept notes (para 50); added: 1 M mobilised, approved
        assert by_status == {
            ("mobilised", "USD"): 13_000_000.0,
            ("concept_note", "USD"): 81_000_000.0,
            ("approved", "USD"): 250_000.5,
            ("approved", "EUR"): 400.0,
        }
        by_prog = {
            (r["programme"], r["currency"]): r["amount"] for r in service.totals(s, "programme")
        }
        assert by_prog[("rise-up", "USD")] == 94_000_000.0
        assert by_prog[("sdg-cities", "USD")] == 250_000.5
        by_country = {
            (r["country"], r["currency"]): r["amount"] for r in service.totals(s, "country")
        }
        assert by_country[("PAK", "USD")] == 13_000_000.0  # 12 M (PAK, VNM) + 1 M
        assert by_country[("VNM", "USD")] == 12_000_000.0
        assert by_country[("CIV", "USD")] == 81_000_000.0
        by_year = {(r["year"], r["currency"]): r["amount"] for r in service.totals(s, "year")}
        assert by_year[(2020, "USD")] == 93_000_000.0
        assert by_year[(2021, "USD")] == 1_250_000.5


def test_bad_funding_line_names_every_field_and_saves_nothing(portfolio: Engine) -> None:
    with transaction(portfolio) as s:
        before = s.scalar(select(func.count(FundingLine.id)))
        with pytest.raises(ValidationError) as err:
            service.add_funding_line(
                s,
                programme="rise-up",
                amount="-5",
                currency="XYZ",
                status="pledged",
                modality="core",
                earmark="hard",
                countries=["ZZZ"],
            )
        cols = {f.column for f in err.value.findings}
        assert cols == {"amount", "currency", "status", "earmark", "countries"}
        assert "not an ISO 4217" in str(err.value)
        assert s.scalar(select(func.count(FundingLine.id))) == before
        with pytest.raises(ValidationError, match="not a number"):
            service.add_funding_line(
                s, programme="rise-up", amount="12e", currency="USD", status="approved"
            )


def test_board_report_html_pdf_docx_with_narrative_kept(portfolio: Engine) -> None:
    from docx import Document

    from sdgcities.documents import pdf_page_count, pdf_text

    with transaction(portfolio) as s:
        board.save_programme_block(s, "rise-up", "way_forward", "Edited way forward qz.", user="t")
        line = service.add_funding_line(
            s, programme="rise-up", amount="777", currency="USD", status="disbursed"
        )
        lid = line.id
    with transaction(portfolio) as s:
        html = board.render_html(s)
        assert "Edited way forward qz." in html
        assert f'id="FL-{lid}"' in html
        assert "¶50" in html
        assert "Mature Adaptation Fund portfolio" in html
        assert "Years 9–10 (2028–2029)" in html
        doc = Document(io.BytesIO(board.render_docx(s)))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "Edited way forward qz." in text
        assert "Flagship programme 3: RISE-UP: Resilient Settlements for the Urban Poor" in text
        cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
        assert f"FL-{lid}" in cells
        assert "Effective adaptation of communities and infrastructure to climate change" in cells
    with transaction(portfolio) as s:  # a regeneration keeps the edit
        pdf = board.render_pdf(s)
    assert pdf.startswith(b"%PDF")
    assert pdf_page_count(pdf) > 5
    assert "Edited way forward qz." in pdf_text(pdf)


def test_unknown_block_is_refused(portfolio: Engine) -> None:
    with transaction(portfolio) as s, pytest.raises(ValidationError, match="no narrative block"):
        board.save_programme_block(s, "rise-up", "nonsense", "x")


def test_initiative_linked_to_the_store_city_and_bad_one_refused(portfolio: Engine) -> None:
    from sdgcities.cities.service import create_city

    with transaction(portfolio) as s:
        lagos = create_city(s, name="Lagos", country="NGA", population=15_000_000, lon=3.4, lat=6.5)
        ini = service.add_initiative(
            s,
            programme="vibrant-neighbourhoods",
            name="Lagos pilot",
            countries=["nga"],
            places=["Lagos"],
            status="active",
            start="2021-01-01",
            end="2023-12-31",
        )
        assert ini.city_slugs == [lagos.slug]
        with pytest.raises(ValidationError) as err:
            service.add_initiative(
                s,
                programme="vibrant-neighbourhoods",
                name=" ",
                countries=["XX1"],
                status="paused",
                start="2023-01-01",
                end="2021-01-01",
            )
        assert {f.column for f in err.value.findings} == {"name", "countries", "status", "end"}


def test_partner_state_changes_and_is_checked(portfolio: Engine) -> None:
    with transaction(portfolio) as s:
        p = service.partners_of(s, service.get_programme(s, "sdg-cities").id)[0]
        service.set_partner_state(s, "sdg-cities", p["provider_id"], "agreed")
        with pytest.raises(ValidationError):
            service.set_partner_state(s, "sdg-cities", p["provider_id"], "signed")
    with transaction(portfolio) as s:
        again = service.partners_of(s, service.get_programme(s, "sdg-cities").id)[0]
        assert again["state"] == "agreed"


def test_sums_agree_with_pandas_on_the_csv_export(portfolio: Engine) -> None:
    """An independent implementation: the funding lines' CSV summed by pandas."""
    import random

    import pandas as pd

    rng = random.Random(5)
    with transaction(portfolio) as s:
        for _ in range(60):
            service.add_funding_line(
                s,
                programme=rng.choice(["rise-up", "sdg-cities", "smart-cities"]),
                amount=f"{rng.randrange(0, 10**7) / 100:.2f}",
                currency=rng.choice(["USD", "EUR"]),
                status=rng.choice(["concept_note", "approved", "mobilised", "disbursed"]),
                year=rng.choice([2020, 2021, 2022]),
                countries=rng.sample(["KEN", "VNM", "MEX"], k=rng.randrange(0, 3)),
            )
    with transaction(portfolio) as s:
        frame = pd.DataFrame(service.funding_lines(s))
        for by in ("programme", "status", "year"):
            want = frame.groupby([by, "currency"])["amount"].sum().round(2).to_dict()
            got = {(r[by], r["currency"]): round(r["amount"], 2) for r in service.totals(s, by)}
            assert got == want
        exploded = frame.explode("countries").dropna(subset=["countries"])
        want = exploded.groupby(["countries", "currency"])["amount"].sum().round(2).to_dict()
        got = {
            (r["country"], r["currency"]): round(r["amount"], 2)
            for r in service.totals(s, "country")
        }
        assert got == want
