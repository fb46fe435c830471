"""Rate-limit budgets spent (gateway/ratelimit.py): one row per caller and window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.entity import Internal


class RateLimitBucket(Base):
    """The cost charged to one caller (`user:<id>` or `ip:<address>`) in the window that
    starts at `window_start`. In the database so that every gateway process spends one budget."""

    __tablename__ = "rate_limit_buckets"
    __entity__ = Internal("rate-limit budgets spent per caller and window, shared by every gateway process")
    __table_args__ = (
        UniqueConstraint("caller", "window_start"),
        Index("ix_rate_limit_buckets_window_start", "window_start"),  # the cleanup deletes by age
        # no WAL: a charge is written on every request, and budgets lost in a crash only reset early
        {"prefixes": ["UNLOGGED"]},
    )

    caller: Mapped[str] = mapped_column(String(80))
    window_start: Mapped[dt.datetime]
    used: Mapped[int]
