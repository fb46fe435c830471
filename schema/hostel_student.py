"""Seed 000 `student/`: hostel residents and their profile, preferences, documents,
guardian contacts and transfer history. Workflows: `conversionChecklistStart`,
`checklistItemComplete`, `bookingConvert` (resolvers/hostel_student/conversion.py);
`roomTransfer`, `residentGiveNotice`, `residentCheckOut`, `hostelStudentDocumentAdd/Verify`
(resolvers/hostel_student/service.py); residents edit their own profile, preferences and
guardian contacts.

Residents see each other by name only (roommates): contact, money and personal fields are
for staff and the resident themselves (field rules on the models).
"""

from __future__ import annotations

import strawberry

import models as m
from resolvers.hostel_student import conversion, service
from kit.workflow import workflow
from models.hostel.access import MEMBERS, STAFF

# Types, root lists, node access, field rules and the residents' own edits (guardian contacts,
# profile, preferences) come from the models' `__entity__` (models/hostel_student).


@strawberry.type
class Query:
    """No hand-written query: every resident list is declared on its model."""


# ---- workflows: conversion, transfer, notice, check-out, documents ------------------------------
# each is its service (resolvers/hostel_student/) in the workflow frame: input from the service's
# parameters, payload from the returned entity, savepoint, errors and audit entry by the frame

mutations = (
    workflow("conversionChecklistStart", conversion.start_checklist, STAFF, returns=m.ConversionChecklist),
    workflow("checklistItemComplete", conversion.complete_item, STAFF, returns=m.ChecklistItem),
    workflow("bookingConvert", conversion.convert, STAFF, returns=m.HostelStudent),
    workflow("roomTransfer", service.transfer, STAFF, returns=m.HostelStudent),
    workflow("residentGiveNotice", service.give_notice, MEMBERS, returns=m.HostelStudent),
    workflow("residentCheckOut", service.check_out, STAFF, returns=m.HostelStudent),
    workflow("hostelStudentDocumentAdd", service.add_document, MEMBERS, returns=m.HostelStudentDocument),
    workflow("hostelStudentDocumentVerify", service.verify_document, STAFF, returns=m.HostelStudentDocument),
)
