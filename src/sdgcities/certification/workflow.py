"""The certification workflow of one stage: states declared once, transitions in one table.

An *application* is a city's request that a hub recognise one completed stage. Its life::

    (new) --open--> draft --submit--> in_review --approve--> approved
                      ^                  |   \\
                      |     request_changes   decline
                      |                  v      v
                      +-- submit -- changes_requested     declined

Submitting needs the automatic completeness check to pass
(:func:`sdgcities.certification.completeness.check`). Reviewing (approve, decline,
request changes) is the duty of the staff of the regional hub serving the city, and of
admins. Every change is written to the append-only certification log by
:func:`sdgcities.certification.service.transition`. Certification recognises completed
stages: it never ranks cities and never judges whether a target was met.
"""

from __future__ import annotations

from typing import Final

from sdgcities._workflow import Workflow

ACTIONS: Final[tuple[str, ...]] = ("open", "submit", "request_changes", "approve", "decline")

WORKFLOW: Final = Workflow(
    "an application",
    ACTIONS,
    {
        (None, "open"): "draft",
        ("draft", "submit"): "in_review",
        ("changes_requested", "submit"): "in_review",
        ("in_review", "request_changes"): "changes_requested",
        ("in_review", "approve"): "approved",
        ("in_review", "decline"): "declined",
    },
)
STATES: Final[tuple[str, ...]] = WORKFLOW.states
#: states of an application still in the works (a city has at most one per stage)
OPEN_STATES: Final[tuple[str, ...]] = ("draft", "in_review", "changes_requested")
#: who takes each action: the city's editors or the reviewers (its regional hub, admins)
DUTY: Final[dict[str, str]] = {
    "open": "editor",
    "submit": "editor",
    "request_changes": "reviewer",
    "approve": "reviewer",
    "decline": "reviewer",
}
#: actions that need a comment (say what to change, or why the stage is declined)
NEEDS_COMMENT: Final[frozenset[str]] = frozenset({"request_changes", "decline"})
