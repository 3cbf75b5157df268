"""A small store for the certification tests: two cities, a hub serving A, accounts, and
records to point evidence at (values with sources, an import, a hex layer, a revenue
diagnostic, investment projects). Values are synthetic test data, stated as such."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, select

from sdgcities.store.db import transaction

PASSWORD = "correct horse battery"
EDITOR = "editor-a@example.org"
HUB = "hub@example.org"
ADMIN = "admin@example.org"


@dataclass
class Seeded:
    a: int
    b: int
    slug_a: str
    slug_b: str
    import_id: int
    layer_id: int
    layer_b: int
    revenue_id: int
    draft_revenue_id: int
    project_id: int
    early_project_id: int
    codes: list[str] = field(default_factory=list)


def seed(engine: Engine, *, n_indicators: int = 10) -> Seeded:
    from sdgcities.accounts import hubs
    from sdgcities.accounts.users import create_user, grant_city
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city
    from sdgcities.investment.models import InvestmentProject, StageGate
    from sdgcities.observations.service import record_value
    from sdgcities.revenue.models import RevenueDiagnostic, RevenueStream
    from sdgcities.store.models import HexCell, HexLayer, ImportBatch, Indicator

    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        a = create_city(s, name="Kisumu", country="KEN", population=600_000)
        b = create_city(s, name="Arusha", country="TZA", population=400_000)
        batch = ImportBatch(kind="observations", file_name="baseline.csv", user="test")
        s.add(batch)
        s.flush()
        codes = list(
            s.scalars(
                select(Indicator.code).where(Indicator.framework == "SDG").order_by(Indicator.code)
            )
        )[:n_indicators]
        for i, code in enumerate(codes):
            for year in (2015, 2022):
                obs = record_value(
                    s,
                    city_id=a.id,
                    indicator_code=code,
                    year=year,
                    value=10.0 + i + (year - 2015),
                    source="synthetic test source",
                )
                obs.import_id = batch.id
        record_value(s, city_id=b.id, indicator_code=codes[0], year=2020, value=30.0, source="x")
        layer = HexLayer(city_id=a.id, indicator_code="11.2.1", name="Access to transport")
        s.add(layer)
        s.flush()
        import h3

        centre = h3.latlng_to_cell(-0.0917, 34.768, 8)
        for k, cell in enumerate(sorted(h3.grid_disk(centre, 3))):
            s.add(HexCell(layer_id=layer.id, h3=cell, population=100.0, share=(k % 10) / 9))
        layer_b = HexLayer(city_id=b.id, indicator_code="11.2.1", name="B layer")
        rev = RevenueDiagnostic(city_id=a.id, year=2022, currency="KES", is_published=True)
        draft_rev = RevenueDiagnostic(city_id=a.id, year=2023, currency="KES")
        for d in (rev, draft_rev):
            d.streams.append(
                RevenueStream(
                    position=0,
                    stream="Property rates",
                    estimated=1000,
                    registered=800,
                    compliant=500,
                    average_bill=100.0,
                    achievable_bill=120.0,
                )
            )
        s.add_all([layer, layer_b, rev, draft_rev])
        common = dict(
            city_id=a.id,
            description="",
            sector="21020",
            budget=1e6,
            currency="KES",
            end=date(2026, 12, 31),
            implementing_org="County",
        )
        proj = InvestmentProject(
            title="Bus rapid transit corridor",
            sdg_targets=[codes[0]],
            start=date(2018, 1, 1),
            stage="feasibility",
            **common,
        )
        early = InvestmentProject(
            title="Market upgrade",
            sdg_targets=[],
            start=date(2023, 1, 1),
            stage="ideation",
            **common,
        )
        s.add_all([proj, early])
        s.flush()
        s.add(StageGate(project_id=proj.id, stage="feasibility", passed_on=date(2024, 3, 1)))
        create_user(s, email=ADMIN, password=PASSWORD, role="admin")
        ea = create_user(s, email=EDITOR, password=PASSWORD, role="city_editor")
        grant_city(s, ea.id, a.slug)
        eb = create_user(s, email="editor-b@example.org", password=PASSWORD, role="city_editor")
        grant_city(s, eb.id, b.slug)
        create_user(s, email=HUB, password=PASSWORD, role="regional_hub", region="Africa")
        create_user(
            s,
            email="other-hub@example.org",
            password=PASSWORD,
            role="regional_hub",
            region="Africa",
        )
        create_user(s, email="global@example.org", password=PASSWORD, role="global_hub")
        hubs.create_hub(s, slug="lake-victoria", name="Lake Victoria hub")
        hubs.add_city(s, "lake-victoria", a.slug)
        hubs.add_member(s, "lake-victoria", HUB)
        hubs.create_hub(s, slug="other", name="Other hub")
        hubs.add_city(s, "other", b.slug)
        hubs.add_member(s, "other", "other-hub@example.org")
        s.flush()
        return Seeded(
            a.id,
            b.id,
            a.slug,
            b.slug,
            batch.id,
            layer.id,
            layer_b.id,
            rev.id,
            draft_rev.id,
            proj.id,
            early.id,
            codes,
        )


def user(session, email: str):  # type: ignore[no-untyped-def]
    from sdgcities.accounts.users import get_user

    return get_user(session, email)
