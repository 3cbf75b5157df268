"""The workflow table: every state reachable only by the declared transitions."""

from __future__ import annotations

import pytest

from sdgcities.review.workflow import (
    ACTIONS,
    STATES,
    TRANSITIONS,
    TransitionError,
    allowed_actions,
    next_state,
)


def test_the_declared_path() -> None:
    state = next_state(None, "open")
    assert state == "draft"
    state = next_state(state, "submit")
    assert state == "submitted"
    assert next_state(state, "return") == "returned"
    assert next_state("returned", "submit") == "submitted"
    assert next_state("submitted", "publish") == "published"
    assert next_state(None, "publish_direct") == "published"


@pytest.mark.parametrize("state", [None, *STATES])
@pytest.mark.parametrize("action", ACTIONS)
def test_every_other_move_is_refused(state: str | None, action: str) -> None:
    if (state, action) in TRANSITIONS:
        assert next_state(state, action) in STATES  # type: ignore[arg-type]
        return
    with pytest.raises(TransitionError, match="allowed now"):
        next_state(state, action)  # type: ignore[arg-type]


def test_published_is_final() -> None:
    assert allowed_actions("published") == []
    assert allowed_actions("submitted") == ["publish", "return"]
    # every state but the final one has a way forward; every target is a declared state
    assert set(TRANSITIONS.values()) <= set(STATES)
    assert all(allowed_actions(s) for s in STATES if s != "published")
