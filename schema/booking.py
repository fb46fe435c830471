"""Seed 000 `booking/`: bookings and their lifecycle, approval, cancellation, modification,
conversion, calendar and waitlist. Workflow mutations: schema/booking_workflows.py."""

from __future__ import annotations

import models as m
from schema.common.model_types import model_type, root_lists
from schema.common.hostel_access import (CATALOGUE, STAFF, config_mutations as config, own_booking_rows,
                                         own_user_rows)

Booking = model_type(m.Booking)
BookingStatusHistory = model_type(m.BookingStatusHistory)
BookingNote = model_type(m.BookingNote)
BookingGuest = model_type(m.BookingGuest)
GuestDocument = model_type(m.GuestDocument)
BookingAssignment = model_type(m.BookingAssignment)
BookingAssignmentHistory = model_type(m.BookingAssignmentHistory)
BookingApproval = model_type(m.BookingApproval)
RejectionRecord = model_type(m.RejectionRecord)
ApprovalSettings = model_type(m.ApprovalSettings)
BookingCancellation = model_type(m.BookingCancellation)
CancellationPolicy = model_type(m.CancellationPolicy)
RefundTransaction = model_type(m.RefundTransaction)
BookingConversion = model_type(m.BookingConversion)
ConversionChecklist = model_type(m.ConversionChecklist)
ChecklistItem = model_type(m.ChecklistItem)
BookingModification = model_type(m.BookingModification)
ModificationApprovalRecord = model_type(m.ModificationApprovalRecord)
BookingCalendarEvent = model_type(m.BookingCalendarEvent)
DayAvailability = model_type(m.DayAvailability)
CalendarBlock = model_type(m.CalendarBlock)
BookingWaitlist = model_type(m.BookingWaitlist)
WaitlistNotification = model_type(m.WaitlistNotification)

from auth.permissions import AUTHENTICATED  # noqa: E402

booker = own_user_rows("booker_user_id")
by_booking = own_booking_rows()

Query = root_lists(
    "BookingQuery",
    ("bookings", m.Booking, AUTHENTICATED, booker, "Staff see the hostel's bookings; anyone else their own."),
    ("bookingStatusHistory", m.BookingStatusHistory, AUTHENTICATED, by_booking, None),
    ("bookingNotes", m.BookingNote, STAFF, None, None),
    ("bookingGuests", m.BookingGuest, AUTHENTICATED, by_booking, None),
    ("guestDocuments", m.GuestDocument, AUTHENTICATED, by_booking, None),
    ("bookingAssignments", m.BookingAssignment, STAFF, None, None),
    ("bookingAssignmentHistory", m.BookingAssignmentHistory, STAFF, None, None),
    ("bookingApprovals", m.BookingApproval, AUTHENTICATED, by_booking, None),
    ("rejectionRecords", m.RejectionRecord, AUTHENTICATED, by_booking, None),
    ("approvalSettings", m.ApprovalSettings, STAFF, None, None),
    ("bookingCancellations", m.BookingCancellation, AUTHENTICATED, by_booking, None),
    ("cancellationPolicies", m.CancellationPolicy, CATALOGUE, None, "Public for visitors (public hostels)."),
    ("refundTransactions", m.RefundTransaction, AUTHENTICATED, by_booking, None),
    ("bookingConversions", m.BookingConversion, STAFF, None, None),
    ("conversionChecklists", m.ConversionChecklist, STAFF, None, None),
    ("checklistItems", m.ChecklistItem, STAFF, None, None),
    ("bookingModifications", m.BookingModification, AUTHENTICATED, by_booking, None),
    ("modificationApprovalRecords", m.ModificationApprovalRecord, STAFF, None, None),
    ("bookingCalendarEvents", m.BookingCalendarEvent, STAFF, None, None),
    ("dayAvailability", m.DayAvailability, STAFF, None, "Derived: see computedAt."),
    ("calendarBlocks", m.CalendarBlock, STAFF, None, None),
    ("bookingWaitlist", m.BookingWaitlist, AUTHENTICATED, own_user_rows("user_id"),
     "Staff see the hostel's waitlist; anyone else their own entries."),
    ("waitlistNotifications", m.WaitlistNotification, STAFF, None, None),
)

mutations = (
    config(m.ApprovalSettings, ("auto_approve", "auto_approve_max_months", "auto_assign_bed", "advance_percent",
                                "advance_due_days", "approval_message"), ()),
    config(m.CancellationPolicy, ("name", "description", "tiers", "refund_security_deposit", "effective_from"),
           ("name", "tiers", "effective_from")),
    config(m.CalendarBlock, ("scope", "room_id", "bed_id", "starts_on", "ends_on", "reason"),
           ("scope", "starts_on", "ends_on", "reason")),
)
