"""schools keep their time zone

Revision ID: 1f9820de0c2b
Revises: d5791540e1f5
Create Date: 2026-11-22 02:23:47.765876
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '1f9820de0c2b'
down_revision = 'd5791540e1f5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('schools', sa.Column('time_zone', sa.String(length=50), server_default='Asia/Kolkata', nullable=False))


def downgrade() -> None:
    op.drop_column('schools', 'time_zone')
