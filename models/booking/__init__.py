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
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import (ActiveMixin, Base, CatalogueMixin, ComputedMixin, HostelTenantMixin, enum_column,
                         hostel_table, many, no_overlap, ref)
from models.students import Gender


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
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("hostel_id", "reference"),
        CheckConstraint("check_out_date > check_in_date", name="stay_ordered"),
        CheckConstraint("duration_months >= 1", name="duration_positive"),
        CheckConstraint("monthly_rent >= 0 AND security_deposit >= 0 AND total_amount >= 0 AND advance_amount >= 0 "
                        "AND amount_paid >= 0", name="money_non_negative"),
    ))
    __filterable__ = ("reference", "status", "source", "room_type_id", "check_in_date", "check_out_date",
                      "booker_user_id", "total_amount", "created_at")
    __sortable__ = ("check_in_date", "created_at", "total_amount")
    __owner_key__ = "booker_user_id"  # a visitor reads their own bookings in any hostel

    reference: Mapped[str]
    booker_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    room_type_id: Mapped[int]
    status: Mapped[BookingStatus] = enum_column(BookingStatus, BookingStatus.PENDING)
    source: Mapped[BookingSource] = enum_column(BookingSource, BookingSource.WEBSITE)
    check_in_date: Mapped[dt.date]
    duration_months: Mapped[int]
    check_out_date: Mapped[dt.date]
    monthly_rent: Mapped[Decimal]
    security_deposit: Mapped[Decimal]
    total_amount: Mapped[Decimal]
    advance_amount: Mapped[Decimal] = mapped_column(default=Decimal("0"), server_default="0")
    amount_paid: Mapped[Decimal] = mapped_column(default=Decimal("0"), server_default="0")
    special_requests: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None]

    room_type: Mapped[RoomTypeDefinition] = ref("Booking", "room_type_id", "RoomTypeDefinition")
    status_history: Mapped[list[BookingStatusHistory]] = many("Booking", "BookingStatusHistory", "booking_id")
    notes: Mapped[list[BookingNote]] = many("Booking", "BookingNote", "booking_id")
    assignments: Mapped[list[BookingAssignment]] = many("Booking", "BookingAssignment", "booking_id")
    modifications: Mapped[list[BookingModification]] = many("Booking", "BookingModification", "booking_id")
    guest_documents: Mapped[list[GuestDocument]] = many("Booking", "GuestDocument", "booking_id")
    refunds: Mapped[list[RefundTransaction]] = many("Booking", "RefundTransaction", "booking_id")

    @classmethod
    def ids_booked_by(cls, user: Any) -> Any:
        """SELECT of the ids of the bookings `user` (a bound user id) made: what the booker
        reads of a booking's records (row filters and visibility; RLS `owner_read` says the same)."""
        from sqlalchemy import select

        table = cls.__table__
        return select(table.c.id).where(table.c.booker_user_id == user)


def _one_per_booking(*refs: tuple[str, str], extra: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    return hostel_table(("booking_id", "bookings"), *refs, extra=(UniqueConstraint("booking_id"), *extra))


class BookingStatusHistory(HostelTenantMixin, Base):
    """Append-only: every move of a booking's status, by whom and why."""

    __tablename__ = "booking_status_history"
    __table_args__ = hostel_table(("booking_id", "bookings"))
    __filterable__ = ("booking_id", "from_status", "to_status", "created_at")
    __sortable__ = ("created_at",)
    __owner_via__ = "booking_id"  # the booker reads it with their booking

    booking_id: Mapped[int]
    from_status: Mapped[BookingStatus | None] = enum_column(BookingStatus)
    to_status: Mapped[BookingStatus] = enum_column(BookingStatus)
    reason: Mapped[str | None]

    booking: Mapped[Booking] = ref("BookingStatusHistory", "booking_id", "Booking")


class NoteVisibility(enum.Enum):
    INTERNAL = "INTERNAL"
    GUEST = "GUEST"


class BookingNote(ActiveMixin, HostelTenantMixin, Base):
    """Staff notes on a booking; removing one deactivates it (soft delete)."""

    __tablename__ = "booking_notes"
    __table_args__ = hostel_table(("booking_id", "bookings"))
    __filterable__ = ("booking_id", "visibility", "pinned", "active")
    __sortable__ = ("created_at",)

    booking_id: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[NoteVisibility] = enum_column(NoteVisibility, NoteVisibility.INTERNAL)
    pinned: Mapped[bool] = mapped_column(default=False, server_default="false")

    booking: Mapped[Booking] = ref("BookingNote", "booking_id", "Booking")


class BookingGuest(HostelTenantMixin, Base):
    __tablename__ = "booking_guests"
    __table_args__ = _one_per_booking()
    __filterable__ = ("booking_id", "full_name", "email", "phone", "gender")
    __sortable__ = ("full_name",)
    __owner_via__ = "booking_id"  # the booker reads it with their booking

    booking_id: Mapped[int]
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

    booking: Mapped[Booking] = ref("BookingGuest", "booking_id", "Booking")


class GuestDocumentType(enum.Enum):
    ID_PROOF = "ID_PROOF"
    PHOTO = "PHOTO"
    ADDRESS_PROOF = "ADDRESS_PROOF"
    ADMISSION_LETTER = "ADMISSION_LETTER"
    OTHER = "OTHER"


class GuestDocument(HostelTenantMixin, Base):
    __tablename__ = "guest_documents"
    __table_args__ = hostel_table(("booking_id", "bookings"))
    __filterable__ = ("booking_id", "document_type", "verified", "expires_on")
    __sortable__ = ("created_at",)
    __owner_via__ = "booking_id"  # the booker reads it with their booking

    booking_id: Mapped[int]
    document_type: Mapped[GuestDocumentType] = enum_column(GuestDocumentType)
    file_name: Mapped[str]
    file_url: Mapped[str]
    verified: Mapped[bool] = mapped_column(default=False, server_default="false")
    verified_at: Mapped[dt.datetime | None]
    expires_on: Mapped[dt.date | None]

    booking: Mapped[Booking] = ref("GuestDocument", "booking_id", "Booking")


class BookingAssignment(HostelTenantMixin, Base):
    """The bed held for a booking over its stay. The database refuses two active holds of one
    bed whose dates overlap (ex_booking_assignments_no_overlap)."""

    __tablename__ = "booking_assignments"
    __table_args__ = hostel_table(("booking_id", "bookings"), ("bed_id", "beds"), ("room_id", "rooms"), extra=(
        CheckConstraint("ends_on > starts_on", name="dates_ordered"),
        no_overlap("ex_booking_assignments_no_overlap", "bed_id", "starts_on", "ends_on", "active"),
    ))
    __filterable__ = ("booking_id", "bed_id", "room_id", "starts_on", "ends_on", "active")
    __sortable__ = ("starts_on", "created_at")

    booking_id: Mapped[int]
    bed_id: Mapped[int]
    room_id: Mapped[int]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    active: Mapped[bool] = mapped_column(default=True, server_default="true")
    released_at: Mapped[dt.datetime | None]
    release_reason: Mapped[str | None]

    booking: Mapped[Booking] = ref("BookingAssignment", "booking_id", "Booking")
    bed: Mapped[Bed] = ref("BookingAssignment", "bed_id", "Bed")
    room: Mapped[Room] = ref("BookingAssignment", "room_id", "Room")


class BookingAssignmentHistory(HostelTenantMixin, Base):
    """Append-only: beds given to and taken from a booking."""

    __tablename__ = "booking_assignment_history"
    __table_args__ = hostel_table(("booking_id", "bookings"), ("from_bed_id", "beds"), ("to_bed_id", "beds"))
    __filterable__ = ("booking_id", "change", "created_at")
    __sortable__ = ("created_at",)

    booking_id: Mapped[int]
    change: Mapped[str]  # ASSIGNED / REASSIGNED / RELEASED
    from_bed_id: Mapped[int | None]
    to_bed_id: Mapped[int | None]
    reason: Mapped[str | None]

    booking: Mapped[Booking] = ref("BookingAssignmentHistory", "booking_id", "Booking")
    from_bed: Mapped[Bed | None] = ref("BookingAssignmentHistory", "from_bed_id", "Bed")
    to_bed: Mapped[Bed | None] = ref("BookingAssignmentHistory", "to_bed_id", "Bed")


class BookingApproval(HostelTenantMixin, Base):
    __tablename__ = "booking_approvals"
    __table_args__ = _one_per_booking(extra=(
        CheckConstraint("advance_required >= 0 AND final_monthly_rent >= 0", name="money_non_negative"),
    ))
    __filterable__ = ("booking_id", "auto_approved", "created_at")
    __sortable__ = ("created_at",)
    __owner_via__ = "booking_id"  # the booker reads it with their booking

    booking_id: Mapped[int]
    auto_approved: Mapped[bool]
    final_monthly_rent: Mapped[Decimal]
    final_total_amount: Mapped[Decimal]
    advance_required: Mapped[Decimal]
    advance_due_on: Mapped[dt.date]
    message: Mapped[str | None] = mapped_column(Text)

    booking: Mapped[Booking] = ref("BookingApproval", "booking_id", "Booking")


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
    __filterable__ = ("booking_id", "reason_code", "created_at")
    __sortable__ = ("created_at",)
    __owner_via__ = "booking_id"  # the booker reads it with their booking

    booking_id: Mapped[int]
    reason_code: Mapped[RejectionReason] = enum_column(RejectionReason)
    reason: Mapped[str | None] = mapped_column(Text)
    suggested_alternatives: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")

    booking: Mapped[Booking] = ref("RejectionRecord", "booking_id", "Booking")


class ApprovalSettings(HostelTenantMixin, Base):
    """Per hostel: whether bookings approve themselves, and up to what."""

    __tablename__ = "approval_settings"
    __table_args__ = hostel_table(extra=(
        UniqueConstraint("hostel_id", name="uq_approval_settings_one_per_hostel"),
        CheckConstraint("advance_percent BETWEEN 0 AND 100", name="advance_percent_range"),
        CheckConstraint("auto_approve_max_months >= 1 AND advance_due_days >= 0", name="limits_positive"),
    ))
    __filterable__ = ("auto_approve",)
    __sortable__ = ("created_at",)

    auto_approve: Mapped[bool] = mapped_column(default=False, server_default="false")
    auto_approve_max_months: Mapped[int] = mapped_column(default=6, server_default="6")
    auto_assign_bed: Mapped[bool] = mapped_column(default=True, server_default="true")
    advance_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("25"), server_default="25")
    advance_due_days: Mapped[int] = mapped_column(default=3, server_default="3")
    approval_message: Mapped[str | None] = mapped_column(Text)


class RefundStatus(enum.Enum):
    NOT_APPLICABLE = "NOT_APPLICABLE"
    PENDING = "PENDING"
    PROCESSED = "PROCESSED"


class BookingCancellation(HostelTenantMixin, Base):
    __tablename__ = "booking_cancellations"
    __table_args__ = _one_per_booking(("policy_id", "cancellation_policies"), extra=(
        CheckConstraint("refund_amount >= 0 AND refund_amount <= amount_paid", name="refund_within_paid"),
    ))
    __filterable__ = ("booking_id", "refund_status", "created_at")
    __sortable__ = ("created_at",)
    __owner_via__ = "booking_id"  # the booker reads it with their booking

    booking_id: Mapped[int]
    policy_id: Mapped[int | None]
    cancelled_by_guest: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    days_before_check_in: Mapped[int]
    refund_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    amount_paid: Mapped[Decimal]
    refund_amount: Mapped[Decimal]
    refund_status: Mapped[RefundStatus] = enum_column(RefundStatus)

    booking: Mapped[Booking] = ref("BookingCancellation", "booking_id", "Booking")
    policy: Mapped[CancellationPolicy | None] = ref("BookingCancellation", "policy_id", "CancellationPolicy")


class CancellationPolicy(CatalogueMixin, ActiveMixin, HostelTenantMixin, Base):
    """Tiered refunds: `tiers` = [{"minDaysBefore": 30, "refundPercent": "100"}, ...]; the tier
    with the largest minDaysBefore not above the notice given applies (none: no refund). The
    newest active policy of a hostel is the one in force."""

    __tablename__ = "cancellation_policies"
    __table_args__ = hostel_table()
    __filterable__ = ("name", "effective_from", "active")
    __sortable__ = ("effective_from", "name")

    name: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    tiers: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    refund_security_deposit: Mapped[bool] = mapped_column(default=True, server_default="true")
    effective_from: Mapped[dt.date]


class RefundMethod(enum.Enum):
    ORIGINAL_PAYMENT = "ORIGINAL_PAYMENT"
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH = "CASH"


class RefundTransaction(HostelTenantMixin, Base):
    __tablename__ = "refund_transactions"
    __table_args__ = hostel_table(("booking_id", "bookings"), ("cancellation_id", "booking_cancellations"), extra=(
        CheckConstraint("amount > 0", name="amount_positive"),
    ))
    __filterable__ = ("booking_id", "status", "method", "created_at")
    __sortable__ = ("created_at", "amount")
    __owner_via__ = "booking_id"  # the booker reads it with their booking

    booking_id: Mapped[int]
    cancellation_id: Mapped[int | None]
    amount: Mapped[Decimal]
    method: Mapped[RefundMethod] = enum_column(RefundMethod, RefundMethod.ORIGINAL_PAYMENT)
    status: Mapped[RefundStatus] = enum_column(RefundStatus, RefundStatus.PENDING)
    reference: Mapped[str | None]
    processed_at: Mapped[dt.datetime | None]

    booking: Mapped[Booking] = ref("RefundTransaction", "booking_id", "Booking")
    cancellation: Mapped[BookingCancellation | None] = ref("RefundTransaction", "cancellation_id", "BookingCancellation")


class BookingConversion(HostelTenantMixin, Base):
    """A checked-in booking turned into a resident."""

    __tablename__ = "booking_conversions"
    __table_args__ = _one_per_booking(("student_id", "hostel_students"))
    __filterable__ = ("booking_id", "student_id", "created_at")
    __sortable__ = ("created_at",)

    booking_id: Mapped[int]
    student_id: Mapped[int]
    deposit_collected: Mapped[Decimal]
    first_rent_due_on: Mapped[dt.date]
    documents_transferred: Mapped[int]

    booking: Mapped[Booking] = ref("BookingConversion", "booking_id", "Booking")
    student: Mapped[HostelStudent] = ref("BookingConversion", "student_id", "HostelStudent")


class ConversionChecklist(HostelTenantMixin, Base):
    __tablename__ = "conversion_checklists"
    __table_args__ = _one_per_booking()
    __filterable__ = ("booking_id", "completed")
    __sortable__ = ("created_at",)

    booking_id: Mapped[int]
    completed: Mapped[bool] = mapped_column(default=False, server_default="false")
    items_total: Mapped[int] = mapped_column(default=0, server_default="0")
    items_done: Mapped[int] = mapped_column(default=0, server_default="0")
    completed_at: Mapped[dt.datetime | None]

    booking: Mapped[Booking] = ref("ConversionChecklist", "booking_id", "Booking")
    items: Mapped[list[ChecklistItem]] = many("ConversionChecklist", "ChecklistItem", "checklist_id",
                                              order_by="ChecklistItem.id")


class ChecklistItem(HostelTenantMixin, Base):
    __tablename__ = "checklist_items"
    __table_args__ = hostel_table(("checklist_id", "conversion_checklists"), extra=(
        UniqueConstraint("checklist_id", "code"),
    ))
    __filterable__ = ("checklist_id", "code", "done")
    __sortable__ = ("created_at",)

    checklist_id: Mapped[int]
    code: Mapped[str]
    title: Mapped[str]
    done: Mapped[bool] = mapped_column(default=False, server_default="false")
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[int | None]

    checklist: Mapped[ConversionChecklist] = ref("ChecklistItem", "checklist_id", "ConversionChecklist")


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
    __tablename__ = "booking_modifications"
    __table_args__ = hostel_table(("booking_id", "bookings"), ("old_room_type_id", "room_type_definitions"),
                                  ("new_room_type_id", "room_type_definitions"))
    __filterable__ = ("booking_id", "modification_type", "status", "created_at")
    __sortable__ = ("created_at",)
    __owner_via__ = "booking_id"  # the booker reads it with their booking

    booking_id: Mapped[int]
    modification_type: Mapped[ModificationType] = enum_column(ModificationType)
    status: Mapped[ModificationStatus] = enum_column(ModificationStatus, ModificationStatus.PENDING)
    old_check_in_date: Mapped[dt.date]
    new_check_in_date: Mapped[dt.date]
    old_duration_months: Mapped[int]
    new_duration_months: Mapped[int]
    old_room_type_id: Mapped[int]
    new_room_type_id: Mapped[int]
    old_total_amount: Mapped[Decimal]
    new_total_amount: Mapped[Decimal]
    price_difference: Mapped[Decimal]
    reason: Mapped[str | None] = mapped_column(Text)

    booking: Mapped[Booking] = ref("BookingModification", "booking_id", "Booking")
    old_room_type: Mapped[RoomTypeDefinition] = ref("BookingModification", "old_room_type_id", "RoomTypeDefinition")
    new_room_type: Mapped[RoomTypeDefinition] = ref("BookingModification", "new_room_type_id", "RoomTypeDefinition")


class ModificationApprovalRecord(HostelTenantMixin, Base):
    __tablename__ = "modification_approval_records"
    __table_args__ = hostel_table(("modification_id", "booking_modifications"), extra=(
        UniqueConstraint("modification_id"),
    ))
    __filterable__ = ("modification_id", "approved", "created_at")
    __sortable__ = ("created_at",)

    modification_id: Mapped[int]
    approved: Mapped[bool]
    adjusted_total_amount: Mapped[Decimal | None]
    notes: Mapped[str | None] = mapped_column(Text)

    modification: Mapped[BookingModification] = ref("ModificationApprovalRecord", "modification_id",
                                                    "BookingModification")


class CalendarEventType(enum.Enum):
    CHECK_IN = "CHECK_IN"
    CHECK_OUT = "CHECK_OUT"
    BLOCK = "BLOCK"


class BookingCalendarEvent(HostelTenantMixin, Base):
    """Calendar entries written by the workflows (a confirmed booking's arrival and departure, a
    block), so the calendar view is one indexed range read."""

    __tablename__ = "booking_calendar_events"
    __table_args__ = hostel_table(("booking_id", "bookings"), ("block_id", "calendar_blocks"), extra=(
        UniqueConstraint("booking_id", "event_type"),
    ))
    __filterable__ = ("booking_id", "event_type", "event_date", "active")
    __sortable__ = ("event_date",)

    booking_id: Mapped[int | None]
    block_id: Mapped[int | None]
    event_type: Mapped[CalendarEventType] = enum_column(CalendarEventType)
    event_date: Mapped[dt.date] = mapped_column(index=True)
    title: Mapped[str]
    active: Mapped[bool] = mapped_column(default=True, server_default="true")

    booking: Mapped[Booking | None] = ref("BookingCalendarEvent", "booking_id", "Booking")
    block: Mapped[CalendarBlock | None] = ref("BookingCalendarEvent", "block_id", "CalendarBlock")


class DayAvailability(ComputedMixin, HostelTenantMixin, Base):
    """Free beds per day and room type, stored by `campus compute-analytics` for calendars."""

    __tablename__ = "day_availability"
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), extra=(
        UniqueConstraint("room_type_id", "day"),
    ))
    __filterable__ = ("room_type_id", "day", "free_beds")
    __sortable__ = ("day",)

    room_type_id: Mapped[int]
    day: Mapped[dt.date]
    total_beds: Mapped[int]
    free_beds: Mapped[int]

    room_type: Mapped[RoomTypeDefinition] = ref("DayAvailability", "room_type_id", "RoomTypeDefinition")


class BlockScope(enum.Enum):
    HOSTEL = "HOSTEL"
    ROOM = "ROOM"
    BED = "BED"


class CalendarBlock(ActiveMixin, HostelTenantMixin, Base):
    """Beds taken out of availability for [starts_on, ends_on): the whole hostel, a room or a bed."""

    __tablename__ = "calendar_blocks"
    __table_args__ = hostel_table(("room_id", "rooms"), ("bed_id", "beds"), extra=(
        CheckConstraint("ends_on > starts_on", name="dates_ordered"),
        CheckConstraint("(scope = 'HOSTEL' AND room_id IS NULL AND bed_id IS NULL) OR "
                        "(scope = 'ROOM' AND room_id IS NOT NULL AND bed_id IS NULL) OR "
                        "(scope = 'BED' AND bed_id IS NOT NULL)", name="scope_target"),
    ))
    __filterable__ = ("scope", "room_id", "bed_id", "starts_on", "ends_on", "active")
    __sortable__ = ("starts_on",)

    scope: Mapped[BlockScope] = enum_column(BlockScope)
    room_id: Mapped[int | None]
    bed_id: Mapped[int | None]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    reason: Mapped[str]

    room: Mapped[Room | None] = ref("CalendarBlock", "room_id", "Room")
    bed: Mapped[Bed | None] = ref("CalendarBlock", "bed_id", "Bed")


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
    __table_args__ = hostel_table(("room_type_id", "room_type_definitions"), ("booking_id", "bookings"), extra=(
        CheckConstraint("to_date > from_date", name="dates_ordered"),
    ))
    __filterable__ = ("room_type_id", "status", "priority", "from_date", "user_id", "created_at")
    __sortable__ = ("priority", "created_at", "from_date")
    __owner_key__ = "user_id"

    room_type_id: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    contact_name: Mapped[str]
    contact_email: Mapped[str | None]
    contact_phone: Mapped[str | None]
    gender: Mapped[Gender] = enum_column(Gender)
    from_date: Mapped[dt.date]
    to_date: Mapped[dt.date]
    priority: Mapped[int] = mapped_column(default=100, server_default="100")
    status: Mapped[WaitlistStatus] = enum_column(WaitlistStatus, WaitlistStatus.WAITING)
    booking_id: Mapped[int | None]

    room_type: Mapped[RoomTypeDefinition] = ref("BookingWaitlist", "room_type_id", "RoomTypeDefinition")
    booking: Mapped[Booking | None] = ref("BookingWaitlist", "booking_id", "Booking")
    notifications: Mapped[list[WaitlistNotification]] = many("BookingWaitlist", "WaitlistNotification", "waitlist_id")


class WaitlistNotification(HostelTenantMixin, Base):
    __tablename__ = "waitlist_notifications"
    __table_args__ = hostel_table(("waitlist_id", "booking_waitlist"), ("bed_id", "beds"))
    __filterable__ = ("waitlist_id", "created_at", "expires_at")
    __sortable__ = ("created_at",)

    waitlist_id: Mapped[int]
    bed_id: Mapped[int | None]
    available_from: Mapped[dt.date]
    available_to: Mapped[dt.date]
    message: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime]

    waitlist: Mapped[BookingWaitlist] = ref("WaitlistNotification", "waitlist_id", "BookingWaitlist")
    bed: Mapped[Bed | None] = ref("WaitlistNotification", "bed_id", "Bed")


__all__ = [name for name in dir() if name[:1].isupper()]
