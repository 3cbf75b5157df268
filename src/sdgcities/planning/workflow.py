"""The states of a plan version and the allowed transitions, declared once.

======================  ===========  ===========  =======================================
from                    action       to           who
======================  ===========  ===========  =======================================
draft, returned         submit       submitted    the city's editors (and admins)
submitted               approve      approved     the city's hub reviewer, global hub, admin
submitted               return       returned     the city's hub reviewer, global hub, admin
======================  ===========  ===========  =======================================

Only ``draft`` and ``returned`` versions may be edited; an ``approved`` version is
immutable (a change starts a new version, a copy of the last one).
"""

from __future__ import annotations

DRAFT, SUBMITTED, APPROVED, RETURNED = "draft", "submitted", "approved", "returned"
STATES = (DRAFT, SUBMITTED, APPROVED, RETURNED)
EDITABLE = (DRAFT, RETURNED)
#: (state, action) → new state
TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, "submit"): SUBMITTED,
    (RETURNED, "submit"): SUBMITTED,
    (SUBMITTED, "approve"): APPROVED,
    (SUBMITTED, "return"): RETURNED,
}
#: who may take each action: "editor" (city editors) or "reviewer" (hubs, admins)
ACTORS: dict[str, str] = {"submit": "editor", "approve": "reviewer", "return": "reviewer"}


def next_state(state: str, action: str) -> str | None:
    """The state ``action`` leads to from ``state``, or None when it is not allowed."""
    return TRANSITIONS.get((state, action))
