"""school academics: teachers, classes, students, attendance, exams, transport, subscriptions

Revision ID: 903e502df970
Revises: c4e1a7d2b9f0
Create Date: 2026-11-22 01:33:21.651636
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from migrations.rls import append_only, disable_tenant_rls, enable_tenant_rls
from sqlalchemy.dialects import postgresql

revision = '903e502df970'
down_revision = 'c4e1a7d2b9f0'
branch_labels = None
depends_on = None


TENANT_TABLES = ['activity_logs', 'grade_policies', 'guardians', 'subjects', 'subscriptions', 'transport_routes', 'pickup_points', 'subscription_payments', 'teachers', 'school_classes', 'class_subjects', 'exams', 'students', 'exam_subjects', 'promotion_records', 'student_attendance', 'student_documents', 'student_enrollments', 'student_guardians', 'transport_enrollments', 'student_marks']


def upgrade() -> None:
    op.create_table('activity_logs',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=100), nullable=True),
    sa.Column('entity_type', sa.String(length=100), nullable=True),
    sa.Column('entity_id', sa.BigInteger(), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_activity_logs_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_logs'))
    )
    op.create_index('idx_activity_logs_school_timestamp', 'activity_logs', ['school_id', 'timestamp'], unique=False)
    op.create_index(op.f('ix_activity_logs_school_id'), 'activity_logs', ['school_id'], unique=False)
    op.create_table('grade_policies',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('min_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('max_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    postgresql.ExcludeConstraint((sa.text("int8range(school_id, school_id, '[]')"), '&&'), (sa.text("numrange(min_percent, max_percent, '[]')"), '&&'), where=sa.text('active'), using='gist', name='ex_grade_policies_no_overlap'),
    sa.CheckConstraint('min_percent >= 0 AND max_percent <= 100 AND min_percent <= max_percent', name=op.f('ck_grade_policies_range_valid')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_grade_policies_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_policies')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_grade_policies_school_id_id'))
    )
    op.create_index('idx_grade_school', 'grade_policies', ['school_id'], unique=False)
    op.create_index(op.f('ix_grade_policies_school_id'), 'grade_policies', ['school_id'], unique=False)
    op.create_table('guardians',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('aadhar_number', sa.String(length=20), nullable=True),
    sa.Column('relation', sa.String(length=50), nullable=True),
    sa.Column('contact_number', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('occupation', sa.String(length=100), nullable=True),
    sa.Column('qualification', sa.String(length=100), nullable=True),
    sa.Column('whatsapp_enabled', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('photo_url', sa.String(length=1000), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_guardians_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardians')),
    sa.UniqueConstraint('school_id', 'contact_number', name='uk_guardian_school_contact'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_guardians_school_id_id'))
    )
    op.create_index('idx_guardian_school_aadhar', 'guardians', ['school_id', 'aadhar_number'], unique=False)
    op.create_index(op.f('ix_guardians_school_id'), 'guardians', ['school_id'], unique=False)
    op.create_table('subjects',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=True),
    sa.Column('type', sa.String(length=50), nullable=True),
    sa.Column('max_marks', sa.Integer(), nullable=True),
    sa.Column('min_marks', sa.Integer(), nullable=True),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_subjects_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_subjects_school_id_id')),
    sa.UniqueConstraint('school_id', 'name', name='uk_subject_school_name')
    )
    op.create_index(op.f('ix_subjects_school_id'), 'subjects', ['school_id'], unique=False)
    op.create_table('subscriptions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('plan_name', sa.String(length=100), nullable=False),
    sa.Column('student_limit', sa.Integer(), nullable=True),
    sa.Column('monthly_price', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('auto_renew', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_subscriptions_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_subscriptions_school_id_id'))
    )
    op.create_index(op.f('ix_subscriptions_school_id'), 'subscriptions', ['school_id'], unique=False)
    op.create_table('transport_routes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), server_default='30', nullable=False),
    sa.Column('current_strength', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('current_strength >= 0 AND current_strength <= capacity', name=op.f('ck_transport_routes_strength_within_capacity')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_transport_routes_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_routes')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_transport_routes_school_id_id'))
    )
    op.create_index(op.f('ix_transport_routes_school_id'), 'transport_routes', ['school_id'], unique=False)
    op.create_table('pickup_points',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.Numeric(precision=15, scale=2), nullable=False),
    sa.Column('frequency', sa.Enum('MONTHLY', 'QUARTERLY', 'HALF_YEARLY', 'ANNUALLY', 'ONE_TIME', name='feefrequency', native_enum=False, length=20), nullable=False),
    sa.Column('route_id', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'route_id'], ['transport_routes.school_id', 'transport_routes.id'], name=op.f('fk_pickup_points_school_id_route_id_transport_routes')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_pickup_points_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_points')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_pickup_points_school_id_id'))
    )
    op.create_index(op.f('ix_pickup_points_school_id'), 'pickup_points', ['school_id'], unique=False)
    op.create_table('subscription_payments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('subscription_id', sa.BigInteger(), nullable=False),
    sa.Column('amount_paid', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('payment_date', sa.Date(), nullable=True),
    sa.Column('payment_mode', sa.String(length=30), nullable=True),
    sa.Column('transaction_reference', sa.String(length=100), nullable=True),
    sa.Column('invoice_url', sa.String(length=1000), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'subscription_id'], ['subscriptions.school_id', 'subscriptions.id'], name=op.f('fk_subscription_payments_school_id_subscription_id_subscriptions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_subscription_payments_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_payments'))
    )
    op.create_index(op.f('ix_subscription_payments_school_id'), 'subscription_payments', ['school_id'], unique=False)
    op.create_table('teachers',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_teachers_school_id_schools')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_teachers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teachers')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_teachers_school_id_id'))
    )
    op.create_index(op.f('ix_teachers_school_id'), 'teachers', ['school_id'], unique=False)
    op.create_index('uq_teachers_school_user', 'teachers', ['school_id', 'user_id'], unique=True, postgresql_where=sa.text('user_id IS NOT NULL'))
    op.create_table('school_classes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=True),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('class_teacher_id', sa.BigInteger(), nullable=True),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'class_teacher_id'], ['teachers.school_id', 'teachers.id'], name=op.f('fk_school_classes_school_id_class_teacher_id_teachers')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_school_classes_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_classes_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_classes')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_school_classes_school_id_id')),
    sa.UniqueConstraint('school_id', 'name', 'section', 'session_id', name='uk_school_class_school_name_section_session', postgresql_nulls_not_distinct=True)
    )
    op.create_index('idx_schoolclass_schoolid_name_session', 'school_classes', ['school_id', 'name', 'session_id'], unique=False)
    op.create_index(op.f('ix_school_classes_school_id'), 'school_classes', ['school_id'], unique=False)
    op.create_table('class_subjects',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('class_id', sa.BigInteger(), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('teacher_id', sa.BigInteger(), nullable=True),
    sa.Column('display_order', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'class_id'], ['school_classes.school_id', 'school_classes.id'], name=op.f('fk_class_subjects_school_id_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id', 'subject_id'], ['subjects.school_id', 'subjects.id'], name=op.f('fk_class_subjects_school_id_subject_id_subjects')),
    sa.ForeignKeyConstraint(['school_id', 'teacher_id'], ['teachers.school_id', 'teachers.id'], name=op.f('fk_class_subjects_school_id_teacher_id_teachers')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_class_subjects_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_subjects')),
    sa.UniqueConstraint('school_id', 'class_id', 'subject_id', name='uk_class_subject'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_class_subjects_school_id_id'))
    )
    op.create_index(op.f('ix_class_subjects_school_id'), 'class_subjects', ['school_id'], unique=False)
    op.create_table('exams',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('class_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('exam_type', sa.String(length=50), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('DRAFT', 'SCHEDULED', 'ONGOING', 'COMPLETED', 'LOCKED', name='examstatus', native_enum=False, length=20), server_default='DRAFT', nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'class_id'], ['school_classes.school_id', 'school_classes.id'], name=op.f('fk_exams_school_id_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_exams_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exams_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exams')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_exams_school_id_id'))
    )
    op.create_index('idx_exam_class_session', 'exams', ['class_id', 'session_id'], unique=False)
    op.create_index(op.f('ix_exams_school_id'), 'exams', ['school_id'], unique=False)
    op.create_table('students',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('admission_number', sa.String(length=50), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('dob', sa.Date(), nullable=True),
    sa.Column('gender', sa.Enum('MALE', 'FEMALE', 'OTHER', name='gender', native_enum=False, length=10), nullable=False),
    sa.Column('pen', sa.String(length=50), nullable=True),
    sa.Column('aadhar_number', sa.String(length=20), nullable=True),
    sa.Column('religion', sa.String(length=50), nullable=True),
    sa.Column('caste', sa.String(length=50), nullable=True),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('pincode', sa.String(length=20), nullable=True),
    sa.Column('contact_number', sa.String(length=30), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('blood_group', sa.String(length=10), nullable=True),
    sa.Column('photo_url', sa.String(length=1000), nullable=True),
    sa.Column('date_of_admission', sa.Date(), nullable=True),
    sa.Column('date_of_leaving', sa.Date(), nullable=True),
    sa.Column('reason_for_leaving', sa.String(length=500), nullable=True),
    sa.Column('previous_school_name', sa.String(length=255), nullable=True),
    sa.Column('previous_school_contact', sa.String(length=100), nullable=True),
    sa.Column('previous_school_address', sa.String(length=500), nullable=True),
    sa.Column('previous_school_board', sa.String(length=100), nullable=True),
    sa.Column('previous_class', sa.String(length=50), nullable=True),
    sa.Column('previous_year_of_passing', sa.String(length=10), nullable=True),
    sa.Column('transfer_certificate_number', sa.String(length=100), nullable=True),
    sa.Column('reason_for_leaving_previous_school', sa.String(length=500), nullable=True),
    sa.Column('current_status', sa.Enum('ENROLLED', 'PASSED_OUT', 'LEFT', 'SUSPENDED', 'WITHDRAWN', name='studentstatus', native_enum=False, length=20), nullable=True),
    sa.Column('current_class_id', sa.BigInteger(), nullable=True),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'current_class_id'], ['school_classes.school_id', 'school_classes.id'], name=op.f('fk_students_school_id_current_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_students_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_students')),
    sa.UniqueConstraint('school_id', 'admission_number', name='uq_students_school_admission_number'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_students_school_id_id'))
    )
    op.create_index('idx_student_school_aadhar', 'students', ['school_id', 'aadhar_number'], unique=False)
    op.create_index('idx_student_school_adm', 'students', ['school_id', 'admission_number'], unique=False)
    op.create_index(op.f('ix_students_school_id'), 'students', ['school_id'], unique=False)
    op.create_table('exam_subjects',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('exam_id', sa.BigInteger(), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('max_marks', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('max_marks > 0', name=op.f('ck_exam_subjects_max_marks_positive')),
    sa.ForeignKeyConstraint(['school_id', 'exam_id'], ['exams.school_id', 'exams.id'], name=op.f('fk_exam_subjects_school_id_exam_id_exams')),
    sa.ForeignKeyConstraint(['school_id', 'subject_id'], ['subjects.school_id', 'subjects.id'], name=op.f('fk_exam_subjects_school_id_subject_id_subjects')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exam_subjects_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_subjects')),
    sa.UniqueConstraint('school_id', 'exam_id', 'subject_id', name='uq_exam_subjects_exam_subject'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_exam_subjects_school_id_id'))
    )
    op.create_index(op.f('ix_exam_subjects_school_id'), 'exam_subjects', ['school_id'], unique=False)
    op.create_table('promotion_records',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('source_session_id', sa.BigInteger(), nullable=False),
    sa.Column('target_session_id', sa.BigInteger(), nullable=False),
    sa.Column('source_class_id', sa.BigInteger(), nullable=False),
    sa.Column('target_class_id', sa.BigInteger(), nullable=False),
    sa.Column('promotion_type', sa.Enum('PROMOTED', 'DETAINED', 'DOUBLE_PROMOTED', 'GRADUATED', name='promotiontype', native_enum=False, length=20), nullable=False),
    sa.Column('promoted_by', sa.String(length=255), nullable=False),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'source_class_id'], ['school_classes.school_id', 'school_classes.id'], name=op.f('fk_promotion_records_school_id_source_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id', 'source_session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_promotion_records_school_id_source_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_promotion_records_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id', 'target_class_id'], ['school_classes.school_id', 'school_classes.id'], name=op.f('fk_promotion_records_school_id_target_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id', 'target_session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_promotion_records_school_id_target_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_promotion_records_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotion_records')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_promotion_records_school_id_id'))
    )
    op.create_index('idx_promotion_student_target_session', 'promotion_records', ['student_id', 'target_session_id'], unique=False)
    op.create_index(op.f('ix_promotion_records_school_id'), 'promotion_records', ['school_id'], unique=False)
    op.create_table('student_attendance',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('class_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('attendance_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('PRESENT', 'ABSENT', 'LATE', 'HALF_DAY', 'LEAVE', name='attendancestatus', native_enum=False, length=20), nullable=False),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'class_id'], ['school_classes.school_id', 'school_classes.id'], name=op.f('fk_student_attendance_school_id_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_student_attendance_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_student_attendance_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_student_attendance_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_attendance')),
    sa.UniqueConstraint('school_id', 'class_id', 'student_id', 'attendance_date', 'session_id', name='uk_attendance'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_student_attendance_school_id_id'))
    )
    op.create_index('idx_attendance_school_date', 'student_attendance', ['school_id', 'attendance_date'], unique=False)
    op.create_index('idx_attendance_student_date', 'student_attendance', ['student_id', 'attendance_date'], unique=False)
    op.create_index(op.f('ix_student_attendance_school_id'), 'student_attendance', ['school_id'], unique=False)
    op.create_table('student_documents',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('file_type', sa.String(length=100), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('file_url', sa.String(length=1000), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_student_documents_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_student_documents_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_documents')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_student_documents_school_id_id'))
    )
    op.create_index('idx_student_document_student', 'student_documents', ['student_id'], unique=False)
    op.create_index(op.f('ix_student_documents_school_id'), 'student_documents', ['school_id'], unique=False)
    op.create_table('student_enrollments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('class_id', sa.BigInteger(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=True),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('roll_number', sa.Integer(), nullable=True),
    sa.Column('enrollment_date', sa.Date(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('admission_type', sa.Enum('NEW', 'TRANSFER', 'READMISSION', 'PROMOTION', name='admissiontype', native_enum=False, length=20), nullable=True),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'class_id'], ['school_classes.school_id', 'school_classes.id'], name=op.f('fk_student_enrollments_school_id_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_student_enrollments_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_student_enrollments_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_student_enrollments_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_enrollments')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_student_enrollments_school_id_id'))
    )
    op.create_index('idx_enroll_student_session', 'student_enrollments', ['student_id', 'session_id'], unique=False)
    op.create_index(op.f('ix_student_enrollments_school_id'), 'student_enrollments', ['school_id'], unique=False)
    op.create_index('uk_student_session_active', 'student_enrollments', ['student_id', 'session_id'], unique=True, postgresql_where=sa.text('active'))
    op.create_table('student_guardians',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('guardian_id', sa.BigInteger(), nullable=False),
    sa.Column('primary_guardian', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'guardian_id'], ['guardians.school_id', 'guardians.id'], name=op.f('fk_student_guardians_school_id_guardian_id_guardians')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_student_guardians_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_student_guardians_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_guardians')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_student_guardians_school_id_id')),
    sa.UniqueConstraint('student_id', 'guardian_id', name='uk_student_guardian')
    )
    op.create_index(op.f('ix_student_guardians_school_id'), 'student_guardians', ['school_id'], unique=False)
    op.create_table('transport_enrollments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('pickup_point_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'pickup_point_id'], ['pickup_points.school_id', 'pickup_points.id'], name=op.f('fk_transport_enrollments_school_id_pickup_point_id_pickup_points')),
    sa.ForeignKeyConstraint(['school_id', 'session_id'], ['academic_sessions.school_id', 'academic_sessions.id'], name=op.f('fk_transport_enrollments_school_id_session_id_academic_sessions')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_transport_enrollments_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_transport_enrollments_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_enrollments')),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_transport_enrollments_school_id_id')),
    sa.UniqueConstraint('school_id', 'student_id', 'session_id', name='uq_transport_enrollments_student_session')
    )
    op.create_index('idx_transport_enrollment_student', 'transport_enrollments', ['student_id', 'session_id'], unique=False)
    op.create_index(op.f('ix_transport_enrollments_school_id'), 'transport_enrollments', ['school_id'], unique=False)
    op.create_table('student_marks',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('exam_id', sa.BigInteger(), nullable=False),
    sa.Column('exam_subject_id', sa.BigInteger(), nullable=False),
    sa.Column('student_id', sa.BigInteger(), nullable=False),
    sa.Column('marks_obtained', sa.Integer(), nullable=False),
    sa.Column('remarks', sa.String(length=500), nullable=True),
    sa.Column('school_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('marks_obtained >= 0', name=op.f('ck_student_marks_marks_not_negative')),
    sa.ForeignKeyConstraint(['school_id', 'exam_id'], ['exams.school_id', 'exams.id'], name=op.f('fk_student_marks_school_id_exam_id_exams')),
    sa.ForeignKeyConstraint(['school_id', 'exam_subject_id'], ['exam_subjects.school_id', 'exam_subjects.id'], name=op.f('fk_student_marks_school_id_exam_subject_id_exam_subjects')),
    sa.ForeignKeyConstraint(['school_id', 'student_id'], ['students.school_id', 'students.id'], name=op.f('fk_student_marks_school_id_student_id_students')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_student_marks_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_marks')),
    sa.UniqueConstraint('school_id', 'exam_id', 'student_id', 'exam_subject_id', name='uq_student_marks_exam_student_subject'),
    sa.UniqueConstraint('school_id', 'id', name=op.f('uq_student_marks_school_id_id'))
    )
    op.create_index(op.f('ix_student_marks_school_id'), 'student_marks', ['school_id'], unique=False)
    op.create_index("uq_academic_sessions_one_active", "academic_sessions", ["school_id"], unique=True,
                    postgresql_where=sa.text("active"))
    for table in TENANT_TABLES:
        enable_tenant_rls(table, "school_id")
    append_only("activity_logs", "promotion_records")


def downgrade() -> None:
    op.drop_index("uq_academic_sessions_one_active", table_name="academic_sessions")
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_index(op.f('ix_student_marks_school_id'), table_name='student_marks')
    op.drop_table('student_marks')
    op.drop_index(op.f('ix_transport_enrollments_school_id'), table_name='transport_enrollments')
    op.drop_index('idx_transport_enrollment_student', table_name='transport_enrollments')
    op.drop_table('transport_enrollments')
    op.drop_index(op.f('ix_student_guardians_school_id'), table_name='student_guardians')
    op.drop_table('student_guardians')
    op.drop_index('uk_student_session_active', table_name='student_enrollments', postgresql_where=sa.text('active'))
    op.drop_index(op.f('ix_student_enrollments_school_id'), table_name='student_enrollments')
    op.drop_index('idx_enroll_student_session', table_name='student_enrollments')
    op.drop_table('student_enrollments')
    op.drop_index(op.f('ix_student_documents_school_id'), table_name='student_documents')
    op.drop_index('idx_student_document_student', table_name='student_documents')
    op.drop_table('student_documents')
    op.drop_index(op.f('ix_student_attendance_school_id'), table_name='student_attendance')
    op.drop_index('idx_attendance_student_date', table_name='student_attendance')
    op.drop_index('idx_attendance_school_date', table_name='student_attendance')
    op.drop_table('student_attendance')
    op.drop_index(op.f('ix_promotion_records_school_id'), table_name='promotion_records')
    op.drop_index('idx_promotion_student_target_session', table_name='promotion_records')
    op.drop_table('promotion_records')
    op.drop_index(op.f('ix_exam_subjects_school_id'), table_name='exam_subjects')
    op.drop_table('exam_subjects')
    op.drop_index(op.f('ix_students_school_id'), table_name='students')
    op.drop_index('idx_student_school_adm', table_name='students')
    op.drop_index('idx_student_school_aadhar', table_name='students')
    op.drop_table('students')
    op.drop_index(op.f('ix_exams_school_id'), table_name='exams')
    op.drop_index('idx_exam_class_session', table_name='exams')
    op.drop_table('exams')
    op.drop_index(op.f('ix_class_subjects_school_id'), table_name='class_subjects')
    op.drop_table('class_subjects')
    op.drop_index(op.f('ix_school_classes_school_id'), table_name='school_classes')
    op.drop_index('idx_schoolclass_schoolid_name_session', table_name='school_classes')
    op.drop_table('school_classes')
    op.drop_index('uq_teachers_school_user', table_name='teachers', postgresql_where=sa.text('user_id IS NOT NULL'))
    op.drop_index(op.f('ix_teachers_school_id'), table_name='teachers')
    op.drop_table('teachers')
    op.drop_index(op.f('ix_subscription_payments_school_id'), table_name='subscription_payments')
    op.drop_table('subscription_payments')
    op.drop_index(op.f('ix_pickup_points_school_id'), table_name='pickup_points')
    op.drop_table('pickup_points')
    op.drop_index(op.f('ix_transport_routes_school_id'), table_name='transport_routes')
    op.drop_table('transport_routes')
    op.drop_index(op.f('ix_subscriptions_school_id'), table_name='subscriptions')
    op.drop_table('subscriptions')
    op.drop_index(op.f('ix_subjects_school_id'), table_name='subjects')
    op.drop_table('subjects')
    op.drop_index(op.f('ix_guardians_school_id'), table_name='guardians')
    op.drop_index('idx_guardian_school_aadhar', table_name='guardians')
    op.drop_table('guardians')
    op.drop_index(op.f('ix_grade_policies_school_id'), table_name='grade_policies')
    op.drop_index('idx_grade_school', table_name='grade_policies')
    op.drop_table('grade_policies')
    op.drop_index(op.f('ix_activity_logs_school_id'), table_name='activity_logs')
    op.drop_index('idx_activity_logs_school_timestamp', table_name='activity_logs')
    op.drop_table('activity_logs')
