"""rate limits: the budget spent per caller and window, shared by every gateway process

Revision ID: 5e8a2c7d1f46
Revises: 46c0a3f9f8f3
Create Date: 2026-12-07 14:30:00.000000

A platform table (no tenant key, no RLS): the gateway charges it before the request's
transaction, for anonymous callers too. UNLOGGED: every request writes it, and a crash only
empties the budgets (they reset early) instead of costing a WAL flush per request. The application role's grants come from the schema's
default privileges.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "5e8a2c7d1f46"
down_revision = "46c0a3f9f8f3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_buckets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("caller", sa.String(length=80), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_buckets")),
        sa.UniqueConstraint("caller", "window_start", name=op.f("uq_rate_limit_buckets_caller_window_start")),
        prefixes=["UNLOGGED"],
    )
    op.create_index("ix_rate_limit_buckets_window_start", "rate_limit_buckets", ["window_start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rate_limit_buckets_window_start", table_name="rate_limit_buckets")
    op.drop_table("rate_limit_buckets")
