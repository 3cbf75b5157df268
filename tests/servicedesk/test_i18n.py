"""Every text of the one-stop shop's pages is in the French and Spanish catalogues."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from sdgcities._i18n import locale_dir

TEMPLATES = Path(str(resources.files("sdgcities.web") / "templates" / "servicedesk"))
VALUES = (
    "capacity_building",
    "advisory",
    "low",
    "normal",
    "high",
    "urgent",
    "government",
    "city",
    "office",
    "programme_manager",
    "new",
    "assigned",
    "in_progress",
    "waiting_requester",
    "awaiting_funds",
    "resolved",
    "closed",
    "received",
    "responded",
    "updated",
    "resumed",
    "reopened",
    "escalated",
    "comment",
    "sla_warning",
    "sla_breach",
    "first_response",
    "next_update",
    "resolution",
    "met",
    "breached",
    "running",
    "warning",
    "paused",
)


def _msgids() -> set[str]:
    found: set[str] = set(VALUES)
    for f in TEMPLATES.glob("*.html"):
        for m in re.finditer(
            r'_\(\s*"((?:[^"\\]|\\.)*)"|_\(\s*\'((?:[^\'\\]|\\.)*)\'', f.read_text()
        ):
            found.add(m.group(1) or m.group(2))
    return found


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_servicedesk_texts_are_translated(lang: str) -> None:
    translated: dict[str, str] = {}
    for po in (locale_dir() / lang / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as fh:
            for msg in read_po(fh):
                if msg.id and msg.string and not msg.fuzzy:
                    translated[str(msg.id)] = str(msg.string)
    missing = sorted(_msgids() - set(translated))
    assert missing == [], f"{lang}: untranslated {missing}"
