"""What the gateway processes share through the database rather than their memory."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.entity import Internal


class PersistedQuery(Base):
    """Documents registered by clients under their SHA-256 (Apollo's automatic persisted
    queries): a hash registered through one gateway process is found by every other. Each
    process keeps an LRU in front; rows unseen for a while are pruned by a periodic job."""

    __tablename__ = "persisted_queries"
    __entity__ = Internal("automatic persisted queries (APQ) by SHA-256, shared by every gateway process")

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    document: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_seen: Mapped[dt.datetime] = mapped_column(server_default=func.now(), index=True)
