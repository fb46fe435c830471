"""hostels keep their time zone

Revision ID: 7a3e5c1d9b24
Revises: 40e30ef4ae46
Create Date: 2026-12-07 05:20:00.000000
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '7a3e5c1d9b24'
down_revision = '40e30ef4ae46'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('hostels', sa.Column('time_zone', sa.String(length=50), server_default='Asia/Kolkata', nullable=False))


def downgrade() -> None:
    op.drop_column('hostels', 'time_zone')
