"""Seed 000 `student/`: hostel residents and their profile, preferences, documents,
guardian contacts and transfer history. Workflows: `conversionChecklistStart`,
`checklistItemComplete`, `bookingConvert` (resolvers/hostel_student/conversion.py);
`roomTransfer`, `residentGiveNotice`, `residentCheckOut`, `hostelStudentDocumentAdd/Verify`
(resolvers/hostel_student/service.py); residents edit their own profile, preferences and
guardian contacts.

Residents see each other by name only (roommates): contact, money and personal fields are
for staff and the resident themselves (field rules below).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

import models as m
from auth.permissions import declare, protect
from kit.registry import spec_for_model
from resolvers.hostel_student import conversion, service
from kit.connection import graphql_enum
from kit.errors import ErrorCode, user_error
from kit.model_types import model_type, root_lists
from models.hostel.access import MEMBERS, STAFF, STAFF_OR_SELF, is_staff, my_student_ids, own_resident_rows
from kit.mutations import decode_ref, master_data_mutations, payload_type, run_workflow

# roommates see one another by name (and gender: rooms are single-gender); everything else is
# for staff and the resident themselves
protect("HostelStudent", "userId", "email", "phone", "dateOfBirth", "institution", "course", "employer", "status",
        "checkInDate", "expectedCheckOutDate", "noticeGivenOn", "checkOutDate", "monthlyRent", "securityDeposit",
        "messOpted", "idVerified", rule=STAFF_OR_SELF)
HostelStudent = model_type(m.HostelStudent)
StudentProfile = model_type(m.StudentProfile, description="A hostel resident's extended profile (seed 000).")
StudentPreferences = model_type(m.StudentPreferences, description="A hostel resident's preferences (seed 000).")
HostelStudentDocument = model_type(m.HostelStudentDocument)
GuardianContact = model_type(m.GuardianContact)
RoomTransferHistory = model_type(m.RoomTransferHistory)


mine = own_resident_rows()
Query = root_lists(
    "HostelStudentQuery",
    ("hostelStudents", m.HostelStudent, MEMBERS, None,
     "Residents. Residents see one another by name only; personal fields are for staff and the resident."),
    ("studentProfiles", m.StudentProfile, MEMBERS, mine, "Staff see all; a resident their own."),
    ("studentPreferences", m.StudentPreferences, MEMBERS, mine, "Staff see all; a resident their own."),
    ("hostelStudentDocuments", m.HostelStudentDocument, MEMBERS, mine, "Staff see all; a resident their own."),
    ("guardianContacts", m.GuardianContact, MEMBERS, mine, "Staff see all; a resident their own."),
    ("roomTransferHistory", m.RoomTransferHistory, MEMBERS, mine, "Staff see all; a resident their own."),
)

SELF_WRITE = {verb: MEMBERS for verb in ("create", "update", "deactivate")}
PROFILE_FIELDS = ("blood_group", "nationality", "permanent_address", "alternate_phone", "medical_conditions", "allergies",
                  "special_accommodations", "insurance_provider", "hobbies", "referral_source")


async def _own_guardian(ctx: Any, session: Any, guardian: Any) -> None:
    """Staff keep any resident's guardians; a resident only their own, and cannot mark one verified."""
    if is_staff(ctx):
        return
    if guardian.id is None:
        from kit.planner import Binder

        mine = (await session.scalars(my_student_ids(ctx, Binder(embed=True)))).all()
        if guardian.student_id not in mine:
            raise user_error(ErrorCode.NOT_FOUND, "No HostelStudent with this ID.", "studentId")
    from resolvers.room.service import changed

    if guardian.verified and (guardian.id is None or changed(guardian, "verified")):
        raise user_error(ErrorCode.FORBIDDEN, "Only staff verify a guardian contact.", "verified")


async def _profile_completeness(ctx: Any, session: Any, profile: Any) -> None:
    filled = sum(1 for f in PROFILE_FIELDS if getattr(profile, f))
    profile.profile_completeness = round(100 * filled / len(PROFILE_FIELDS))


mutations = (
    master_data_mutations(m.GuardianContact, writable=("student_id", "name", "relation", "phone", "email", "address",
                                                       "occupation", "is_emergency_contact", "authorized_to_visit",
                                                       "verified"),
                          required=("student_id", "name", "relation", "phone"), immutable=("student_id",),
                          permissions=SELF_WRITE, validate=_own_guardian),
    master_data_mutations(m.StudentProfile, writable=PROFILE_FIELDS, verbs=("update",),
                          permissions={"update": MEMBERS}, validate=_profile_completeness),
    master_data_mutations(m.StudentPreferences, writable=(
        "diet", "notification_channels", "quiet_hours_from", "quiet_hours_until", "daily_digest", "language",
        "discoverable_by_roommates", "roommate_preferences", "theme", "analytics_consent"), verbs=("update",),
        permissions={"update": MEMBERS}),
)


# ---- workflows: conversion, transfer, notice, check-out, documents ------------------------------

@strawberry.input
class ConversionChecklistStartInput:
    booking_id: strawberry.ID = strawberry.field(description="A CONFIRMED or CHECKED_IN booking.")


@strawberry.input
class ChecklistItemCompleteInput:
    item_id: strawberry.ID


@strawberry.input
class BookingConvertInput:
    booking_id: strawberry.ID = strawberry.field(description="A CHECKED_IN booking whose checklist is complete.")
    deposit_collected: Decimal
    first_rent_due_on: dt.date


@strawberry.input
class RoomTransferInput:
    student_id: strawberry.ID
    to_bed_id: strawberry.ID
    transfer_date: dt.date = strawberry.field(description="Today or earlier (the hostel's date); the first night in the new bed.")
    reason: str


@strawberry.input
class ResidentGiveNoticeInput:
    student_id: strawberry.ID
    check_out_date: dt.date = strawberry.field(description="At least the hostel's notice period (default 30 days) "
                                                           "after today.")


@strawberry.input
class ResidentCheckOutInput:
    student_id: strawberry.ID
    check_out_date: dt.date = strawberry.field(description="Today or earlier: the day the bed became free.")
    condition_notes: str | None = None


ResidentDocumentType = graphql_enum(m.ResidentDocumentType)


@strawberry.input
class HostelStudentDocumentAddInput:
    student_id: strawberry.ID
    document_type: ResidentDocumentType
    file_name: str
    file_url: str = strawberry.field(description="Where the file is: an http(s) URL or a path of this server.")
    expires_on: dt.date | None = None


@strawberry.input
class HostelStudentDocumentVerifyInput:
    id: strawberry.ID


RESIDENT = spec_for_model(m.HostelStudent)
ConversionChecklistStartPayload = payload_type("ConversionChecklistStartPayload", spec_for_model(m.ConversionChecklist))
ChecklistItemCompletePayload = payload_type("ChecklistItemCompletePayload", spec_for_model(m.ChecklistItem))
BookingConvertPayload = payload_type("BookingConvertPayload", RESIDENT)
RoomTransferPayload = payload_type("RoomTransferPayload", RESIDENT)
ResidentGiveNoticePayload = payload_type("ResidentGiveNoticePayload", RESIDENT)
ResidentCheckOutPayload = payload_type("ResidentCheckOutPayload", RESIDENT)
HostelStudentDocumentAddPayload = payload_type("HostelStudentDocumentAddPayload", spec_for_model(m.HostelStudentDocument))
HostelStudentDocumentVerifyPayload = payload_type("HostelStudentDocumentVerifyPayload",
                                                  spec_for_model(m.HostelStudentDocument))

RULES = {"conversionChecklistStart": STAFF, "checklistItemComplete": STAFF, "bookingConvert": STAFF,
         "roomTransfer": STAFF, "residentGiveNotice": MEMBERS, "residentCheckOut": STAFF,
         "hostelStudentDocumentAdd": MEMBERS, "hostelStudentDocumentVerify": STAFF}
for _name, _rule in RULES.items():
    declare(f"Mutation.{_name}", _rule)


def _student(gid: str) -> int:
    return decode_ref(gid, m.HostelStudent, "studentId")


@strawberry.type
class ResidentMutation:
    @strawberry.mutation(description="Start converting a booking to a resident: its checklist with the default items "
                                     "(one per booking).")
    async def conversion_checklist_start(self, info: Info, input: ConversionChecklistStartInput  # noqa: A002
                                         ) -> ConversionChecklistStartPayload:
        async def work(ctx: Any, session: Any) -> int:
            return await conversion.start_checklist(ctx, session, decode_ref(input.booking_id, m.Booking, "bookingId"))
        return await run_workflow(info, STAFF, ConversionChecklistStartPayload, work,
                                  spec_for_model(m.ConversionChecklist))

    @strawberry.mutation(description="Tick one checklist item (who and when are recorded).")
    async def checklist_item_complete(self, info: Info, input: ChecklistItemCompleteInput  # noqa: A002
                                      ) -> ChecklistItemCompletePayload:
        async def work(ctx: Any, session: Any) -> int:
            return await conversion.complete_item(ctx, session, decode_ref(input.item_id, m.ChecklistItem, "itemId"))
        return await run_workflow(info, STAFF, ChecklistItemCompletePayload, work, spec_for_model(m.ChecklistItem))

    @strawberry.mutation(description="Turn a CHECKED_IN booking whose checklist is complete into a resident: the "
                                     "resident (from the guest), profile, preferences, guardians, documents, the "
                                     "booker's resident role; the booking's bed becomes the resident's; the booking "
                                     "is COMPLETED. All or nothing.")
    async def booking_convert(self, info: Info, input: BookingConvertInput) -> BookingConvertPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await conversion.convert(ctx, session, decode_ref(input.booking_id, m.Booking, "bookingId"),
                                            input.deposit_collected, input.first_rent_due_on)
        return await run_workflow(info, STAFF, BookingConvertPayload, work, RESIDENT)

    @strawberry.mutation(description="Move a resident to another bed from transferDate: the old assignment ends, a "
                                     "new one starts at the target bed's rent, history is written, the waitlist of "
                                     "the freed bed is notified. Refused when the bed is taken, out of service, the "
                                     "same bed, or its room's occupancy limit forbids it.")
    async def room_transfer(self, info: Info, input: RoomTransferInput) -> RoomTransferPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await service.transfer(ctx, session, _student(input.student_id),
                                          decode_ref(input.to_bed_id, m.Bed, "toBedId"), input.transfer_date,
                                          input.reason)
        return await run_workflow(info, STAFF, RoomTransferPayload, work, spec_for_model(m.BedAssignment))

    @strawberry.mutation(description="Give notice (staff, or the resident themself): the resident is in their notice "
                                     "period and their bed is free from checkOutDate.")
    async def resident_give_notice(self, info: Info, input: ResidentGiveNoticeInput  # noqa: A002
                                   ) -> ResidentGiveNoticePayload:
        async def work(ctx: Any, session: Any) -> int:
            return await service.give_notice(ctx, session, _student(input.student_id), input.check_out_date)
        return await run_workflow(info, MEMBERS, ResidentGiveNoticePayload, work, spec_for_model(m.BedAssignment))

    @strawberry.mutation(description="Check a resident out: the bed assignment ends (with the room's condition), the "
                                     "bed is free, the waitlist is notified.")
    async def resident_check_out(self, info: Info, input: ResidentCheckOutInput) -> ResidentCheckOutPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await service.check_out(ctx, session, _student(input.student_id), input.check_out_date,
                                           input.condition_notes)
        return await run_workflow(info, STAFF, ResidentCheckOutPayload, work, spec_for_model(m.BedAssignment))

    @strawberry.mutation(description="Add a document of a resident (staff, or the resident themself).")
    async def hostel_student_document_add(self, info: Info, input: HostelStudentDocumentAddInput  # noqa: A002
                                          ) -> HostelStudentDocumentAddPayload:
        async def work(ctx: Any, session: Any) -> int:
            return await service.add_document(ctx, session, _student(input.student_id),
                                              m.ResidentDocumentType(input.document_type.value), input.file_name,
                                              input.file_url, input.expires_on)
        return await run_workflow(info, MEMBERS, HostelStudentDocumentAddPayload, work,
                                  spec_for_model(m.HostelStudentDocument))

    @strawberry.mutation(description="Mark a resident's document verified (staff).")
    async def hostel_student_document_verify(self, info: Info, input: HostelStudentDocumentVerifyInput  # noqa: A002
                                             ) -> HostelStudentDocumentVerifyPayload:
        async def work(ctx: Any, session: Any) -> int:
            return await service.verify_document(ctx, session, decode_ref(input.id, m.HostelStudentDocument, "id"))
        return await run_workflow(info, STAFF, HostelStudentDocumentVerifyPayload, work,
                                  spec_for_model(m.HostelStudentDocument))


mutations = (*mutations, ResidentMutation)
