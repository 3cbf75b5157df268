"""The VLR draft: sections, charts, map attribution, annex, drafts, narrative kept, PDF pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sdgcities.errors import PermissionDeniedError
from sdgcities.observations.service import record_value
from sdgcities.reporting import vlr
from sdgcities.store.db import transaction
from tests.certification._seed import EDITOR, Seeded, seed, user

SECTIONS = (
    "opening-statement", "highlights", "introduction", "methodology", "policy-environment",
    "progress", "means-of-implementation", "next-steps", "annex",
)  # fmt: skip


@pytest.fixture
def seeded(sqlite_engine: Engine) -> Seeded:
    return seed(sqlite_engine)


def _html(engine: Engine, sd: Seeded, **kw: object) -> str:
    with transaction(engine) as s:
        return vlr.render_html(vlr.build(s, sd.slug_a, **kw))  # type: ignore[arg-type]


def test_sections_charts_map_and_annex(sqlite_engine: Engine, seeded: Seeded) -> None:
    html = _html(sqlite_engine, seeded)
    for section in SECTIONS:
        assert f'<section id="{section}">' in html, section
    # one time series per indicator with two years or more (10 here), a year axis on each
    assert html.count('class="chart chart-series"') == 10
    assert ">2015</text>" in html
    assert ">2022</text>" in html
    assert html.count('class="chart chart-map"') == 1
    assert "© OpenStreetMap contributors" in html
    # the annex lists every value with unit, year and source: 10 indicators × 2 years
    annex = html.split('<section id="annex">')[1]
    assert annex.count('<tr><td class="code">') == 10
    assert annex.count("2015: ") == 10
    assert annex.count("2022: ") == 10
    assert "synthetic test source" in annex
    assert "import #" in annex
    # revenue: potential = 1000 × 120 = 120 000; actual = 500 × 100 = 50 000 (ROSRA)
    means = html.split('<section id="means-of-implementation">')[1].split("</section>")[0]
    assert "120,000" in means
    assert "50,000" in means
    assert "Bus rapid transit corridor" not in means  # the city has not consented yet
    assert "Not yet recorded: the city" in html
    assert "strategic plan is not recorded" in html
    assert "<script" not in html


def test_projects_only_with_the_citys_consent(sqlite_engine: Engine, seeded: Seeded) -> None:
    from sdgcities.investment.models import ProjectConsent

    def means(html: str) -> str:
        return html.split('<section id="means-of-implementation">')[1].split("</section>")[0]

    with transaction(sqlite_engine) as s:
        staff = vlr.render_html(
            vlr.build(s, seeded.slug_a, user=user(s, EDITOR), include_drafts=True)
        )
    assert "Bus rapid transit corridor" in means(staff)  # the city's own staff see them all
    with transaction(sqlite_engine) as s:
        s.add(ProjectConsent(project_id=seeded.project_id, given_by=EDITOR))
    public = means(_html(sqlite_engine, seeded))
    assert "Bus rapid transit corridor" in public
    assert "Market upgrade" not in public


def test_published_only_unless_drafts_asked_by_staff(sqlite_engine: Engine, seeded: Seeded) -> None:
    with transaction(sqlite_engine) as s:
        record_value(
            s, city_id=seeded.a, indicator_code=seeded.codes[0], year=2023, value=77.77,
            status="draft",
        )  # fmt: skip
    assert "77.77" not in _html(sqlite_engine, seeded)
    with transaction(sqlite_engine) as s:
        html = vlr.render_html(
            vlr.build(s, seeded.slug_a, user=user(s, EDITOR), include_drafts=True)
        )
        with pytest.raises(PermissionDeniedError):
            vlr.build(s, seeded.slug_a, user=user(s, "editor-b@example.org"), include_drafts=True)
    assert "77.77" in html
    assert "includes unpublished values" in html


def test_narrative_edits_kept_across_regeneration(sqlite_engine: Engine, seeded: Seeded) -> None:
    with transaction(sqlite_engine) as s:
        vlr.save_block(s, seeded.slug_a, "opening_statement", "Kisumu reports, proudly.",
                       user=user(s, EDITOR))  # fmt: skip
        with pytest.raises(PermissionDeniedError):
            vlr.save_block(
                s, seeded.slug_a, "next_steps", "x", user=user(s, "editor-b@example.org")
            )
    first = _html(sqlite_engine, seeded)
    with transaction(sqlite_engine) as s:  # new data arrives, the draft is regenerated
        record_value(s, city_id=seeded.a, indicator_code=seeded.codes[1], year=2024, value=55.5,
                     source="new survey")  # fmt: skip
    second = _html(sqlite_engine, seeded)
    for html in (first, second):
        assert "Kisumu reports, proudly." in html
        assert "[Introduction:" in html  # an unedited block keeps its default
    assert "55.5" in second
    assert "55.5" not in first


def _dark_share(png: Path) -> float:
    from PIL import Image

    img = Image.open(png).convert("L")
    pixels = list(img.getdata())
    return sum(1 for p in pixels if p < 200) / len(pixels)


def _blue_pixels(png: Path) -> int:
    from PIL import Image

    img = Image.open(png).convert("RGB")
    # the series line colour #0072B2 (Okabe–Ito blue), allowing for anti-aliasing
    return sum(1 for r, g, b in img.getdata() if b > 140 and r < 80 and 60 < g < 150)


def test_pdf_pages_render_with_charts(
    sqlite_engine: Engine, seeded: Seeded, tmp_path: Path
) -> None:
    from sdgcities.documents import pdf_text, pdf_to_pngs

    out = tmp_path / "vlr.pdf"
    with transaction(sqlite_engine) as s:
        vlr.write(s, seeded.slug_a, out)
    pdf = out.read_bytes()
    text = pdf_text(pdf)
    pages = text.split("\f")
    assert len(pages) >= 4
    assert all("DRAFT" in p for p in pages), "every page says it is a draft"
    assert "Figure: 11.1.1 over time" in text
    assert "Statistical annex" in text
    pngs = pdf_to_pngs(out, tmp_path / "png", dpi=40)
    assert len(pngs) == len(pages)
    for png in pngs:
        assert _dark_share(png) > 0.002, f"{png.name} is blank"
    chart_pages = [i for i, p in enumerate(pages) if re.search(r"Figure: \S+ over time", p)]
    assert chart_pages
    for i in chart_pages:
        assert _blue_pixels(pngs[i]) > 50, f"page {i + 1} names a chart but shows none"


def test_write_refuses_other_suffixes(
    sqlite_engine: Engine, seeded: Seeded, tmp_path: Path
) -> None:
    from sdgcities.errors import ValidationError

    out = tmp_path / "out"
    out.mkdir()
    with transaction(sqlite_engine) as s, pytest.raises(ValidationError, match=r"vlr\.docx"):
        vlr.write(s, seeded.slug_a, out / "vlr.docx")
    assert not list(out.iterdir())
