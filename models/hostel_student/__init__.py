"""Seed 000 `student/`: hostel residents (`HostelStudent`), their profile, preferences,
documents, guardian contacts and room transfer history."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, HostelTenantMixin, enum_column, hostel_table, many, ref
from models.students import Gender


class ResidentStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    NOTICE_PERIOD = "NOTICE_PERIOD"
    CHECKED_OUT = "CHECKED_OUT"
    SUSPENDED = "SUSPENDED"


class HostelStudent(HostelTenantMixin, Base):
    """A resident of a hostel, usually converted from a checked-in booking. The bed they sleep
    in is `currentBed` (Bed.current_student_id, kept with the active BedAssignment)."""

    __tablename__ = "hostel_students"
    __table_args__ = hostel_table(("booking_id", "bookings"), extra=(
        UniqueConstraint("hostel_id", "booking_id"),
        CheckConstraint("monthly_rent >= 0 AND security_deposit >= 0", name="money_non_negative"),
        CheckConstraint("check_out_date IS NULL OR check_out_date >= check_in_date", name="stay_ordered"),
    ))
    __filterable__ = ("full_name", "email", "phone", "gender", "status", "institution", "check_in_date",
                      "expected_check_out_date", "user_id", "booking_id")
    __sortable__ = ("full_name", "check_in_date", "created_at")

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    booking_id: Mapped[int | None]
    full_name: Mapped[str]
    email: Mapped[str | None]
    phone: Mapped[str | None]
    gender: Mapped[Gender] = enum_column(Gender)
    date_of_birth: Mapped[dt.date | None]
    institution: Mapped[str | None]
    course: Mapped[str | None]
    employer: Mapped[str | None]
    status: Mapped[ResidentStatus] = enum_column(ResidentStatus, ResidentStatus.ACTIVE)
    check_in_date: Mapped[dt.date]
    expected_check_out_date: Mapped[dt.date | None]
    notice_given_on: Mapped[dt.date | None]
    check_out_date: Mapped[dt.date | None]
    monthly_rent: Mapped[Decimal]
    security_deposit: Mapped[Decimal] = mapped_column(default=Decimal("0"), server_default="0")
    mess_opted: Mapped[bool] = mapped_column(default=False, server_default="false")
    id_verified: Mapped[bool] = mapped_column(default=False, server_default="false")

    booking: Mapped[Booking | None] = ref("HostelStudent", "booking_id", "Booking")
    documents: Mapped[list[HostelStudentDocument]] = many("HostelStudent", "HostelStudentDocument", "student_id")
    guardians: Mapped[list[GuardianContact]] = many("HostelStudent", "GuardianContact", "student_id")
    transfers: Mapped[list[RoomTransferHistory]] = many("HostelStudent", "RoomTransferHistory", "student_id")
    bed_assignments: Mapped[list[BedAssignment]] = many("HostelStudent", "BedAssignment", "student_id")


class StudentProfile(HostelTenantMixin, Base):
    __tablename__ = "hostel_student_profiles"
    __table_args__ = hostel_table(("student_id", "hostel_students"), extra=(
        UniqueConstraint("student_id"),
        CheckConstraint("profile_completeness BETWEEN 0 AND 100", name="completeness_range"),
    ))
    __filterable__ = ("student_id", "blood_group", "profile_completeness")
    __sortable__ = ("created_at",)

    student_id: Mapped[int]
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

    student: Mapped[HostelStudent] = ref("StudentProfile", "student_id", "HostelStudent")


class DietType(enum.Enum):
    VEG = "VEG"
    NON_VEG = "NON_VEG"
    VEGAN = "VEGAN"
    JAIN = "JAIN"
    EGGETARIAN = "EGGETARIAN"


class StudentPreferences(HostelTenantMixin, Base):
    __tablename__ = "hostel_student_preferences"
    __table_args__ = hostel_table(("student_id", "hostel_students"), extra=(UniqueConstraint("student_id"),))
    __filterable__ = ("student_id", "diet", "language")
    __sortable__ = ("created_at",)

    student_id: Mapped[int]
    diet: Mapped[DietType] = enum_column(DietType, DietType.VEG)
    notification_channels: Mapped[list[str]] = mapped_column(ARRAY(Text), default=lambda: ["PUSH"],
                                                             server_default="{PUSH}")
    quiet_hours_from: Mapped[dt.time | None]
    quiet_hours_until: Mapped[dt.time | None]
    daily_digest: Mapped[bool] = mapped_column(default=False, server_default="false")
    language: Mapped[str] = mapped_column(default="en", server_default="en")
    discoverable_by_roommates: Mapped[bool] = mapped_column(default=True, server_default="true")
    roommate_preferences: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    theme: Mapped[str] = mapped_column(default="system", server_default="system")
    analytics_consent: Mapped[bool] = mapped_column(default=False, server_default="false")

    student: Mapped[HostelStudent] = ref("StudentPreferences", "student_id", "HostelStudent")


class ResidentDocumentType(enum.Enum):
    ID_PROOF = "ID_PROOF"
    ADDRESS_PROOF = "ADDRESS_PROOF"
    PHOTO = "PHOTO"
    ADMISSION_LETTER = "ADMISSION_LETTER"
    EMPLOYMENT_LETTER = "EMPLOYMENT_LETTER"
    RENTAL_AGREEMENT = "RENTAL_AGREEMENT"
    OTHER = "OTHER"


class HostelStudentDocument(ActiveMixin, HostelTenantMixin, Base):
    __tablename__ = "hostel_student_documents"
    __table_args__ = hostel_table(("student_id", "hostel_students"))
    __filterable__ = ("student_id", "document_type", "verified", "expires_on", "active")
    __sortable__ = ("created_at", "expires_on")

    student_id: Mapped[int]
    document_type: Mapped[ResidentDocumentType] = enum_column(ResidentDocumentType)
    file_name: Mapped[str]
    file_url: Mapped[str]
    verified: Mapped[bool] = mapped_column(default=False, server_default="false")
    verified_at: Mapped[dt.datetime | None]
    verified_by: Mapped[int | None]
    expires_on: Mapped[dt.date | None]

    student: Mapped[HostelStudent] = ref("HostelStudentDocument", "student_id", "HostelStudent")


class GuardianContact(ActiveMixin, HostelTenantMixin, Base):
    __tablename__ = "guardian_contacts"
    __table_args__ = hostel_table(("student_id", "hostel_students"))
    __filterable__ = ("student_id", "name", "relation", "is_emergency_contact", "active")
    __sortable__ = ("name",)

    student_id: Mapped[int]
    name: Mapped[str]
    relation: Mapped[str]
    phone: Mapped[str]
    email: Mapped[str | None]
    address: Mapped[str | None] = mapped_column(Text)
    occupation: Mapped[str | None]
    is_emergency_contact: Mapped[bool] = mapped_column(default=True, server_default="true")
    authorized_to_visit: Mapped[bool] = mapped_column(default=True, server_default="true")
    verified: Mapped[bool] = mapped_column(default=False, server_default="false")

    student: Mapped[HostelStudent] = ref("GuardianContact", "student_id", "HostelStudent")


class RoomTransferHistory(HostelTenantMixin, Base):
    """Append-only: one resident's move from one bed to another, with the rent change."""

    __tablename__ = "room_transfer_history"
    __table_args__ = hostel_table(("student_id", "hostel_students"), ("from_bed_id", "beds"), ("to_bed_id", "beds"),
                                  ("from_room_id", "rooms"), ("to_room_id", "rooms"))
    __filterable__ = ("student_id", "from_room_id", "to_room_id", "transfer_date")
    __sortable__ = ("transfer_date", "created_at")

    student_id: Mapped[int]
    from_room_id: Mapped[int]
    from_bed_id: Mapped[int]
    to_room_id: Mapped[int]
    to_bed_id: Mapped[int]
    transfer_date: Mapped[dt.date]
    reason: Mapped[str]
    old_monthly_rent: Mapped[Decimal]
    new_monthly_rent: Mapped[Decimal]

    student: Mapped[HostelStudent] = ref("RoomTransferHistory", "student_id", "HostelStudent")
    from_room: Mapped[Room] = ref("RoomTransferHistory", "from_room_id", "Room")
    to_room: Mapped[Room] = ref("RoomTransferHistory", "to_room_id", "Room")
    from_bed: Mapped[Bed] = ref("RoomTransferHistory", "from_bed_id", "Bed")
    to_bed: Mapped[Bed] = ref("RoomTransferHistory", "to_bed_id", "Bed")


__all__ = [name for name in dir() if name[:1].isupper()]
