"""Fees (seed 001 fee domain). The finance issue adds the models; the frequency enum is
shared with transport pickup points already."""

from __future__ import annotations

import enum


class FeeFrequency(enum.Enum):
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    HALF_YEARLY = "HALF_YEARLY"
    ANNUALLY = "ANNUALLY"
    ONE_TIME = "ONE_TIME"
