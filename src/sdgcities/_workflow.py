"""A workflow's states and allowed transitions, declared once as a table.

Shared by the domains whose records move through states (the certification of a stage,
and any other reviewed record): the domain declares its :class:`Workflow` (actions in
order, ``(state before, action) -> state after``) and its service checks every change
with :meth:`Workflow.next_state` in one function that also writes the audit log. Pure:
no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sdgcities.errors import ConflictError


class TransitionError(ConflictError):
    """The action is not allowed from the record's current state."""

    code = "invalid_transition"


@dataclass(frozen=True)
class Workflow:
    """States, actions and the transition table of one kind of record.

    ``None`` as the state before is "no record yet".

    >>> w = Workflow("application", ("open", "submit"), {(None, "open"): "draft",
    ...     ("draft", "submit"): "in_review"})
    >>> w.next_state("draft", "submit")
    'in_review'
    >>> w.allowed_actions(None)
    ['open']
    """

    noun: str
    actions: tuple[str, ...]
    transitions: Mapping[tuple[str | None, str], str]

    @property
    def states(self) -> tuple[str, ...]:
        """Every state the table reaches, in first-seen order."""
        seen: dict[str, None] = {}
        for (before, _), after in self.transitions.items():
            if before is not None:
                seen.setdefault(before)
            seen.setdefault(after)
        return tuple(seen)

    def next_state(self, state: str | None, action: str) -> str:
        """The state after ``action`` from ``state``; TransitionError when not allowed."""
        try:
            return self.transitions[(state, action)]
        except KeyError:
            allowed = ", ".join(self.allowed_actions(state)) or "none"
            raise TransitionError(
                f"cannot {action} {self.noun} that is {state or 'not yet opened'}; "
                f"allowed now: {allowed}"
            ) from None

    def allowed_actions(self, state: str | None) -> list[str]:
        """The actions allowed from ``state``, in :attr:`actions` order."""
        return [a for a in self.actions if (state, a) in self.transitions]
