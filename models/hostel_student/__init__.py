"""Seed 000 `student/`: hostel residents (`HostelStudent`), their profile, preferences,
documents, guardian contacts and room transfer history."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, many, reference
from models.entity import Entity, Writes
from models.hostel.access import MEMBERS, RESIDENT_OR_STAFF, STAFF_OR_SELF, own_resident_rows
from models.students import Gender

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.booking import Booking
    from models.file_management import FileUpload
    from models.room.assignment import BedAssignment
    from models.room.bed import Bed
    from models.room.room import Room

# personal records: staff see all, a resident their own
mine = own_resident_rows()
_MINE = "Staff see all; a resident their own."
PROFILE_FIELDS: tuple[str, ...] = (
    "blood_group",
    "nationality",
    "permanent_address",
    "alternate_phone",
    "medical_conditions",
    "allergies",
    "special_accommodations",
    "insurance_provider",
    "hobbies",
    "referral_source",
)


class ResidentStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    NOTICE_PERIOD = "NOTICE_PERIOD"
    CHECKED_OUT = "CHECKED_OUT"
    SUSPENDED = "SUSPENDED"


class HostelStudent(HostelTenantMixin, Base):
    """A resident of a hostel, usually converted from a checked-in booking. The bed they sleep
    in is `currentBed` (Bed.current_student_id, kept with the active BedAssignment)."""

    __tablename__ = "hostel_students"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "booking_id"),
            CheckConstraint("monthly_rent >= 0 AND security_deposit >= 0", name="money_non_negative"),
            CheckConstraint("check_out_date IS NULL OR check_out_date >= check_in_date", name="stay_ordered"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        list="hostelStudents",
        about="Residents. Residents see one another by name only; personal fields are for staff and the resident.",
        filter=(
            "full_name",
            "email",
            "phone",
            "gender",
            "status",
            "institution",
            "check_in_date",
            "expected_check_out_date",
            "user_id",
            "booking_id",
        ),
        order=("full_name", "check_in_date", "created_at"),
        # roommates see one another by name (and gender: rooms are single-gender); everything
        # else is for staff and the resident themselves
        protect={
            attr: STAFF_OR_SELF
            for attr in (
                "user_id",
                "email",
                "phone",
                "date_of_birth",
                "institution",
                "course",
                "employer",
                "status",
                "check_in_date",
                "expected_check_out_date",
                "notice_given_on",
                "check_out_date",
                "monthly_rent",
                "security_deposit",
                "mess_opted",
                "id_verified",
            )
        },
    )

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    booking: Mapped[Booking | None] = reference()
    full_name: Mapped[str]
    email: Mapped[str | None]
    phone: Mapped[str | None]
    gender: Mapped[Gender] = enum_column(Gender)
    date_of_birth: Mapped[dt.date | None]
    institution: Mapped[str | None]
    course: Mapped[str | None]
    employer: Mapped[str | None]
    status: Mapped[ResidentStatus] = enum_column(
        ResidentStatus,
        ResidentStatus.ACTIVE,
        comment="ACTIVE, in the NOTICE_PERIOD, CHECKED_OUT or SUSPENDED; moved by the workflows only.",
    )
    check_in_date: Mapped[dt.date]
    expected_check_out_date: Mapped[dt.date | None] = mapped_column(
        comment="Set when notice is given: the day the bed becomes free."
    )
    notice_given_on: Mapped[dt.date | None]
    check_out_date: Mapped[dt.date | None] = mapped_column(comment="The day the resident left (the bed was free).")
    monthly_rent: Mapped[Decimal] = mapped_column(comment="The rent of the resident's bed, per month.")
    security_deposit: Mapped[Decimal] = mapped_column(
        default=Decimal("0"), server_default="0", comment="The deposit collected at conversion."
    )
    mess_opted: Mapped[bool] = mapped_column(default=False, server_default="false")
    id_verified: Mapped[bool] = mapped_column(default=False, server_default="false")

    # BedAssignment (models/room) is the room domain's: its reference() will say back="bed_assignments"
    bed_assignments: Mapped[list[BedAssignment]] = many("HostelStudent", "BedAssignment", "student_id")


class StudentProfile(HostelTenantMixin, Base):
    """A hostel resident's extended profile (seed 000)."""

    __tablename__ = "hostel_student_profiles"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("student_id"),
            CheckConstraint("profile_completeness BETWEEN 0 AND 100", name="completeness_range"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=mine,
        list="studentProfiles",
        about=_MINE,
        filter=("student_id", "blood_group", "profile_completeness"),
        order=("created_at",),
        write=Writes(
            MEMBERS,
            fields=PROFILE_FIELDS,
            verbs=("update",),
            validate="resolvers.hostel_student.service.profile_completeness",
        ),
    )

    student: Mapped[HostelStudent] = reference()
    blood_group: Mapped[str | None]
    nationality: Mapped[str | None]
    permanent_address: Mapped[str | None] = mapped_column(Text)
    alternate_phone: Mapped[str | None]
    medical_conditions: Mapped[str | None] = mapped_column(Text)
    allergies: Mapped[str | None]
    special_accommodations: Mapped[str | None]
    insurance_provider: Mapped[str | None]
    hobbies: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    referral_source: Mapped[str | None]
    profile_completeness: Mapped[int] = mapped_column(default=0, server_default="0")


class DietType(enum.Enum):
    VEG = "VEG"
    NON_VEG = "NON_VEG"
    VEGAN = "VEGAN"
    JAIN = "JAIN"
    EGGETARIAN = "EGGETARIAN"


class StudentPreferences(HostelTenantMixin, Base):
    """A hostel resident's preferences (seed 000)."""

    __tablename__ = "hostel_student_preferences"
    __table_args__ = hostel_table(extra=(UniqueConstraint("student_id"),))
    __entity__ = Entity(
        read=MEMBERS,
        rows=mine,
        list="studentPreferences",
        about=_MINE,
        filter=("student_id", "diet", "language"),
        order=("created_at",),
        write=Writes(
            MEMBERS,
            verbs=("update",),
            fields=(
                "diet",
                "notification_channels",
                "quiet_hours_from",
                "quiet_hours_until",
                "daily_digest",
                "language",
                "discoverable_by_roommates",
                "roommate_preferences",
                "theme",
                "analytics_consent",
            ),
        ),
    )

    student: Mapped[HostelStudent] = reference()
    diet: Mapped[DietType] = enum_column(DietType, DietType.VEG)
    notification_channels: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=lambda: ["PUSH"], server_default="{PUSH}"
    )
    quiet_hours_from: Mapped[dt.time | None]
    quiet_hours_until: Mapped[dt.time | None]
    daily_digest: Mapped[bool] = mapped_column(default=False, server_default="false")
    language: Mapped[str] = mapped_column(default="en", server_default="en")
    discoverable_by_roommates: Mapped[bool] = mapped_column(default=True, server_default="true")
    roommate_preferences: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    theme: Mapped[str] = mapped_column(default="system", server_default="system")
    analytics_consent: Mapped[bool] = mapped_column(default=False, server_default="false")


class ResidentDocumentType(enum.Enum):
    ID_PROOF = "ID_PROOF"
    ADDRESS_PROOF = "ADDRESS_PROOF"
    PHOTO = "PHOTO"
    ADMISSION_LETTER = "ADMISSION_LETTER"
    EMPLOYMENT_LETTER = "EMPLOYMENT_LETTER"
    RENTAL_AGREEMENT = "RENTAL_AGREEMENT"
    OTHER = "OTHER"


class HostelStudentDocument(ActiveMixin, HostelTenantMixin, Base):
    """A resident's document (ID, address proof, letters), a stored file (`file`), verified by
    staff. The resident and the hostel's staff read it, and its file."""

    __tablename__ = "hostel_student_documents"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("num_nonnulls(file_id, legacy_file_url) >= 1", name="has_file"),)
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=mine,
        list="hostelStudentDocuments",
        about=_MINE,
        filter=("student_id", "document_type", "verified", "expires_on", "active"),
        order=("created_at", "expires_on"),
    )

    student: Mapped[HostelStudent] = reference(back="documents")
    document_type: Mapped[ResidentDocumentType] = enum_column(ResidentDocumentType)
    file_name: Mapped[str] = mapped_column(comment="What the document is called (by default its file's name).")
    file: Mapped[FileUpload | None] = reference(
        target="FileUpload",
        comment="The stored file (name, size, type, `downloadUrl`); null only for a document recorded before "
        "files were stored (see legacyFileUrl).",
    )
    legacy_file_url: Mapped[str | None] = mapped_column(
        comment="Read-only: the address typed in for a document recorded before files were stored; "
        "null for every document with a stored file."
    )
    verified: Mapped[bool] = mapped_column(default=False, server_default="false")
    verified_at: Mapped[dt.datetime | None]
    verified_by: Mapped[int | None]
    expires_on: Mapped[dt.date | None]


class GuardianContact(ActiveMixin, HostelTenantMixin, Base):
    """A resident's parent, guardian or emergency contact. Residents keep their own (staff
    verify them); contact fields are for staff and the resident."""

    __tablename__ = "guardian_contacts"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=MEMBERS,
        rows=mine,
        list="guardianContacts",
        about=_MINE,
        filter=("student_id", "name", "relation", "is_emergency_contact", "active"),
        order=("name",),
        protect={attr: RESIDENT_OR_STAFF for attr in ("phone", "email", "address", "occupation")},
        write=Writes(
            MEMBERS,
            fields=(
                "student_id",
                "name",
                "relation",
                "phone",
                "email",
                "address",
                "occupation",
                "is_emergency_contact",
                "authorized_to_visit",
                "verified",
            ),
            required=("student_id", "name", "relation", "phone"),
            immutable=("student_id",),
            validate="resolvers.hostel_student.service.own_guardian",
        ),
    )

    student: Mapped[HostelStudent] = reference(back="guardians")
    name: Mapped[str]
    relation: Mapped[str]
    phone: Mapped[str]
    email: Mapped[str | None]
    address: Mapped[str | None] = mapped_column(Text)
    occupation: Mapped[str | None]
    is_emergency_contact: Mapped[bool] = mapped_column(
        default=True, server_default="true", comment="Called in an emergency."
    )
    authorized_to_visit: Mapped[bool] = mapped_column(
        default=True, server_default="true", comment="May visit the resident at the hostel."
    )
    verified: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="Checked by staff; residents cannot set it."
    )


class RoomTransferHistory(HostelTenantMixin, Base):
    """Append-only: one resident's move from one bed to another, with the rent change."""

    __tablename__ = "room_transfer_history"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=MEMBERS,
        rows=mine,
        list="roomTransferHistory",
        about=_MINE,
        filter=("student_id", "from_room_id", "to_room_id", "transfer_date"),
        order=("transfer_date", "created_at"),
        append_only=True,
    )

    student: Mapped[HostelStudent] = reference(back="transfers")
    from_room: Mapped[Room] = reference()
    from_bed: Mapped[Bed] = reference()
    to_room: Mapped[Room] = reference()
    to_bed: Mapped[Bed] = reference()
    transfer_date: Mapped[dt.date]
    reason: Mapped[str]
    old_monthly_rent: Mapped[Decimal]
    new_monthly_rent: Mapped[Decimal]


__all__ = [name for name in dir() if name[:1].isupper()]
