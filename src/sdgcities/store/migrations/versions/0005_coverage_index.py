"""observations: an index on (is_current, year) for the store's coverage

Revision ID: 0005_coverage
Revises: 0004_scoring
Create Date: 2026-12-01 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_coverage"
down_revision: str | None = "0004_scoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_observations_current_year", "observations", ["is_current", "year"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_observations_current_year", table_name="observations")
