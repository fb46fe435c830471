"""Seed 000 `student/`: hostel residents and their profile, preferences, documents,
guardian contacts and transfer history. Workflows: `roomTransfer`, `residentGiveNotice`,
`residentCheckOut` (resolvers/hostel_student/service.py), the phone's `myResidence`.

Residents see each other by name only (roommates): contact, money and personal fields are
for staff and the resident themselves (field rules below).
"""

from __future__ import annotations

import models as m
from auth.permissions import protect
from schema.common.model_types import model_type, root_lists
from schema.common.hostel_access import MEMBERS, STAFF_OR_SELF, config_mutations as config, own_resident_rows

HostelStudent = model_type(m.HostelStudent)
StudentProfile = model_type(m.StudentProfile, description="A hostel resident's extended profile (seed 000).")
StudentPreferences = model_type(m.StudentPreferences, description="A hostel resident's preferences (seed 000).")
HostelStudentDocument = model_type(m.HostelStudentDocument)
GuardianContact = model_type(m.GuardianContact)
RoomTransferHistory = model_type(m.RoomTransferHistory)

protect("HostelStudent", "email", "phone", "dateOfBirth", "institution", "course", "employer", "monthlyRent",
        "securityDeposit", "idVerified", "noticeGivenOn", "expectedCheckOutDate", rule=STAFF_OR_SELF)

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

mutations = (
    config(m.GuardianContact, ("student_id", "name", "relation", "phone", "email", "address", "occupation",
                               "is_emergency_contact", "authorized_to_visit", "verified"),
           ("student_id", "name", "relation", "phone"), immutable=("student_id",)),
)
