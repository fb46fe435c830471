"""Seed 000 `booking/`: the booking lifecycle and everything hanging off one booking (guest,
assignment, approval or rejection, cancellation and refunds, modification, conversion to a
resident), the hostel's booking configuration, the calendar and the waitlist.

Lifecycle (seed): PENDING -> APPROVED -> CONFIRMED -> CHECKED_IN -> COMPLETED, with the
NO_SHOW and CANCELLED branches and REJECTED for a refused request (resolvers/booking/lifecycle.py).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auth.permissions import AUTHENTICATED
from models.base import (
    ActiveMixin,
    Base,
    CatalogueMixin,
    ComputedMixin,
    HostelTenantMixin,
    enum_column,
    hostel_table,
    no_overlap,
    reference,
)
from models.entity import Entity, Writes
from models.hostel.access import (
    ADMINS,
    BOOKER_OR_STAFF,
    CATALOGUE,
    STAFF,
    WAITLISTER_OR_STAFF,
    own_booking_rows,
    own_user_rows,
)
from models.students import Gender

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.file_management import FileUpload
    from models.hostel_student import HostelStudent
    from models.room.bed import Bed
    from models.room.room import Room
    from models.room.room_type import RoomTypeDefinition

# the booker reads a booking's records with it (staff: the hostel's)
by_booking = own_booking_rows()


class BookingStatus(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CONFIRMED = "CONFIRMED"
    CHECKED_IN = "CHECKED_IN"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"
    CANCELLED = "CANCELLED"


class BookingSource(enum.Enum):
    WEBSITE = "WEBSITE"
    MOBILE_APP = "MOBILE_APP"
    WALK_IN = "WALK_IN"
    PHONE = "PHONE"
    REFERRAL = "REFERRAL"


class Booking(HostelTenantMixin, Base):
    """A request for one bed of a room type for [check_in_date, check_out_date). Prices are
    fixed when the booking is made (monthly rent x months) and changed only by modifications."""

    __tablename__ = "bookings"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "reference"),
            CheckConstraint("check_out_date > check_in_date", name="stay_ordered"),
            CheckConstraint("duration_months >= 1", name="duration_positive"),
            CheckConstraint(
                "monthly_rent >= 0 AND security_deposit >= 0 AND total_amount >= 0 AND advance_amount >= 0 "
                "AND amount_paid >= 0",
                name="money_non_negative",
            ),
        )
    )
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=own_user_rows("booker_user_id"),
        list="bookings",
        about="Staff see the hostel's bookings; anyone else their own.",
        filter=(
            "reference",
            "status",
            "source",
            "room_type_id",
            "check_in_date",
            "check_out_date",
            "booker_user_id",
            "total_amount",
            "created_at",
        ),
        order=("check_in_date", "created_at", "total_amount"),
        owner="booker_user_id",  # a visitor reads their own bookings in any hostel
    )

    reference: Mapped[str]  # the booking's code, unique in its hostel (no `= mapped_column`: it would hide reference())
    booker_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    room_type: Mapped[RoomTypeDefinition] = reference()
    status: Mapped[BookingStatus] = enum_column(
        BookingStatus,
        BookingStatus.PENDING,
        comment="Where the booking is in its lifecycle; only the workflow mutations move it.",
    )
    source: Mapped[BookingSource] = enum_column(BookingSource, BookingSource.WEBSITE)
    check_in_date: Mapped[dt.date]
    duration_months: Mapped[int] = mapped_column(
        comment="Length of the stay: check-out is check-in plus this many months."
    )
    check_out_date: Mapped[dt.date] = mapped_column(comment="Exclusive: the bed is free again on this day.")
    monthly_rent: Mapped[Decimal] = mapped_column(comment="Rent per month, fixed when the booking was made.")
    security_deposit: Mapped[Decimal] = mapped_column(comment="Refundable deposit asked at check-in.")
    total_amount: Mapped[Decimal] = mapped_column(
        comment="Monthly rent times months; changed only by approved modifications."
    )
    advance_amount: Mapped[Decimal] = mapped_column(
        default=Decimal("0"), server_default="0", comment="The advance asked at approval."
    )
    amount_paid: Mapped[Decimal] = mapped_column(
        default=Decimal("0"),
        server_default="0",
        comment="What the guest has paid so far (the advance at confirmation).",
    )
    special_requests: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None]

    @classmethod
    def ids_booked_by(cls, user: Any) -> Any:
        """SELECT of the ids of the bookings `user` (a bound user id) made: what the booker
        reads of a booking's records (row filters and visibility; RLS `owner_read` says the same)."""
        from sqlalchemy import select

        table = cls.__table__
        return select(table.c.id).where(table.c.booker_user_id == user)


def _one_per_booking(extra: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    return hostel_table(extra=(UniqueConstraint("booking_id"), *extra))


class BookingStatusHistory(HostelTenantMixin, Base):
    """Append-only: every move of a booking's status, by whom and why."""

    __tablename__ = "booking_status_history"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=by_booking,
        list="bookingStatusHistory",
        filter=("booking_id", "from_status", "to_status", "created_at"),
        order=("created_at",),
        append_only=True,
        owner_via="booking_id",  # the booker reads it with their booking
    )

    booking: Mapped[Booking] = reference(back="status_history")
    from_status: Mapped[BookingStatus | None] = enum_column(BookingStatus)
    to_status: Mapped[BookingStatus] = enum_column(BookingStatus)
    reason: Mapped[str | None]


class NoteVisibility(enum.Enum):
    INTERNAL = "INTERNAL"
    GUEST = "GUEST"


class BookingNote(ActiveMixin, HostelTenantMixin, Base):
    """Staff notes on a booking; removing one deactivates it (soft delete)."""

    __tablename__ = "booking_notes"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF, list="bookingNotes", filter=("booking_id", "visibility", "pinned", "active"), order=("created_at",)
    )

    booking: Mapped[Booking] = reference(back="notes")
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[NoteVisibility] = enum_column(NoteVisibility, NoteVisibility.INTERNAL)
    pinned: Mapped[bool] = mapped_column(default=False, server_default="false")


class BookingGuest(HostelTenantMixin, Base):
    """The guest who will stay (one per booking): who they are and whom to call. Contact fields
    are for staff and the booker."""

    __tablename__ = "booking_guests"
    __table_args__ = _one_per_booking()
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=by_booking,
        list="bookingGuests",
        filter=("booking_id", "full_name", "email", "phone", "gender"),
        order=("full_name",),
        protect={
            attr: BOOKER_OR_STAFF
            for attr in (
                "email",
                "phone",
                "date_of_birth",
                "emergency_contact_name",
                "emergency_contact_phone",
                "guardian_name",
                "guardian_phone",
                "guardian_relation",
            )
        },
        owner_via="booking_id",  # the booker reads it with their booking
    )

    booking: Mapped[Booking] = reference()
    full_name: Mapped[str]
    email: Mapped[str | None]
    phone: Mapped[str]
    gender: Mapped[Gender] = enum_column(Gender)
    date_of_birth: Mapped[dt.date | None]
    institution: Mapped[str | None]
    emergency_contact_name: Mapped[str | None]
    emergency_contact_phone: Mapped[str | None]
    guardian_name: Mapped[str | None]
    guardian_phone: Mapped[str | None]
    guardian_relation: Mapped[str | None]
    consent_terms: Mapped[bool] = mapped_column(default=False, server_default="false")
    consent_marketing: Mapped[bool] = mapped_column(default=False, server_default="false")


class GuestDocumentType(enum.Enum):
    ID_PROOF = "ID_PROOF"
    PHOTO = "PHOTO"
    ADDRESS_PROOF = "ADDRESS_PROOF"
    ADMISSION_LETTER = "ADMISSION_LETTER"
    OTHER = "OTHER"


class GuestDocument(HostelTenantMixin, Base):
    """A document of a booking's guest (ID, photo, letter), a stored file (`file`), checked by
    staff. The hostel's staff and the booker (a visitor, without a tenant) read it, and its file."""

    __tablename__ = "guest_documents"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("num_nonnulls(file_id, legacy_file_url) >= 1", name="has_file"),)
    )
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=by_booking,
        list="guestDocuments",
        filter=("booking_id", "document_type", "verified", "expires_on"),
        order=("created_at",),
        owner_via="booking_id",  # the booker reads it with their booking
    )

    booking: Mapped[Booking] = reference(back="guest_documents")
    document_type: Mapped[GuestDocumentType] = enum_column(GuestDocumentType)
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
    expires_on: Mapped[dt.date | None]


class BookingAssignment(HostelTenantMixin, Base):
    """The bed held for a booking over its stay. The database refuses two active holds of one
    bed whose dates overlap (ex_booking_assignments_no_overlap)."""

    __tablename__ = "booking_assignments"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("ends_on > starts_on", name="dates_ordered"),
            no_overlap("ex_booking_assignments_no_overlap", "bed_id", "starts_on", "ends_on", "active"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="bookingAssignments",
        filter=("booking_id", "bed_id", "room_id", "starts_on", "ends_on", "active"),
        order=("starts_on", "created_at"),
    )

    booking: Mapped[Booking] = reference(back="assignments")
    bed: Mapped[Bed] = reference()
    room: Mapped[Room] = reference()
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    active: Mapped[bool] = mapped_column(default=True, server_default="true")
    released_at: Mapped[dt.datetime | None]
    release_reason: Mapped[str | None]


class BookingAssignmentHistory(HostelTenantMixin, Base):
    """Append-only: beds given to and taken from a booking."""

    __tablename__ = "booking_assignment_history"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="bookingAssignmentHistory",
        filter=("booking_id", "change", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    booking: Mapped[Booking] = reference()
    change: Mapped[str]  # ASSIGNED / REASSIGNED / RELEASED
    from_bed: Mapped[Bed | None] = reference()
    to_bed: Mapped[Bed | None] = reference()
    reason: Mapped[str | None]


class BookingApproval(HostelTenantMixin, Base):
    """A booking's approval: the final amounts, the advance asked and when it is due."""

    __tablename__ = "booking_approvals"
    __table_args__ = _one_per_booking(
        extra=(CheckConstraint("advance_required >= 0 AND final_monthly_rent >= 0", name="money_non_negative"),)
    )
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=by_booking,
        list="bookingApprovals",
        filter=("booking_id", "auto_approved", "created_at"),
        order=("created_at",),
        owner_via="booking_id",  # the booker reads it with their booking
    )

    booking: Mapped[Booking] = reference()
    auto_approved: Mapped[bool]
    final_monthly_rent: Mapped[Decimal]
    final_total_amount: Mapped[Decimal]
    advance_required: Mapped[Decimal]
    advance_due_on: Mapped[dt.date]
    message: Mapped[str | None] = mapped_column(Text)


class RejectionReason(enum.Enum):
    NO_AVAILABILITY = "NO_AVAILABILITY"
    INCOMPLETE_DETAILS = "INCOMPLETE_DETAILS"
    POLICY = "POLICY"
    OTHER = "OTHER"


class RejectionRecord(HostelTenantMixin, Base):
    """Why a booking was refused, with alternatives that were really free when it was refused:
    [{roomTypeId, name, freeBeds, monthlyRent}, ...]."""

    __tablename__ = "rejection_records"
    __table_args__ = _one_per_booking()
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=by_booking,
        list="rejectionRecords",
        filter=("booking_id", "reason_code", "created_at"),
        order=("created_at",),
        owner_via="booking_id",  # the booker reads it with their booking
    )

    booking: Mapped[Booking] = reference()
    reason_code: Mapped[RejectionReason] = enum_column(RejectionReason)
    reason: Mapped[str | None] = mapped_column(Text)
    suggested_alternatives: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")


class ApprovalSettings(HostelTenantMixin, Base):
    """Per hostel: whether bookings approve themselves, and up to what."""

    __tablename__ = "approval_settings"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", name="uq_approval_settings_one_per_hostel"),
            CheckConstraint("advance_percent BETWEEN 0 AND 100", name="advance_percent_range"),
            CheckConstraint("auto_approve_max_months >= 1 AND advance_due_days >= 0", name="limits_positive"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="approvalSettings",
        filter=("auto_approve",),
        order=("created_at",),
        write=Writes(
            ADMINS,
            fields=(
                "auto_approve",
                "auto_approve_max_months",
                "auto_assign_bed",
                "advance_percent",
                "advance_due_days",
                "approval_message",
            ),
        ),
    )

    auto_approve: Mapped[bool] = mapped_column(default=False, server_default="false")
    auto_approve_max_months: Mapped[int] = mapped_column(default=6, server_default="6")
    auto_assign_bed: Mapped[bool] = mapped_column(default=True, server_default="true")
    advance_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2),
        default=Decimal("25"),
        server_default="25",
        comment="The advance asked at approval, in percent of the total.",
    )
    advance_due_days: Mapped[int] = mapped_column(
        default=3, server_default="3", comment="Days after approval by which the advance is due."
    )
    approval_message: Mapped[str | None] = mapped_column(Text)


class RefundStatus(enum.Enum):
    NOT_APPLICABLE = "NOT_APPLICABLE"
    PENDING = "PENDING"
    PROCESSED = "PROCESSED"


class BookingCancellation(HostelTenantMixin, Base):
    """A booking's cancellation: who cancelled, how much notice was given, and the refund the
    policy in force granted of what was paid."""

    __tablename__ = "booking_cancellations"
    __table_args__ = _one_per_booking(
        extra=(CheckConstraint("refund_amount >= 0 AND refund_amount <= amount_paid", name="refund_within_paid"),)
    )
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=by_booking,
        list="bookingCancellations",
        filter=("booking_id", "refund_status", "created_at"),
        order=("created_at",),
        owner_via="booking_id",  # the booker reads it with their booking
    )

    booking: Mapped[Booking] = reference()
    policy: Mapped[CancellationPolicy | None] = reference()
    cancelled_by_guest: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    days_before_check_in: Mapped[int] = mapped_column(
        comment="Notice given: days from the cancellation to the check-in date."
    )
    refund_percent: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), comment="The policy tier's share of what was paid that is refunded."
    )
    amount_paid: Mapped[Decimal] = mapped_column(comment="What the guest had paid when the booking was cancelled.")
    refund_amount: Mapped[Decimal] = mapped_column(comment="What is refunded: amountPaid times refundPercent.")
    refund_status: Mapped[RefundStatus] = enum_column(RefundStatus)


class CancellationPolicy(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """Tiered refunds: `tiers` = [{"minDaysBefore": 30, "refundPercent": "100"}, ...]; the tier
    with the largest minDaysBefore not above the notice given applies (none: no refund). The
    newest active policy of a hostel is the one in force."""

    __tablename__ = "cancellation_policies"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=CATALOGUE,
        list="cancellationPolicies",
        about="Public for visitors (public hostels).",
        filter=("name", "effective_from", "active"),
        order=("effective_from", "name"),
        write=Writes(
            ADMINS,
            fields=("name", "description", "tiers", "refund_security_deposit", "effective_from"),
            required=("name", "tiers", "effective_from"),
            validate="resolvers.booking.cancellation.validate_policy",
        ),
    )

    name: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    tiers: Mapped[list[Any]] = mapped_column(
        default=list,
        server_default="[]",
        comment='Refund tiers: [{"minDaysBefore": 30, "refundPercent": "100"}, '
        "...]; the largest minDaysBefore not above the notice applies.",
    )
    refund_security_deposit: Mapped[bool] = mapped_column(default=True, server_default="true")
    effective_from: Mapped[dt.date] = mapped_column(comment="The newest active policy in effect is the one in force.")


class RefundMethod(enum.Enum):
    ORIGINAL_PAYMENT = "ORIGINAL_PAYMENT"
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH = "CASH"


class RefundTransaction(HostelTenantMixin, Base):
    """A refund owed to a booker after a cancellation, PENDING until it is paid out."""

    __tablename__ = "refund_transactions"
    __table_args__ = hostel_table(extra=(CheckConstraint("amount > 0", name="amount_positive"),))
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=by_booking,
        list="refundTransactions",
        filter=("booking_id", "status", "method", "created_at"),
        order=("created_at", "amount"),
        owner_via="booking_id",  # the booker reads it with their booking
    )

    booking: Mapped[Booking] = reference(back="refunds")
    cancellation: Mapped[BookingCancellation | None] = reference()
    amount: Mapped[Decimal]
    method: Mapped[RefundMethod] = enum_column(RefundMethod, RefundMethod.ORIGINAL_PAYMENT)
    status: Mapped[RefundStatus] = enum_column(RefundStatus, RefundStatus.PENDING)
    reference: Mapped[str | None]
    processed_at: Mapped[dt.datetime | None]


class BookingConversion(HostelTenantMixin, Base):
    """A checked-in booking turned into a resident."""

    __tablename__ = "booking_conversions"
    __table_args__ = _one_per_booking()
    __entity__ = Entity(
        read=STAFF, list="bookingConversions", filter=("booking_id", "student_id", "created_at"), order=("created_at",)
    )

    booking: Mapped[Booking] = reference()
    student: Mapped[HostelStudent] = reference()
    deposit_collected: Mapped[Decimal]
    first_rent_due_on: Mapped[dt.date]
    documents_transferred: Mapped[int]


class ConversionChecklist(HostelTenantMixin, Base):
    """What staff check before a checked-in booking becomes a resident (one per booking)."""

    __tablename__ = "conversion_checklists"
    __table_args__ = _one_per_booking()
    __entity__ = Entity(
        read=STAFF, list="conversionChecklists", filter=("booking_id", "completed"), order=("created_at",)
    )

    booking: Mapped[Booking] = reference()
    completed: Mapped[bool] = mapped_column(default=False, server_default="false")
    items_total: Mapped[int] = mapped_column(default=0, server_default="0")
    items_done: Mapped[int] = mapped_column(default=0, server_default="0")
    completed_at: Mapped[dt.datetime | None]


class ChecklistItem(HostelTenantMixin, Base):
    """One item of a conversion checklist, ticked by staff (who and when are recorded)."""

    __tablename__ = "checklist_items"
    __table_args__ = hostel_table(extra=(UniqueConstraint("checklist_id", "code"),))
    __entity__ = Entity(
        read=STAFF, list="checklistItems", filter=("checklist_id", "code", "done"), order=("created_at",)
    )

    checklist: Mapped[ConversionChecklist] = reference(back="items")
    code: Mapped[str]
    title: Mapped[str]
    done: Mapped[bool] = mapped_column(default=False, server_default="false")
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[int | None]


class ModificationType(enum.Enum):
    DATES = "DATES"
    DURATION = "DURATION"
    ROOM_TYPE = "ROOM_TYPE"
    COMBINED = "COMBINED"


class ModificationStatus(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class BookingModification(HostelTenantMixin, Base):
    """A requested change of a booking's dates, duration or room type, priced when asked and
    waiting for staff."""

    __tablename__ = "booking_modifications"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=by_booking,
        list="bookingModifications",
        filter=("booking_id", "modification_type", "status", "created_at"),
        order=("created_at",),
        owner_via="booking_id",  # the booker reads it with their booking
    )

    booking: Mapped[Booking] = reference(back="modifications")
    modification_type: Mapped[ModificationType] = enum_column(ModificationType)
    status: Mapped[ModificationStatus] = enum_column(ModificationStatus, ModificationStatus.PENDING)
    old_check_in_date: Mapped[dt.date]
    new_check_in_date: Mapped[dt.date]
    old_duration_months: Mapped[int]
    new_duration_months: Mapped[int]
    old_room_type: Mapped[RoomTypeDefinition] = reference()
    new_room_type: Mapped[RoomTypeDefinition] = reference()
    old_total_amount: Mapped[Decimal]
    new_total_amount: Mapped[Decimal]
    price_difference: Mapped[Decimal]
    reason: Mapped[str | None] = mapped_column(Text)


class ModificationApprovalRecord(HostelTenantMixin, Base):
    """Staff's decision on a requested modification (one per modification)."""

    __tablename__ = "modification_approval_records"
    __table_args__ = hostel_table(extra=(UniqueConstraint("modification_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="modificationApprovalRecords",
        filter=("modification_id", "approved", "created_at"),
        order=("created_at",),
    )

    modification: Mapped[BookingModification] = reference()
    approved: Mapped[bool]
    adjusted_total_amount: Mapped[Decimal | None]
    notes: Mapped[str | None] = mapped_column(Text)


class CalendarEventType(enum.Enum):
    CHECK_IN = "CHECK_IN"
    CHECK_OUT = "CHECK_OUT"
    BLOCK = "BLOCK"


class BookingCalendarEvent(HostelTenantMixin, Base):
    """Calendar entries written by the workflows (a confirmed booking's arrival and departure, a
    block), so the calendar view is one indexed range read."""

    __tablename__ = "booking_calendar_events"
    __table_args__ = hostel_table(extra=(UniqueConstraint("booking_id", "event_type"),))
    __entity__ = Entity(
        read=STAFF,
        list="bookingCalendarEvents",
        filter=("booking_id", "event_type", "event_date", "active"),
        order=("event_date",),
    )

    booking: Mapped[Booking | None] = reference()
    block: Mapped[CalendarBlock | None] = reference()
    event_type: Mapped[CalendarEventType] = enum_column(CalendarEventType)
    event_date: Mapped[dt.date] = mapped_column(index=True)
    title: Mapped[str]
    active: Mapped[bool] = mapped_column(default=True, server_default="true")


class DayAvailability(ComputedMixin, HostelTenantMixin, Base):
    """Free beds per day and room type, stored by `campus compute-analytics` for calendars."""

    __tablename__ = "day_availability"
    __table_args__ = hostel_table(extra=(UniqueConstraint("room_type_id", "day"),))
    __entity__ = Entity(
        read=STAFF,
        list="dayAvailability",
        about="Derived: see computedAt.",
        filter=("room_type_id", "day", "free_beds"),
        order=("day",),
    )

    room_type: Mapped[RoomTypeDefinition] = reference()
    day: Mapped[dt.date]
    total_beds: Mapped[int]
    free_beds: Mapped[int]


class BlockScope(enum.Enum):
    HOSTEL = "HOSTEL"
    ROOM = "ROOM"
    BED = "BED"


class CalendarBlock(ActiveMixin, HostelTenantMixin, Base):
    """Beds taken out of availability for [starts_on, ends_on): the whole hostel, a room or a bed."""

    __tablename__ = "calendar_blocks"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("ends_on > starts_on", name="dates_ordered"),
            CheckConstraint(
                "(scope = 'HOSTEL' AND room_id IS NULL AND bed_id IS NULL) OR "
                "(scope = 'ROOM' AND room_id IS NOT NULL AND bed_id IS NULL) OR "
                "(scope = 'BED' AND bed_id IS NOT NULL)",
                name="scope_target",
            ),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="calendarBlocks",
        filter=("scope", "room_id", "bed_id", "starts_on", "ends_on", "active"),
        order=("starts_on",),
        write=Writes(
            ADMINS,
            fields=("scope", "room_id", "bed_id", "starts_on", "ends_on", "reason"),
            required=("scope", "starts_on", "ends_on", "reason"),
        ),
    )

    scope: Mapped[BlockScope] = enum_column(BlockScope)
    room: Mapped[Room | None] = reference()
    bed: Mapped[Bed | None] = reference()
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    reason: Mapped[str]


class WaitlistStatus(enum.Enum):
    WAITING = "WAITING"
    NOTIFIED = "NOTIFIED"
    CONVERTED = "CONVERTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class BookingWaitlist(HostelTenantMixin, Base):
    """Someone waiting for a bed of a room type over [from_date, to_date); lower priority
    numbers are served first, then the earliest entry."""

    __tablename__ = "booking_waitlist"
    __table_args__ = hostel_table(extra=(CheckConstraint("to_date > from_date", name="dates_ordered"),))
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=own_user_rows("user_id"),
        list="bookingWaitlist",
        about="Staff see the hostel's waitlist; anyone else their own entries.",
        filter=("room_type_id", "status", "priority", "from_date", "user_id", "created_at"),
        order=("priority", "created_at", "from_date"),
        protect={attr: WAITLISTER_OR_STAFF for attr in ("contact_email", "contact_phone")},
        owner="user_id",
    )

    room_type: Mapped[RoomTypeDefinition] = reference()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    contact_name: Mapped[str]
    contact_email: Mapped[str | None]
    contact_phone: Mapped[str | None]
    gender: Mapped[Gender] = enum_column(Gender)
    from_date: Mapped[dt.date]
    to_date: Mapped[dt.date]
    priority: Mapped[int] = mapped_column(
        default=100, server_default="100", comment="Lower is served first, then the earliest entry."
    )
    status: Mapped[WaitlistStatus] = enum_column(WaitlistStatus, WaitlistStatus.WAITING)
    booking: Mapped[Booking | None] = reference()


class WaitlistNotification(HostelTenantMixin, Base):
    """A waitlist entry told that a bed freed for (part of) its dates, until the offer expires."""

    __tablename__ = "waitlist_notifications"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="waitlistNotifications",
        filter=("waitlist_id", "created_at", "expires_at"),
        order=("created_at",),
    )

    waitlist: Mapped[BookingWaitlist] = reference(back="notifications")
    bed: Mapped[Bed | None] = reference()
    available_from: Mapped[dt.date]
    available_to: Mapped[dt.date]
    message: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime]


__all__ = [name for name in dir() if name[:1].isupper()]
