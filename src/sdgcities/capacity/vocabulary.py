"""The controlled vocabularies of capacity building (data, not code).

- themes (``data/themes.yaml``), each linked to the catalogue indicators it serves;
- UNDP's capacity-assessment dimensions (UNDP, *Capacity Assessment Methodology:
  User Guide*, 2008): three **levels** (enabling environment, organisation,
  individual), four **core issues** (institutional arrangements, leadership,
  knowledge, accountability) and five **functional capacities** (engage
  stakeholders; assess a situation and create a vision and mandate; formulate
  policies and strategies; budget, manage and implement; evaluate);
- the kinds of catalogue entries, formats, statuses and providers.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from sdgcities.errors import Finding, ValidationError

LEVELS = ("enabling_environment", "organisation", "individual")
CORE_ISSUES = ("institutional_arrangements", "leadership", "knowledge", "accountability")
FUNCTIONAL_CAPACITIES = (
    "engage_stakeholders",
    "assess_and_vision",
    "formulate_policies",
    "budget_manage_implement",
    "evaluate",
)
ENTRY_KINDS = ("training_course", "tool", "guide", "advisory_service", "normative_product")
FORMATS = ("self_paced", "blended", "in_person", "advisory")
ENTRY_STATUSES = ("existing", "being_digitised", "under_development", "retired")
PROVIDER_KINDS = (
    "university",
    "training_institute",
    "centre_of_excellence",
    "ngo",
    "community_group",
    "private_sector",
    "un_entity",
    "trainer",
    # partners of the flagship programmes (one registry with capacity building)
    "member_state",
    "city",
    "local_government_network",
    "financial_institution",
    "philanthropy",
    "academia",
    "intergovernmental",
)
#: the six official UN languages (translation status is kept for each)
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
TRANSLATION_STATUSES = ("available", "in_translation", "planned")


@lru_cache(maxsize=1)
def themes() -> dict[str, dict[str, Any]]:
    """The theme vocabulary: code → {label, indicators}."""
    path = resources.files("sdgcities.capacity") / "data" / "themes.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(data["themes"])


def themes_of_indicator(code: str) -> list[str]:
    """The themes that serve an indicator (empty when none is linked)."""
    return [t for t, spec in themes().items() if code in (spec.get("indicators") or [])]


def check_themes(values: list[str], field: str = "themes") -> list[str]:
    unknown = [v for v in values if v not in themes()]
    if unknown:
        raise ValidationError(
            f"unknown theme(s) {', '.join(unknown)}",
            [
                Finding(
                    f"unknown theme {v!r}",
                    column=field,
                    value=v,
                    fix=f"use the shared vocabulary: {', '.join(themes())}",
                )
                for v in unknown
            ],
        )
    return values
