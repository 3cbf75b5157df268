"""Store table of profiling: a city's stored profile layers (neighbourhoods, exposure, groups).

A layer holds its features as a GeoJSON FeatureCollection (EPSG:4326), a summary (the
JSON the CLI writes, without the features) and its provenance. It is a draft until it is
published: the public sees only published layers; the city's editors, its hub and admins
see drafts too (:func:`sdgcities.accounts.permissions.can_see_drafts`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sdgcities.store.models import Base, utcnow

#: the kinds of layer
KINDS = ("neighbourhoods", "exposure", "groups")


class ProfileLayer(Base):
    __tablename__ = "profile_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300))
    features: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
