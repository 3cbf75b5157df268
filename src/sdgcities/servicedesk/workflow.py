"""The states of a request and the events that move it, declared once.

Every change is an event appended to the request's history; :func:`next_status` is the
one place that decides whether an event may happen in the current state and which
state it leads to. The clocks (:mod:`sdgcities.servicedesk.sla`) are derived from the
same history: the time spent in a *pause state* does not count.
"""

from __future__ import annotations

from sdgcities.errors import ValidationError
from sdgcities.servicedesk.errors import finding

__all__ = [
    "EVENT_KINDS",
    "OPEN_STATES",
    "PAUSE_STATES",
    "PRIORITIES",
    "REQUESTER_CATEGORIES",
    "REQUEST_TYPES",
    "STATES",
    "TOUCH_KINDS",
    "next_status",
]

REQUEST_TYPES = ("capacity_building", "advisory")
PRIORITIES = ("low", "normal", "high", "urgent")
REQUESTER_CATEGORIES = ("government", "city", "office", "programme_manager")

STATES = (
    "new",
    "assigned",
    "in_progress",
    "waiting_requester",
    "awaiting_funds",
    "resolved",
    "closed",
)
#: states in which the clocks stop
PAUSE_STATES = frozenset({"waiting_requester", "awaiting_funds"})
OPEN_STATES = frozenset(STATES) - {"resolved", "closed"}
_WORKING = frozenset({"new", "assigned", "in_progress"})

#: event kind -> (states it may happen in, the state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "assigned": (_WORKING, None),
    "responded": (_WORKING, "in_progress"),
    "updated": (frozenset({"assigned", "in_progress"}), None),
    "waiting_requester": (_WORKING, "waiting_requester"),
    "awaiting_funds": (_WORKING, "awaiting_funds"),
    "resumed": (PAUSE_STATES, "in_progress"),
    "resolved": (OPEN_STATES, "resolved"),
    "reopened": (frozenset({"resolved"}), "in_progress"),
    "closed": (frozenset({"resolved"}), "closed"),
    "escalated": (OPEN_STATES, None),
    "comment": (frozenset(STATES), None),
    "sla_warning": (OPEN_STATES, None),
    "sla_breach": (OPEN_STATES, None),
}
EVENT_KINDS = ("received", *TRANSITIONS)
#: events that tell the requester something (first response, updates, resolution)
TOUCH_KINDS = frozenset({"responded", "updated", "resolved"})


def next_status(status: str, kind: str) -> str:
    """The state after an event of ``kind`` in ``status``; refuses what may not happen."""
    if kind not in TRANSITIONS:
        raise ValidationError(
            f"unknown event {kind!r}",
            [
                finding(
                    f"{kind!r} is not an event",
                    f"use one of {', '.join(TRANSITIONS)}",
                    column="kind",
                    value=kind,
                )
            ],
        )
    allowed, to = TRANSITIONS[kind]
    if status not in allowed:
        raise ValidationError(
            f"a request that is {status!r} cannot be {kind!r}",
            [
                finding(
                    f"{kind!r} is not allowed while the request is {status!r}",
                    f"it is allowed when the request is {', '.join(sorted(allowed))}",
                    column="kind",
                    value=kind,
                )
            ],
        )
    return to or status
