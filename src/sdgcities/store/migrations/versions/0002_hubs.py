"""hubs of the SDG Cities network: hubs, the cities they serve, their staff

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hubs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("host_country_iso3", sa.String(length=3), nullable=True),
        sa.Column("sdg_region", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs")),
        sa.UniqueConstraint("slug", name=op.f("uq_hubs_slug")),
    )
    op.create_table(
        "hub_cities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["cities.id"],
            name=op.f("fk_hub_cities_city_id_cities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hubs.id"], name=op.f("fk_hub_cities_hub_id_hubs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_cities")),
        sa.UniqueConstraint("city_id", name=op.f("uq_hub_cities_city_id")),
    )
    op.create_index(op.f("ix_hub_cities_hub_id"), "hub_cities", ["hub_id"], unique=False)
    op.create_table(
        "hub_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("function", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hubs.id"], name=op.f("fk_hub_members_hub_id_hubs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hub_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_members")),
        sa.UniqueConstraint("hub_id", "user_id", name=op.f("uq_hub_members_hub_id")),
    )
    op.create_index(op.f("ix_hub_members_user_id"), "hub_members", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_members_user_id"), table_name="hub_members")
    op.drop_table("hub_members")
    op.drop_index(op.f("ix_hub_cities_hub_id"), table_name="hub_cities")
    op.drop_table("hub_cities")
    op.drop_table("hubs")
