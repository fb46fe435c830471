"""resident and guest documents reference stored files

A resident's document (`hostel_student_documents`) and a booking guest's (`guest_documents`)
now name a stored file (`file_id`, the file storage of issue 15) instead of an address the client
typed. Existing rows keep that address, read-only, in `legacy_file_url` (renamed from
`file_url`, data kept): there are no bytes of ours to move into the storage for them. A row has a
stored file or a legacy address (`ck_..._has_file`); new rows always get a stored file.

A file handed in for a booking (`file_uploads.booking_id`: a guest document's, or a
file-management document's of the booking) is readable by the booking's booker without a tenant
(`owner_read`).

Revision ID: 3ae81f6a3511
Revises: 5906ff12e790
Create Date: 2026-12-08 01:18:50.038228
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from migrations import rls

revision = '3ae81f6a3511'
down_revision = '5906ff12e790'
branch_labels = None
depends_on = None

TABLES = ("guest_documents", "hostel_student_documents")
FILE_COMMENT = (
    "The stored file (name, size, type, `downloadUrl`); null only for a document recorded before files were "
    "stored (see legacyFileUrl)."
)
LEGACY_COMMENT = (
    "Read-only: the address typed in for a document recorded before files were stored; null for every "
    "document with a stored file."
)
NAME_COMMENT = "What the document is called (by default its file's name)."


def upgrade() -> None:
    op.add_column('file_uploads', sa.Column('booking_id', sa.BigInteger(), nullable=True, comment="The booking it was handed in for (a guest's document): that booking's booker reads it too, without a tenant, as they read the booking."))
    op.create_foreign_key(op.f('fk_file_uploads_hostel_id_booking_id_bookings'), 'file_uploads', 'bookings', ['hostel_id', 'booking_id'], ['hostel_id', 'id'])
    for table in TABLES:
        # the typed-in address stays, read-only, under its new name (the data is kept)
        op.alter_column(table, 'file_url', new_column_name='legacy_file_url', existing_type=sa.VARCHAR(), nullable=True, comment=LEGACY_COMMENT)
        op.add_column(table, sa.Column('file_id', sa.BigInteger(), nullable=True, comment=FILE_COMMENT))
        op.alter_column(table, 'file_name', existing_type=sa.VARCHAR(), comment=NAME_COMMENT, existing_nullable=False)
        op.create_foreign_key(op.f(f'fk_{table}_hostel_id_file_id_file_uploads'), table, 'file_uploads', ['hostel_id', 'file_id'], ['hostel_id', 'id'])
        op.create_check_constraint(op.f(f'ck_{table}_has_file'), table, 'num_nonnulls(file_id, legacy_file_url) >= 1')
    # files already handed in as a booking's documents (documentSubmit) are that booking's: its
    # booker reads them
    op.execute(
        "UPDATE file_uploads f SET booking_id = d.booking_id FROM document_uploads d "
        "WHERE d.hostel_id = f.hostel_id AND d.file_id = f.id AND d.booking_id IS NOT NULL AND f.booking_id IS NULL"
    )
    rls.enable_owner_read_via_booking('file_uploads')


def downgrade() -> None:
    rls.drop_policy('file_uploads', 'owner_read')
    for table in reversed(TABLES):
        op.drop_constraint(op.f(f'ck_{table}_has_file'), table, type_='check')
        op.drop_constraint(op.f(f'fk_{table}_hostel_id_file_id_file_uploads'), table, type_='foreignkey')
        # a document with a stored file had no address: it gets the path of its file's download
        # in the API (a signed URL is asked for again through FileUpload.downloadUrl)
        op.execute(f"UPDATE {table} SET legacy_file_url = '/files/stored/' || file_id WHERE legacy_file_url IS NULL")
        op.drop_column(table, 'file_id')
        op.alter_column(table, 'file_name', existing_type=sa.VARCHAR(), comment=None, existing_comment=NAME_COMMENT, existing_nullable=False)
        op.alter_column(table, 'legacy_file_url', new_column_name='file_url', existing_type=sa.VARCHAR(), nullable=False, comment=None)
    op.drop_constraint(op.f('fk_file_uploads_hostel_id_booking_id_bookings'), 'file_uploads', type_='foreignkey')
    op.drop_column('file_uploads', 'booking_id')
