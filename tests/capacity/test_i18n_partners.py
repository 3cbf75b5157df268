"""Every text of the partners, calls, Champions, markers and notifications pages, and of
the account e-mails, is in the French and Spanish catalogues; a page renders in French."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from sdgcities._i18n import locale_dir
from sdgcities.capacity import partners as pt
from sdgcities.capacity.champions import BENEFIT_KINDS
from sdgcities.capacity.vocabulary import PROVIDER_KINDS
from sdgcities.notifications.service import KINDS

ROOT = Path(str(resources.files("sdgcities.web") / "templates"))
PAGES = [
    *(
        ROOT / "capacity" / f"{n}.html"
        for n in (
            "partners",
            "partner",
            "calls",
            "call",
            "call_review",
            "champions",
            "champions_selection",
            "champions_cohort",
            "markers",
            "city_needs_panel",
            "_problems",
        )
    ),
    ROOT / "notifications" / "inbox.html",
]
VALUES = (
    *pt.AGREEMENT_KINDS,
    "draft",
    "active",
    "expired",
    *pt.ENGAGEMENT_KINDS,
    *BENEFIT_KINDS,
    "submitted",
    "accepted",
    "rejected",
    "selected",
    "not_selected",
    *KINDS.values(),
    "Messages",
    "%(n)s unread",
)
PROVIDER_LABELS = ("university", "training_institute", "ngo", "trainer", "un_entity")


def _msgids() -> set[str]:
    found: set[str] = set(VALUES) | set(PROVIDER_LABELS)
    for f in PAGES:
        for m in re.finditer(
            r'_\(\s*"((?:[^"\\]|\\.)*)"|_\(\s*\'((?:[^\'\\]|\\.)*)\'', f.read_text()
        ):
            found.add(m.group(1) or m.group(2))
    return found


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_partner_texts_are_translated(lang: str) -> None:
    translated: dict[str, str] = {}
    for po in (locale_dir() / lang / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as fh:
            for msg in read_po(fh):
                if msg.id and msg.string and not msg.fuzzy:
                    translated[str(msg.id)] = str(msg.string)
    missing = sorted(_msgids() - set(translated))
    assert missing == [], f"{lang}: untranslated {missing}"
    assert set(PROVIDER_LABELS) <= set(PROVIDER_KINDS)


def test_partners_page_in_french(sqlite_engine: object) -> None:
    from fastapi.testclient import TestClient

    from tests.web._apphelp import make_app, seed

    seed(sqlite_engine)  # type: ignore[arg-type]
    client = TestClient(make_app(sqlite_engine))  # type: ignore[arg-type]
    page = client.get("/capacity/partners", params={"lang": "fr"})
    assert "Partenaires et formateurs" in page.text
    calls = client.get("/capacity/calls", params={"lang": "es"})
    assert "Todavía no hay convocatorias." in calls.text
