"""observations: an index on (year, is_public, city_id) for the public list by year

Revision ID: 0006_public_year
Revises: 0005_coverage
Create Date: 2026-12-03 10:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_public_year"
down_revision: str | None = "0005_coverage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_observations_public_year",
        "observations",
        ["year", "is_public", "city_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_observations_public_year", table_name="observations")
