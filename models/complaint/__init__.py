"""Seed 000 `complaint/`: a resident's (or staff's, for them) complaint about a room, a facility
or a person, its handling and its figures.

Lifecycle (resolvers/complaint/workflow.py): OPEN -> ASSIGNED -> RESOLVED -> CLOSED, with
REOPENED (the resident, within the confirmation window) -> ASSIGNED/RESOLVED again. Escalation
(by hand, or by the SLA job when a clock has run out) raises the level, not the status. Every
move and escalation is a `ComplaintStatusHistory` row: the timeline the resident's phone shows.

Who reads what: hostel staff the hostel's complaints and everything about them; a resident only
the complaints filed for them, with their public comments (internal notes never), resolutions,
feedback and timeline; assignments, escalations, rules and analytics are the staff's.
"""

from models.complaint.complaint import Complaint, ComplaintStatusHistory
from models.complaint.complaint_analytics import (
    ComplaintAnalyticSnapshot,
    ComplaintCategoryMetric,
    ComplaintStaffPerformance,
)
from models.complaint.complaint_assignment import ComplaintAssignment
from models.complaint.complaint_comment import ComplaintComment
from models.complaint.complaint_escalation import AutoEscalationRule, ComplaintEscalation
from models.complaint.complaint_feedback import ComplaintFeedback
from models.complaint.complaint_resolution import ComplaintResolution

__all__ = [
    "Complaint",
    "ComplaintStatusHistory",
    "ComplaintAssignment",
    "ComplaintComment",
    "ComplaintEscalation",
    "AutoEscalationRule",
    "ComplaintFeedback",
    "ComplaintResolution",
    "ComplaintAnalyticSnapshot",
    "ComplaintCategoryMetric",
    "ComplaintStaffPerformance",
]
