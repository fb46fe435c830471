"""school finance: fees, payments, discounts, funding, late fees, expenses, transfers, day closing

Revision ID: d5791540e1f5
Revises: 903e502df970
Create Date: 2026-11-22 01:51:01.454443
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from migrations.rls import append_only, disable_tenant_rls, enable_tenant_rls


revision = 'd5791540e1f5'
down_revision = '903e502df970'
branch_labels = None
depends_on = None


TENANT_TABLES = ['discount_definitions', 'expense_heads', 'fee_types', 'voucher_sequences', 'day_closing', 'expense_vouchers', 'finance_account_transfers', 'fee_structures', 'fee_payments', 'late_fee_policies', 'student_fee_assignments', 'student_funding_arrangements', 'fee_adjustments', 'fee_payment_allocations', 'late_fee_logs']


def upgrade() -> None:
    op.create_table('discount_definitions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('type', sa.Enum('FLAT', 'PERCENTAGE', name='discounttype', native_enum=False, length=30), nullable=False),
    sa.Column('amount_value', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("type <> 'PERCENTAGE' OR amount_value <= 100", name=op.f('ck_discount_definitions_percentage_at_most_100')),
    sa.CheckConstraint('amount_value > 0', name=op.f('ck_discount_definitions_value_positive')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_discount_definitions_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_definitions')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_discount_definitions_school_id_id'))
    )
    op.create_index(op.f('ix_discount_definitions_school_id'), 'discount_definitions', ['school_id'], unique=False)
    op.create_table('expense_heads',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('normalized_name', sa.String(length=150), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_expense_heads_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense_heads')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_expense_heads_school_id_id')),
    sa.UniqueConstraint('school_id', 'normalized_name', name='uk_expense_head_school_normalized_name')
    )
    op.create_index(op.f('ix_expense_heads_school_id'), 'expense_heads', ['school_id'], unique=False)
    op.create_table('fee_types',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_fee_types_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_types')),
    sa.UniqueConstraint('name', 'school_id', name=op.f('uq_fee_types_name_school_id')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_fee_types_school_id_id'))
    )
    op.create_index(op.f('ix_fee_types_school_id'), 'fee_types', ['school_id'], unique=False)
    op.create_table('voucher_sequences',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('next_number', sa.Integer(), server_default='1', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_voucher_sequences_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_sequences')),
    sa.UniqueConstraint('school_id', name='uq_voucher_sequences_school')
    )
    op.create_index(op.f('ix_voucher_sequences_school_id'), 'voucher_sequences', ['school_id'], unique=False)
    op.create_table('day_closing',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('opening_cash', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('opening_bank', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('cash_revenue', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('bank_revenue', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('cash_expense', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('bank_expense', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('transfer_out', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('transfer_in', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('closing_cash', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('closing_bank', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('override_allowed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('closed_by', sa.BigInteger(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_day_closing_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_day_closing_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_closing')),
    sa.UniqueConstraint('school_id', 'date', name='uk_day_closing_school_date'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_day_closing_school_id_id'))
    )
    op.create_index(op.f('ix_day_closing_school_id'), 'day_closing', ['school_id'], unique=False)
    op.create_table('expense_vouchers',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('voucher_number', sa.String(length=50), nullable=False),
    sa.Column('expense_date', sa.Date(), nullable=False),
    sa.Column('expense_head_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('payment_mode', sa.Enum('CASH', 'BANK', 'UPI', name='expensepaymentmode', native_enum=False, length=10), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('reference_number', sa.String(length=100), nullable=True),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_expense_vouchers_amount_positive')),
    sa.ForeignKeyConstraint(['school_id', 'expense_head_id'], ['expense_heads.school_id', 'expense_heads.id'], name=op.f('fk_expense_vouchers_school_id_expense_head_id_expense_heads')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_expense_vouchers_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_expense_vouchers_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense_vouchers')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_expense_vouchers_school_id_id')),
    sa.UniqueConstraint('school_id', 'voucher_number', name='uk_expense_voucher_school_voucher_number')
    )
    op.create_index('idx_expense_voucher_school_date', 'expense_vouchers', ['school_id', 'expense_date'], unique=False)
    op.create_index('idx_expense_voucher_school_session', 'expense_vouchers', ['school_id', 'session_id'], unique=False)
    op.create_index(op.f('ix_expense_vouchers_school_id'), 'expense_vouchers', ['school_id'], unique=False)
    op.create_table('finance_account_transfers',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('transfer_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('from_account', sa.String(length=20), nullable=False),
    sa.Column('to_account', sa.String(length=20), nullable=False),
    sa.Column('reference_number', sa.String(length=100), nullable=True),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_finance_account_transfers_amount_positive')),
    sa.CheckConstraint('from_account <> to_account', name=op.f('ck_finance_account_transfers_accounts_differ')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_finance_account_transfers_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_finance_account_transfers_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_account_transfers')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_finance_account_transfers_school_id_id'))
    )
    op.create_index('idx_fin_transfer_school_session_date', 'finance_account_transfers', ['school_id', 'session_id', 'transfer_date'], unique=False)
    op.create_index(op.f('ix_finance_account_transfers_school_id'), 'finance_account_transfers', ['school_id'], unique=False)
    op.create_table('fee_structures',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('class_id', sa.BigInteger(), nullable=True),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('fee_type_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('frequency', sa.Enum('MONTHLY', 'QUARTERLY', 'HALF_YEARLY', 'ANNUALLY', 'ONE_TIME', name='feefrequency', native_enum=False, length=30), server_default='ONE_TIME', nullable=False),
    sa.Column('due_day_of_month', sa.Integer(), server_default='10', nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_fee_structures_amount_not_negative')),
    sa.CheckConstraint('due_day_of_month IS NULL OR due_day_of_month BETWEEN 1 AND 28', name=op.f('ck_fee_structures_due_day_valid')),
    sa.ForeignKeyConstraint(['school_id', 'class_id'], ['school_classes.school_id', 'school_classes.id'], name=op.f('fk_fee_structures_school_id_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id', 'fee_type_id'], ['fee_types.school_id', 'fee_types.id'], name=op.f('fk_fee_structures_school_id_fee_type_id_fee_types')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_fee_structures_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_fee_structures_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_structures')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_fee_structures_school_id_id'))
    )
    op.create_index('idx_fee_structure_school_class_session', 'fee_structures', ['school_id', 'class_id', 'session_id'], unique=False)
    op.create_index(op.f('ix_fee_structures_school_id'), 'fee_structures', ['school_id'], unique=False)
    op.create_table('fee_payments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=True),
    sa.Column('principal_paid', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('late_fee_paid', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('payment_date', sa.Date(), nullable=False),
    sa.Column('transaction_reference', sa.String(length=100), nullable=True),
    sa.Column('mode', sa.String(length=20), nullable=True),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('principal_paid >= 0 AND late_fee_paid >= 0 AND principal_paid + late_fee_paid > 0', name=op.f('ck_fee_payments_amount_positive')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_fee_payments_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_fee_payments_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_fee_payments_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_payments')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_fee_payments_school_id_id')),
    sa.UniqueConstraint('school_id', 'idempotency_key', name='uq_fee_payments_idempotency_key')
    )
    op.create_index('idx_fee_payment_school_date', 'fee_payments', ['school_id', 'payment_date'], unique=False)
    op.create_index('idx_fee_payment_school_session', 'fee_payments', ['school_id', 'session_id'], unique=False)
    op.create_index('idx_fee_payment_student', 'fee_payments', ['student_id'], unique=False)
    op.create_index(op.f('ix_fee_payments_school_id'), 'fee_payments', ['school_id'], unique=False)
    op.create_table('late_fee_policies',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('fee_structure_id', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.Enum('NONE', 'FLAT', 'PERCENTAGE', 'DAILY_PERCENTAGE', name='latefeetype', native_enum=False, length=30), server_default='NONE', nullable=False),
    sa.Column('amount_value', sa.Numeric(precision=15, scale=2), server_default='0', nullable=True),
    sa.Column('grace_days', sa.Integer(), server_default='0', nullable=True),
    sa.Column('cap_value', sa.Numeric(precision=15, scale=2), server_default='0', nullable=True),
    sa.Column('cap_type', sa.Enum('NONE', 'FIXED', 'PERCENTAGE', name='latefeecaptype', native_enum=False, length=30), server_default='NONE', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount_value >= 0 AND cap_value >= 0 AND grace_days >= 0', name=op.f('ck_late_fee_policies_values_not_negative')),
    sa.ForeignKeyConstraint(['school_id', 'fee_structure_id'], ['fee_structures.school_id', 'fee_structures.id'], name=op.f('fk_late_fee_policies_school_id_fee_structure_id_fee_structures')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_late_fee_policies_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_fee_policies')),
    sa.UniqueConstraint('school_id', 'fee_structure_id', name='uq_late_fee_policies_structure'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_late_fee_policies_school_id_id'))
    )
    op.create_index(op.f('ix_late_fee_policies_school_id'), 'late_fee_policies', ['school_id'], unique=False)
    op.create_table('student_fee_assignments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('fee_structure_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('sponsor_covered_amount', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('late_fee_type', sa.Enum('NONE', 'FLAT', 'PERCENTAGE', 'DAILY_PERCENTAGE', name='latefeetype', native_enum=False, length=30), nullable=True),
    sa.Column('late_fee_value', sa.Numeric(precision=19, scale=2), nullable=True),
    sa.Column('late_fee_grace_days', sa.Integer(), nullable=True),
    sa.Column('late_fee_cap_type', sa.Enum('NONE', 'FIXED', 'PERCENTAGE', name='latefeecaptype', native_enum=False, length=30), nullable=True),
    sa.Column('late_fee_cap_value', sa.Numeric(precision=19, scale=2), nullable=True),
    sa.Column('late_fee_applied', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('late_fee_accrued', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('principal_paid', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('late_fee_paid', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('late_fee_waived', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('total_discount_amount', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount >= 0 AND sponsor_covered_amount >= 0 AND late_fee_accrued >= 0 AND principal_paid >= 0 AND late_fee_paid >= 0 AND late_fee_waived >= 0 AND total_discount_amount >= 0', name=op.f('ck_student_fee_assignments_amounts_not_negative')),
    sa.CheckConstraint('late_fee_paid + late_fee_waived <= late_fee_accrued', name=op.f('ck_student_fee_assignments_late_fee_not_overpaid')),
    sa.CheckConstraint('principal_paid + total_discount_amount + sponsor_covered_amount <= amount', name=op.f('ck_student_fee_assignments_principal_not_overpaid')),
    sa.ForeignKeyConstraint(['school_id', 'fee_structure_id'], ['fee_structures.school_id', 'fee_structures.id'], name=op.f('fk_student_fee_assignments_school_id_fee_structure_id_fee_structures')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_student_fee_assignments_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_student_fee_assignments_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_student_fee_assignments_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_fee_assignments')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_student_fee_assignments_school_id_id'))
    )
    op.create_index('idx_student_fee_school_session', 'student_fee_assignments', ['school_id', 'session_id', 'active'], unique=False)
    op.create_index('idx_student_fee_student_active', 'student_fee_assignments', ['student_id', 'active'], unique=False)
    op.create_index('idx_student_fee_student_session', 'student_fee_assignments', ['student_id', 'session_id'], unique=False)
    op.create_index(op.f('ix_student_fee_assignments_school_id'), 'student_fee_assignments', ['school_id'], unique=False)
    op.create_table('student_funding_arrangements',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('coverage_type', sa.Enum('FULL', 'PARTIAL', name='fundingcoveragetype', native_enum=False, length=30), nullable=False),
    sa.Column('coverage_mode', sa.Enum('FIXED_AMOUNT', 'PERCENTAGE', name='fundingcoveragemode', native_enum=False, length=30), nullable=False),
    sa.Column('coverage_value', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('coverage_value >= 0', name=op.f('ck_student_funding_arrangements_value_not_negative')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_student_funding_arrangements_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_student_funding_arrangements_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_student_funding_arrangements_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_funding_arrangements')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_student_funding_arrangements_school_id_id'))
    )
    op.create_index('idx_funding_student_session_active', 'student_funding_arrangements', ['student_id', 'session_id', 'active'], unique=False)
    op.create_index(op.f('ix_student_funding_arrangements_school_id'), 'student_funding_arrangements', ['school_id'], unique=False)
    op.create_index('uq_funding_one_active', 'student_funding_arrangements', ['student_id', 'session_id'], unique=True, postgresql_where=sa.text('active'))
    op.create_table('fee_adjustments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('assignment_id', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.Enum('DISCOUNT', 'LATE_FEE_WAIVER', name='adjustmenttype', native_enum=False, length=30), nullable=False),
    sa.Column('amount', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('discount_definition_id', sa.BigInteger(), nullable=True),
    sa.Column('discount_name_snapshot', sa.String(length=100), nullable=True),
    sa.Column('discount_type_snapshot', sa.Enum('FLAT', 'PERCENTAGE', name='discounttype', native_enum=False, length=30), nullable=True),
    sa.Column('discount_value_snapshot', sa.Numeric(precision=19, scale=2), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_by_staff', sa.String(length=255), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_fee_adjustments_amount_positive')),
    sa.ForeignKeyConstraint(['school_id', 'assignment_id'], ['student_fee_assignments.school_id', 'student_fee_assignments.id'], name=op.f('fk_fee_adjustments_school_id_assignment_id_student_fee_assignments')),
    sa.ForeignKeyConstraint(['school_id', 'discount_definition_id'], ['discount_definitions.school_id', 'discount_definitions.id'], name=op.f('fk_fee_adjustments_school_id_discount_definition_id_discount_definitions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_fee_adjustments_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_adjustments')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_fee_adjustments_school_id_id'))
    )
    op.create_index('idx_fee_adjustment_assignment', 'fee_adjustments', ['assignment_id'], unique=False)
    op.create_index(op.f('ix_fee_adjustments_school_id'), 'fee_adjustments', ['school_id'], unique=False)
    op.create_table('fee_payment_allocations',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('fee_payment_id', sa.BigInteger(), nullable=False),
    sa.Column('assignment_id', sa.BigInteger(), nullable=False),
    sa.Column('fee_type_id', sa.BigInteger(), nullable=False),
    sa.Column('principal_amount', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('late_fee_amount', sa.Numeric(precision=19, scale=2), server_default='0', nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('principal_amount >= 0 AND late_fee_amount >= 0 AND principal_amount + late_fee_amount > 0', name=op.f('ck_fee_payment_allocations_amount_positive')),
    sa.ForeignKeyConstraint(['school_id', 'assignment_id'], ['student_fee_assignments.school_id', 'student_fee_assignments.id'], name=op.f('fk_fee_payment_allocations_school_id_assignment_id_student_fee_assignments')),
    sa.ForeignKeyConstraint(['school_id', 'fee_payment_id'], ['fee_payments.school_id', 'fee_payments.id'], name=op.f('fk_fee_payment_allocations_school_id_fee_payment_id_fee_payments')),
    sa.ForeignKeyConstraint(['school_id', 'fee_type_id'], ['fee_types.school_id', 'fee_types.id'], name=op.f('fk_fee_payment_allocations_school_id_fee_type_id_fee_types')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_fee_payment_allocations_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_fee_payment_allocations_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_payment_allocations')),
    sa.UniqueConstraint('school_id', 'fee_payment_id', 'assignment_id', name='uq_fee_payment_allocations_payment_assignment'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_fee_payment_allocations_school_id_id'))
    )
    op.create_index('idx_fee_payment_allocation_payment', 'fee_payment_allocations', ['fee_payment_id'], unique=False)
    op.create_index('idx_fee_payment_allocation_session', 'fee_payment_allocations', ['session_id'], unique=False)
    op.create_index('ix_fee_payment_allocations_assignment', 'fee_payment_allocations', ['assignment_id'], unique=False)
    op.create_index(op.f('ix_fee_payment_allocations_school_id'), 'fee_payment_allocations', ['school_id'], unique=False)
    op.create_table('late_fee_logs',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('assignment_id', sa.BigInteger(), nullable=False),
    sa.Column('computed_amount', sa.Numeric(precision=19, scale=2), nullable=False),
    sa.Column('applied_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'assignment_id'], ['student_fee_assignments.school_id', 'student_fee_assignments.id'], name=op.f('fk_late_fee_logs_school_id_assignment_id_student_fee_assignments')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_late_fee_logs_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_fee_logs')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_late_fee_logs_school_id_id'))
    )
    op.create_index('idx_late_fee_logs_assignment', 'late_fee_logs', ['assignment_id'], unique=False)
    op.create_index(op.f('ix_late_fee_logs_school_id'), 'late_fee_logs', ['school_id'], unique=False)
    for table in TENANT_TABLES:
        enable_tenant_rls(table, "school_id")
    # seed §6.1: payments, allocations, adjustments, late-fee logs and transfers have no update or delete path
    append_only("fee_payments", "fee_payment_allocations", "fee_adjustments", "late_fee_logs", "finance_account_transfers")


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_index(op.f('ix_late_fee_logs_school_id'), table_name='late_fee_logs')
    op.drop_index('idx_late_fee_logs_assignment', table_name='late_fee_logs')
    op.drop_table('late_fee_logs')
    op.drop_index(op.f('ix_fee_payment_allocations_school_id'), table_name='fee_payment_allocations')
    op.drop_index('ix_fee_payment_allocations_assignment', table_name='fee_payment_allocations')
    op.drop_index('idx_fee_payment_allocation_session', table_name='fee_payment_allocations')
    op.drop_index('idx_fee_payment_allocation_payment', table_name='fee_payment_allocations')
    op.drop_table('fee_payment_allocations')
    op.drop_index(op.f('ix_fee_adjustments_school_id'), table_name='fee_adjustments')
    op.drop_index('idx_fee_adjustment_assignment', table_name='fee_adjustments')
    op.drop_table('fee_adjustments')
    op.drop_index('uq_funding_one_active', table_name='student_funding_arrangements', postgresql_where=sa.text('active'))
    op.drop_index(op.f('ix_student_funding_arrangements_school_id'), table_name='student_funding_arrangements')
    op.drop_index('idx_funding_student_session_active', table_name='student_funding_arrangements')
    op.drop_table('student_funding_arrangements')
    op.drop_index(op.f('ix_student_fee_assignments_school_id'), table_name='student_fee_assignments')
    op.drop_index('idx_student_fee_student_session', table_name='student_fee_assignments')
    op.drop_index('idx_student_fee_student_active', table_name='student_fee_assignments')
    op.drop_index('idx_student_fee_school_session', table_name='student_fee_assignments')
    op.drop_table('student_fee_assignments')
    op.drop_index(op.f('ix_late_fee_policies_school_id'), table_name='late_fee_policies')
    op.drop_table('late_fee_policies')
    op.drop_index(op.f('ix_fee_payments_school_id'), table_name='fee_payments')
    op.drop_index('idx_fee_payment_student', table_name='fee_payments')
    op.drop_index('idx_fee_payment_school_session', table_name='fee_payments')
    op.drop_index('idx_fee_payment_school_date', table_name='fee_payments')
    op.drop_table('fee_payments')
    op.drop_index(op.f('ix_fee_structures_school_id'), table_name='fee_structures')
    op.drop_index('idx_fee_structure_school_class_session', table_name='fee_structures')
    op.drop_table('fee_structures')
    op.drop_index(op.f('ix_finance_account_transfers_school_id'), table_name='finance_account_transfers')
    op.drop_index('idx_fin_transfer_school_session_date', table_name='finance_account_transfers')
    op.drop_table('finance_account_transfers')
    op.drop_index(op.f('ix_expense_vouchers_school_id'), table_name='expense_vouchers')
    op.drop_index('idx_expense_voucher_school_session', table_name='expense_vouchers')
    op.drop_index('idx_expense_voucher_school_date', table_name='expense_vouchers')
    op.drop_table('expense_vouchers')
    op.drop_index(op.f('ix_day_closing_school_id'), table_name='day_closing')
    op.drop_table('day_closing')
    op.drop_index(op.f('ix_voucher_sequences_school_id'), table_name='voucher_sequences')
    op.drop_table('voucher_sequences')
    op.drop_index(op.f('ix_fee_types_school_id'), table_name='fee_types')
    op.drop_table('fee_types')
    op.drop_index(op.f('ix_expense_heads_school_id'), table_name='expense_heads')
    op.drop_table('expense_heads')
    op.drop_index(op.f('ix_discount_definitions_school_id'), table_name='discount_definitions')
    op.drop_table('discount_definitions')
