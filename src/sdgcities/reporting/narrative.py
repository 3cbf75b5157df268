"""Narrative blocks: the paragraphs of a generated report that people write and keep.

A report defines its blocks (key → default text); :func:`blocks` returns, for each key,
the newest saved text or the default, so a regenerated report keeps every edit.
:func:`save_block` adds a version (never overwrites), so the history of a paragraph is
kept and an edit can be traced to who made it and when.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sdgcities.errors import ValidationError
from sdgcities.reporting.models import NarrativeBlock

#: longest text a block takes (a few pages of prose)
MAX_CHARS = 50_000


def blocks(
    session: Session, document: str, subject: str, defaults: Mapping[str, str]
) -> dict[str, str]:
    """Each block's newest saved text, or its default when nobody has written it yet."""
    newest = (
        select(NarrativeBlock.key, func.max(NarrativeBlock.version).label("v"))
        .where(NarrativeBlock.document == document, NarrativeBlock.subject == subject)
        .group_by(NarrativeBlock.key)
        .subquery()
    )
    rows = session.execute(
        select(NarrativeBlock.key, NarrativeBlock.text)
        .join(newest, (NarrativeBlock.key == newest.c.key) & (NarrativeBlock.version == newest.c.v))
        .where(NarrativeBlock.document == document, NarrativeBlock.subject == subject)
    ).all()
    saved = {key: text for key, text in rows}
    return {key: saved.get(key, default) for key, default in defaults.items()}


def save_block(
    session: Session,
    document: str,
    subject: str,
    key: str,
    text: str,
    *,
    allowed: Mapping[str, str],
    user: str = "",
) -> NarrativeBlock:
    """Save a new version of block ``key``; ``allowed`` is the report's block list."""
    if key not in allowed:
        known = ", ".join(sorted(allowed))
        raise ValidationError(f"{document} has no narrative block {key!r}; its blocks are: {known}")
    if len(text) > MAX_CHARS:
        raise ValidationError(
            f"the {key!r} block has {len(text)} characters; at most {MAX_CHARS} are kept — "
            "shorten it or move the rest to an annex"
        )
    last = session.scalar(
        select(func.max(NarrativeBlock.version)).where(
            NarrativeBlock.document == document,
            NarrativeBlock.subject == subject,
            NarrativeBlock.key == key,
        )
    )
    block = NarrativeBlock(
        document=document,
        subject=subject,
        key=key,
        version=(last or 0) + 1,
        text=text,
        updated_by=user,
    )
    session.add(block)
    session.flush()
    return block


def history(session: Session, document: str, subject: str, key: str) -> list[NarrativeBlock]:
    """Every saved version of one block, oldest first."""
    return list(
        session.scalars(
            select(NarrativeBlock)
            .where(
                NarrativeBlock.document == document,
                NarrativeBlock.subject == subject,
                NarrativeBlock.key == key,
            )
            .order_by(NarrativeBlock.version)
        )
    )
