"""review: submissions of draft values, their items, the append-only review log

Revision ID: review_0001
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "review_0001"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = ("review",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_review_submissions_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_submissions")),
    )
    op.create_index(
        "ix_review_submissions_city_state",
        "review_submissions",
        ["city_id", "state"],
        unique=False,
    )
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name=op.f("fk_review_items_observation_id_observations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["review_submissions.id"],
            name=op.f("fk_review_items_submission_id_review_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint(
            "submission_id", "observation_id", name=op.f("uq_review_items_submission_id")
        ),
    )
    op.create_index(
        op.f("ix_review_items_observation_id"), "review_items", ["observation_id"], unique=False
    )
    op.create_index(
        op.f("ix_review_items_submission_id"), "review_items", ["submission_id"], unique=False
    )
    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("what", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["review_submissions.id"],
            name=op.f("fk_review_log_submission_id_review_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_log")),
    )
    op.create_index(op.f("ix_review_log_city_id"), "review_log", ["city_id"], unique=False)
    op.create_index(
        op.f("ix_review_log_submission_id"), "review_log", ["submission_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_review_log_submission_id"), table_name="review_log")
    op.drop_index(op.f("ix_review_log_city_id"), table_name="review_log")
    op.drop_table("review_log")
    op.drop_index(op.f("ix_review_items_submission_id"), table_name="review_items")
    op.drop_index(op.f("ix_review_items_observation_id"), table_name="review_items")
    op.drop_table("review_items")
    op.drop_index("ix_review_submissions_city_state", table_name="review_submissions")
    op.drop_table("review_submissions")
