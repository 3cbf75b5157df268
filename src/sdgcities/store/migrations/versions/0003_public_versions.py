"""observations: the public version of each key (newest published), beside the current one

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_public", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            "ix_observations_public", ["city_id", "indicator_id", "is_public"], unique=False
        )
        batch_op.create_index(
            "ix_observations_indicator_public", ["indicator_id", "is_public"], unique=False
        )
    op.execute(
        sa.text(
            "UPDATE observations SET is_public = :t WHERE status = 'published' AND version = "
            "(SELECT MAX(o2.version) FROM observations o2 "
            "WHERE o2.city_id = observations.city_id "
            "AND o2.indicator_id = observations.indicator_id "
            "AND o2.year = observations.year AND o2.disaggregation = observations.disaggregation "
            "AND o2.status = 'published')"
        ).bindparams(sa.bindparam("t", True, type_=sa.Boolean()))
    )


def downgrade() -> None:
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index("ix_observations_indicator_public")
        batch_op.drop_index("ix_observations_public")
        batch_op.drop_column("is_public")
