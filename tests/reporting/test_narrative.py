"""Narrative blocks: an edit survives regeneration, every save is a new version."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdgcities.errors import ValidationError
from sdgcities.reporting import narrative
from sdgcities.store.db import make_engine, migrate, transaction

DEFAULTS = {"opening_statement": "(write the mayor's opening statement)", "next_steps": ""}


def test_blocks_keep_edits_and_history(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    migrate(engine)
    with transaction(engine) as s:
        assert narrative.blocks(s, "vlr", "kisumu", DEFAULTS) == DEFAULTS
        narrative.save_block(s, "vlr", "kisumu", "opening_statement", "First.", allowed=DEFAULTS)
        narrative.save_block(
            s, "vlr", "kisumu", "opening_statement", "Second.", allowed=DEFAULTS, user="ed@x"
        )
        narrative.save_block(s, "vlr", "arusha", "next_steps", "Other city.", allowed=DEFAULTS)
    with transaction(engine) as s:
        got = narrative.blocks(s, "vlr", "kisumu", DEFAULTS)
        assert got == {"opening_statement": "Second.", "next_steps": ""}
        versions = narrative.history(s, "vlr", "kisumu", "opening_statement")
        assert [(b.version, b.text) for b in versions] == [(1, "First."), (2, "Second.")]
        with pytest.raises(ValidationError, match="no narrative block 'foreword'"):
            narrative.save_block(s, "vlr", "kisumu", "foreword", "x", allowed=DEFAULTS)
