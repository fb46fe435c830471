"""Seed 000 `booking/`: bookings and their lifecycle, approval, cancellation, modification,
conversion, calendar and waitlist. Workflow mutations below; their services in
resolvers/booking/ (lifecycle.py, cancellation.py, modification.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

import models as m
from auth.permissions import AUTHENTICATED, declare
from resolvers.booking import cancellation, lifecycle, modification
from kit.registry import spec_for_model
from kit.connection import graphql_enum
from kit.declared import type_of
from kit.workflow import workflow
from kit.mutations import decode_ref, payload_type, run_mutation
from models.hostel.access import ADMINS, STAFF

# Types, root lists, node access, field rules and the config mutations (ApprovalSettings,
# CancellationPolicy, CalendarBlock) come from the models' `__entity__` (models/booking).


@strawberry.type
class Query:
    """No hand-written query: every booking list is declared on its model."""


# ---- workflow mutations ---------------------------------------------------------------------------


GenderEnum = graphql_enum(m.Gender)
BookingSourceEnum = graphql_enum(m.BookingSource)
NoteVisibilityEnum = graphql_enum(m.NoteVisibility)


@strawberry.input(description="The guest who will stay (one per booking).")
class BookingGuestInput:
    full_name: str
    phone: str
    gender: GenderEnum  # type: ignore[valid-type]
    email: str | None = None
    date_of_birth: dt.date | None = None
    institution: str | None = None
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    guardian_relation: str | None = None
    consent_terms: bool = False
    consent_marketing: bool = False


@strawberry.input(description="A booking request: a bed of a room type from a date, for a guest.")
class BookingCreateInput:
    room_type_id: strawberry.ID = strawberry.field(description="Global ID of the RoomTypeDefinition to book.")
    check_in_date: dt.date = strawberry.field(description="The first night (the hostel's local date).")
    duration_months: int = strawberry.field(description="Check-out = check-in + this many months.")
    guest: BookingGuestInput = strawberry.field(description="Who will stay: name, contacts, documents.")
    hostel_id: strawberry.ID | None = strawberry.field(
        default=None, description="The hostel to book: required outside your own hostel (visitors); staff omit it."
    )
    source: BookingSourceEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Staff: WALK_IN (default), PHONE, REFERRAL...; online: WEBSITE (default) or MOBILE_APP.",
    )
    special_requests: str | None = strawberry.field(default=None, description="Anything the hostel should know.")


def _id_input(name: str) -> Any:
    return strawberry.input(type(name, (), {"__annotations__": {"id": strawberry.ID}}), name=name)


@strawberry.input
class BookingCancelInput:
    id: strawberry.ID
    reason: str | None = None


@strawberry.input
class BookingModifyInput:
    id: strawberry.ID
    check_in_date: dt.date | None = None
    duration_months: int | None = None
    room_type_id: strawberry.ID | None = None
    reason: str | None = None


@strawberry.input
class WaitlistJoinInput:
    room_type_id: strawberry.ID
    from_date: dt.date
    to_date: dt.date = strawberry.field(description="End of the wanted stay (exclusive).")
    contact_name: str
    gender: GenderEnum  # type: ignore[valid-type]
    contact_email: str | None = None
    contact_phone: str | None = None
    hostel_id: strawberry.ID | None = strawberry.field(default=None, description="Required outside your own hostel.")
    priority: int | None = strawberry.field(
        default=None, description="Staff only: lower is served first (default 100)."
    )


@strawberry.input
class BookingNoteAddInput:
    booking_id: strawberry.ID
    body: str
    visibility: NoteVisibilityEnum | None = None  # type: ignore[valid-type]
    pinned: bool = False


def _payload(name: str, model: type) -> type:
    type_of(model)  # the payload's entity field needs the generated type
    return payload_type(name, spec_for_model(model))


BookingCreatePayload = _payload("BookingCreatePayload", m.Booking)
BookingCancelPayload = _payload("BookingCancelPayload", m.Booking)
BookingModifyPayload = _payload("BookingModifyPayload", m.BookingModification)
WaitlistJoinPayload = _payload("WaitlistJoinPayload", m.BookingWaitlist)
BookingNoteAddPayload = _payload("BookingNoteAddPayload", m.BookingNote)

RULES = {
    "bookingCreate": AUTHENTICATED,
    "bookingCancel": AUTHENTICATED,
    "bookingModify": AUTHENTICATED,
    "waitlistJoin": AUTHENTICATED,
    "bookingNoteAdd": STAFF,
}
for _name, _rule in RULES.items():
    declare(f"Mutation.{_name}", _rule)


def _opt(gid: str | None, model: type, field: str) -> int | None:
    return None if gid is None else decode_ref(gid, model, field)


async def _run(info: Info, name: str, payload: type, work: Any) -> Any:
    return await run_mutation(info, RULES[name], payload, work)


@strawberry.type
class BookingMutation:
    @strawberry.mutation(
        description="Request a bed of a room type from the check-in date for some months. Staff book in "
        "their hostel (walk-in, phone); anyone logged in books a public hostel given "
        "hostelId. Priced on the check-in date; CONFLICT when no bed is free for the whole "
        "stay (join the waitlist instead). Approved at once when the hostel auto-approves."
    )
    async def booking_create(self, info: Info, input: BookingCreateInput) -> BookingCreatePayload:  # noqa: A002
        async def work() -> int:
            return await lifecycle.create(
                info.context,
                lifecycle.CreateIn(
                    hostel_id=_opt(input.hostel_id, m.Hostel, "hostelId"),
                    room_type_id=decode_ref(input.room_type_id, m.RoomTypeDefinition, "roomTypeId"),
                    check_in_date=input.check_in_date,
                    duration_months=input.duration_months,
                    guest=input.guest,
                    source=m.BookingSource(input.source.value) if input.source is not None else None,
                    special_requests=input.special_requests,
                ),
            )

        return await _run(info, "bookingCreate", BookingCreatePayload, work)

    @strawberry.mutation(
        description="Cancel a booking (staff, or the booker their own): the hostel's cancellation policy "
        "decides the refund of what was paid; the bed is released and the waitlist told."
    )
    async def booking_cancel(self, info: Info, input: BookingCancelInput) -> BookingCancelPayload:  # noqa: A002
        async def work() -> int:
            return await cancellation.cancel(info.context, decode_ref(input.id, m.Booking, "id"), input.reason)

        return await _run(info, "bookingCancel", BookingCancelPayload, work)

    @strawberry.mutation(
        description="Ask for other dates, duration or room type (the booker or staff): priced now, "
        "waiting for staff (bookingModificationApprove / Reject)."
    )
    async def booking_modify(self, info: Info, input: BookingModifyInput) -> BookingModifyPayload:  # noqa: A002
        async def work() -> int:
            return await modification.modify(
                info.context,
                modification.ModifyIn(
                    booking_id=decode_ref(input.id, m.Booking, "id"),
                    check_in_date=input.check_in_date,
                    duration_months=input.duration_months,
                    room_type_id=_opt(input.room_type_id, m.RoomTypeDefinition, "roomTypeId"),
                    reason=input.reason,
                ),
            )

        return await _run(info, "bookingModify", BookingModifyPayload, work)

    @strawberry.mutation(
        description="Wait for a bed of a room type over some dates (anyone logged in, for a public "
        "hostel; staff for theirs, with a priority): told when one frees."
    )
    async def waitlist_join(self, info: Info, input: WaitlistJoinInput) -> WaitlistJoinPayload:  # noqa: A002
        async def work() -> int:
            return await lifecycle.waitlist_join(
                info.context,
                lifecycle.WaitlistIn(
                    hostel_id=_opt(input.hostel_id, m.Hostel, "hostelId"),
                    room_type_id=decode_ref(input.room_type_id, m.RoomTypeDefinition, "roomTypeId"),
                    from_date=input.from_date,
                    to_date=input.to_date,
                    contact_name=input.contact_name,
                    gender=input.gender.value,
                    contact_email=input.contact_email,
                    contact_phone=input.contact_phone,
                    priority=input.priority,
                ),
            )

        return await _run(info, "waitlistJoin", WaitlistJoinPayload, work)

    @strawberry.mutation(description="A staff note on a booking.")
    async def booking_note_add(self, info: Info, input: BookingNoteAddInput) -> BookingNoteAddPayload:  # noqa: A002
        async def work() -> int:
            return await lifecycle.note_add(
                info.context,
                decode_ref(input.booking_id, m.Booking, "bookingId"),
                input.body,
                m.NoteVisibility(input.visibility.value) if input.visibility is not None else None,
                input.pinned,
            )

        return await _run(info, "bookingNoteAdd", BookingNoteAddPayload, work)


@strawberry.input
class GuestDocumentAddInput:
    booking_id: strawberry.ID
    document_type: graphql_enum(m.GuestDocumentType)  # type: ignore[valid-type]
    file: Upload | None = strawberry.field(
        default=None,
        description="The document's file, sent in this request (GraphQL multipart request): a PDF, an image, "
        "Word or Excel, recognised by its content. Give this or fileId.",
    )
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="Or a file you uploaded before for this booking (staff: fileUpload): its ID."
    )
    file_name: str | None = strawberry.field(
        default=None, description="What the document is called; default: the file's name."
    )
    expires_on: dt.date | None = None


for _model in (m.RefundTransaction, m.GuestDocument):
    type_of(_model)
GuestDocumentAddPayload = payload_type("GuestDocumentAddPayload", spec_for_model(m.GuestDocument))
RECORD_RULES = {"guestDocumentAdd": AUTHENTICATED}
for _name, _rule in RECORD_RULES.items():
    declare(f"Mutation.{_name}", _rule)


@strawberry.type
class BookingRecordsMutation:
    @strawberry.mutation(
        description="Attach a document (ID, photo, letter) to an open booking: its guest (the "
        "booker) or the hostel's staff. The file is stored in the hostel's file storage (`file`, or a "
        "file uploaded before: `fileId`); the booker and the hostel's staff read it (`file { downloadUrl }`)."
    )
    async def guest_document_add(self, info: Info, input: GuestDocumentAddInput) -> GuestDocumentAddPayload:  # noqa: A002
        async def work() -> int:
            return await cancellation.add_guest_document(
                info.context,
                decode_ref(input.booking_id, m.Booking, "bookingId"),
                m.GuestDocumentType(input.document_type.value),
                input.file,
                None if input.file_id is None else decode_ref(input.file_id, m.FileUpload, "fileId"),
                input.file_name,
                input.expires_on,
            )

        return await run_mutation(info, RECORD_RULES["guestDocumentAdd"], GuestDocumentAddPayload, work)


mutations = (
    # the staff's moves of the lifecycle: each is its service (resolvers/booking/lifecycle.py) in
    # the workflow frame; the services open their own scope in the booking's hostel and log
    workflow("bookingApprove", lifecycle.approve, STAFF, returns=m.Booking),
    workflow("bookingReject", lifecycle.reject, STAFF, returns=m.Booking),
    workflow("bookingConfirm", lifecycle.confirm, STAFF, returns=m.Booking),
    workflow("bookingCheckIn", lifecycle.check_in, STAFF, returns=m.Booking),
    workflow("bookingComplete", lifecycle.complete, STAFF, returns=m.Booking),
    workflow("bookingMarkNoShow", lifecycle.mark_no_show, STAFF, returns=m.Booking),
    workflow("bookingModificationApprove", modification.approve, STAFF, returns=m.BookingModification),
    workflow("bookingModificationReject", modification.reject, STAFF, returns=m.BookingModification),
    workflow("bookingNoteRemove", lifecycle.note_remove, STAFF, returns=m.BookingNote),
    BookingMutation,
    BookingRecordsMutation,
    workflow("refundTransactionProcess", cancellation.process_refund, ADMINS, returns=m.RefundTransaction),
    workflow("guestDocumentVerify", cancellation.verify_guest_document, STAFF, returns=m.GuestDocument),
)
