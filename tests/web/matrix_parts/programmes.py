"""Access-matrix part of the programme portfolio: public reads of published programmes,
drafts and edit forms for global-hub staff and admins only."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.web._matrix import Case, World, case

#: an unpublished programme: it does not exist for anyone but the global hub and admins
DRAFT = (404, 404, 404, 404, 404, 200)
#: global-hub staff and admins (the matrix's hub is a regional hub)
EDITOR = (401, 403, 403, 403, 403, 200)

ROUTES: dict[str, list[Case]] = {
    "/programmes": [case("/programmes")],
    "/programmes/{key}": [case("/programmes/rise-up"), case("/programmes/{prog_draft}", DRAFT)],
    "/programmes/board.{fmt}": [case("/programmes/board.html")],
    "/programmes/money.{fmt}": [case("/programmes/money.csv")],
    "/programmes/{key}/{table}.{fmt}": [
        case("/programmes/rise-up/funding-lines.csv"),
        case("/programmes/rise-up/opportunities.xlsx"),
        case("/programmes/{prog_draft}/initiatives.csv", DRAFT),
        case("/programmes/rise-up/adaptation.csv"),
    ],
    "/programmes/{key}/narrative": [case("/programmes/rise-up/narrative", EDITOR)],
    "/programmes/{key}/initiatives/{iid}": [
        case("/programmes/rise-up/initiatives/{prog_initiative}"),
        case("/programmes/{prog_draft}/initiatives/{prog_draft_initiative}", DRAFT),
        # an initiative of another programme does not exist under this one
        case("/programmes/sdg-cities/initiatives/{prog_initiative}", (404,) * 6),
    ],
    "/programmes/{key}/initiatives/{iid}/edit": [
        case("/programmes/rise-up/initiatives/{prog_initiative}/edit", EDITOR)
    ],
    "/api/v1/programmes": [case("/api/v1/programmes")],
    "/api/v1/programmes/totals": [case("/api/v1/programmes/totals?by=country")],
    "/api/v1/programmes/{key}": [
        case("/api/v1/programmes/sdg-cities"),
        case("/api/v1/programmes/{prog_draft}", DRAFT),
    ],
    "/api/v1/programmes/{key}/funding-lines": [case("/api/v1/programmes/rise-up/funding-lines")],
    "/api/v1/programmes/{key}/initiatives/{iid}": [
        case("/api/v1/programmes/rise-up/initiatives/{prog_initiative}"),
        case("/api/v1/programmes/{prog_draft}/initiatives/{prog_draft_initiative}", DRAFT),
    ],
    "/api/v1/programmes/{key}/adaptation": [
        case("/api/v1/programmes/rise-up/adaptation"),
        # only RISE-UP has an adaptation portfolio (and the draft does not exist for most)
        case("/api/v1/programmes/{prog_draft}/adaptation", (404,) * 6),
    ],
}


def seed(engine: Engine, world: World) -> None:
    from sqlalchemy import select

    from sdgcities.programmes.demo import demo_line
    from sdgcities.programmes.models import Initiative, Programme
    from sdgcities.store.db import transaction

    with transaction(engine) as s:
        demo_line(s)
        draft = Programme(key="draft-programme-qz", number=6, title="A draft programme", facts={})
        s.add(draft)
        s.flush()
        hidden = Initiative(programme_id=draft.id, name="A draft initiative")
        s.add(hidden)
        s.flush()
        rise_up = s.scalar(select(Programme.id).where(Programme.key == "rise-up"))
        first = s.scalar(
            select(Initiative.id).where(Initiative.programme_id == rise_up).order_by(Initiative.id)
        )
        world.extra["prog_initiative"] = str(first)
        world.extra["prog_draft_initiative"] = str(hidden.id)
    world.extra["prog_draft"] = "draft-programme-qz"
