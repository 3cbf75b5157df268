"""The review workflow: states declared once, allowed transitions in one table.

A *submission* is a batch of a city's draft values (an import, a spatial run, or a set
of corrections). Its life::

    (new) --open--> draft --submit--> submitted --publish--> published
                      ^                   |
                      |                 return (with a comment)
                      |                   v
                      +---- submit ---- returned

Admins and the global hub may also publish at once (``publish_direct``, e.g. the
UN-Habitat database or the demo); that too is logged. Nothing here does I/O: the
service (:mod:`sdgcities.review.service`) enforces these rules in one function and
writes every change to the append-only log.
"""

from __future__ import annotations

from typing import Final, Literal

from sdgcities.errors import ConflictError

State = Literal["draft", "submitted", "returned", "published"]
Action = Literal["open", "submit", "publish", "return", "publish_direct"]
Duty = Literal["editor", "reviewer", "publisher"]

STATES: Final[tuple[State, ...]] = ("draft", "submitted", "returned", "published")
#: states of a submission still in the works (a city has at most one)
OPEN_STATES: Final[tuple[State, ...]] = ("draft", "submitted", "returned")
ACTIONS: Final[tuple[Action, ...]] = ("open", "submit", "publish", "return", "publish_direct")

#: (state before, action) -> state after; ``None`` is "no submission yet"
TRANSITIONS: Final[dict[tuple[State | None, Action], State]] = {
    (None, "open"): "draft",
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "publish"): "published",
    ("submitted", "return"): "returned",
    (None, "publish_direct"): "published",
}

#: who may take each action: a city's editors, its reviewers (its hub, the global hub,
#: admins), or the roles that may publish at once
DUTY: Final[dict[Action, Duty]] = {
    "open": "editor",
    "submit": "editor",
    "publish": "reviewer",
    "return": "reviewer",
    "publish_direct": "publisher",
}

#: actions that need a comment (a returned submission says what to fix)
NEEDS_COMMENT: Final[frozenset[Action]] = frozenset({"return"})


class TransitionError(ConflictError):
    """The action is not allowed from the submission's current state."""

    code = "invalid_transition"


def next_state(state: State | None, action: Action) -> State:
    """The state after ``action`` from ``state``; TransitionError when not allowed.

    >>> next_state("submitted", "return")
    'returned'
    """
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        allowed = ", ".join(allowed_actions(state)) or "none"
        raise TransitionError(
            f"cannot {action} a submission that is {state or 'not yet opened'}; "
            f"allowed now: {allowed}"
        ) from None


def allowed_actions(state: State | None) -> list[Action]:
    """The actions allowed from ``state``, in :data:`ACTIONS` order."""
    return [a for a in ACTIONS if (state, a) in TRANSITIONS]
