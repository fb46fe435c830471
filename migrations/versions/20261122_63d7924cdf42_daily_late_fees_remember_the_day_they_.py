"""daily late fees remember the day they were accrued up to

Revision ID: 63d7924cdf42
Revises: 1f9820de0c2b
Create Date: 2026-11-22 02:38:36.795459
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '63d7924cdf42'
down_revision = '1f9820de0c2b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('student_fee_assignments', sa.Column('late_fee_accrued_on', sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column('student_fee_assignments', 'late_fee_accrued_on')
