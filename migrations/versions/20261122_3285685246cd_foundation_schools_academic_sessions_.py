"""foundation: schools, academic sessions, users, hostels

Revision ID: 3285685246cd
Revises: 
Create Date: 2026-11-22 00:38:45.362104
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '3285685246cd'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hostels',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('hostel_type', sa.Enum('BOYS', 'GIRLS', 'CO_ED', name='hosteltype', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'UNDER_MAINTENANCE', 'CLOSED', name='hostelstatus', native_enum=False, length=30), server_default='ACTIVE', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('address_line1', sa.String(length=255), nullable=True),
    sa.Column('address_line2', sa.String(length=255), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('pincode', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=2), server_default='IN', nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('contact_email', sa.String(length=255), nullable=True),
    sa.Column('website', sa.String(length=255), nullable=True),
    sa.Column('total_rooms', sa.Integer(), server_default='0', nullable=False),
    sa.Column('total_beds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('starting_price_monthly', sa.Numeric(precision=19, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), server_default='INR', nullable=False),
    sa.Column('security_deposit', sa.Numeric(precision=19, scale=2), nullable=True),
    sa.Column('check_in_time', sa.Time(), nullable=True),
    sa.Column('check_out_time', sa.Time(), nullable=True),
    sa.Column('logo_url', sa.String(length=1000), nullable=True),
    sa.Column('cover_image_url', sa.String(length=1000), nullable=True),
    sa.Column('gallery_urls', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('social_links', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('is_public', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('starting_price_monthly IS NULL OR starting_price_monthly >= 0', name=op.f('ck_hostels_price_non_negative')),
    sa.CheckConstraint('total_beds >= 0', name=op.f('ck_hostels_total_beds_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hostels')),
    sa.UniqueConstraint('slug', name=op.f('uq_hostels_slug'))
    )
    op.create_table('schools',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=True),
    sa.Column('board', sa.String(length=100), nullable=True),
    sa.Column('medium', sa.String(length=100), nullable=True),
    sa.Column('school_code', sa.String(length=50), nullable=False),
    sa.Column('affiliation_code', sa.String(length=100), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('pincode', sa.String(length=20), nullable=True),
    sa.Column('contact_number', sa.String(length=30), nullable=True),
    sa.Column('contact_email', sa.String(length=255), nullable=True),
    sa.Column('website', sa.String(length=255), nullable=True),
    sa.Column('logo_url', sa.String(length=1000), nullable=True),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('current_session_id', sa.BigInteger(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
    sa.UniqueConstraint('school_code', name=op.f('uq_schools_school_code'))
    )
    op.create_table('academic_sessions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_academic_sessions_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_academic_sessions')),
    sa.UniqueConstraint('name', 'school_id', name=op.f('uq_academic_sessions_name_school_id')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_academic_sessions_school_id_id'))
    )
    op.create_index(op.f('ix_academic_sessions_school_id'), 'academic_sessions', ['school_id'], unique=False)
    # schools <-> academic_sessions reference each other: this one is added once both exist.
    op.create_foreign_key('fk_schools_current_session_same_school', 'schools', 'academic_sessions',
                          ['id', 'current_session_id'], ['school_id', 'id'])
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('SUPER_ADMIN', 'PLATFORM_ADMIN', 'SCHOOL_ADMIN', 'ACCOUNTANT', 'TEACHER', 'STUDENT', 'GUARDIAN', 'HOSTEL_ADMIN', 'SUPERVISOR', 'HOSTEL_STUDENT', 'VISITOR', name='userrole', native_enum=False, length=50), nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_users_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_index(op.f('ix_users_school_id'), 'users', ['school_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_users_school_id'), table_name='users')
    op.drop_table('users')
    op.drop_constraint('fk_schools_current_session_same_school', 'schools', type_='foreignkey')
    op.drop_index(op.f('ix_academic_sessions_school_id'), table_name='academic_sessions')
    op.drop_table('academic_sessions')
    op.drop_table('schools')
    op.drop_table('hostels')
