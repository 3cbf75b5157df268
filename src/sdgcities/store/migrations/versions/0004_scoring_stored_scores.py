"""scoring: benchmark-set parameters (red-share rule, progress method, version) and
stored city scores

Revision ID: 0004_scoring
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_scoring"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = ("scoring",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("benchmark_sets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("red_share_rule", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column(
                "progress_method",
                sa.String(length=32),
                nullable=False,
                server_default="cagr-ratio",
            )
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("derived_bounds", sa.JSON(), nullable=True))
    op.create_table(
        "city_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("index_score", sa.Float(), nullable=True),
        sa.Column("missing_share", sa.Float(), nullable=True),
        sa.Column("n_goals", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("set_version", sa.Integer(), nullable=False),
        sa.Column("max_observation_id", sa.Integer(), nullable=False),
        sa.Column("method_version", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_city_scores_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["benchmark_sets.id"],
            name=op.f("fk_city_scores_set_id_benchmark_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_scores")),
        sa.UniqueConstraint("city_id", "set_id", name=op.f("uq_city_scores_city_id")),
    )


def downgrade() -> None:
    op.drop_table("city_scores")
    with op.batch_alter_table("benchmark_sets", schema=None) as batch_op:
        batch_op.drop_column("derived_bounds")
        batch_op.drop_column("version")
        batch_op.drop_column("progress_method")
        batch_op.drop_column("red_share_rule")
