"""Seed 000 `complaint/`: the complaint workflows (resolvers/complaint/service.py) and the SLA
state shown on every complaint. Types, lists (`complaints`: the warden's board and the
resident's own; comments, resolutions, feedback, timeline; the staff's assignments,
escalations, rules and analytics), node access and the rules' create/update/deactivate come
from the models' `__entity__` (models/complaint/)."""

from __future__ import annotations

import datetime as dt

import strawberry

import models as m
from auth.permissions import roles
from kit.model_types import extend_type
from kit.workflow import workflow
from models.hostel.access import MEMBERS, STAFF
from resolvers.complaint import analytics, service

RESIDENT = roles("HOSTEL_STUDENT", description="the resident the complaint is filed for")


@extend_type(m.Complaint)
class Complaint:
    @strawberry.field(description="Nobody took it and its response time has passed (now).")
    def response_overdue(self) -> bool:
        return self.first_response_at is None and dt.datetime.now(dt.UTC) >= self.response_due_at

    @strawberry.field(
        description="Unresolved past its resolution time, or resolved after it (now): the SLA is breached."
    )
    def resolution_overdue(self) -> bool:
        end = self.resolved_at or dt.datetime.now(dt.UTC)
        return end >= self.resolution_due_at

    @strawberry.field(description="Either clock ran out (responseOverdue or resolutionOverdue), now or before.")
    def sla_breached(self) -> bool:
        if self.sla_breached_at is not None:
            return True
        now = dt.datetime.now(dt.UTC)
        if self.first_response_at is None and now >= self.response_due_at:
            return True
        return (self.resolved_at or now) >= self.resolution_due_at


mutations = (
    workflow("complaintCreate", service.create, MEMBERS, returns=m.Complaint),
    workflow("complaintAssign", service.assign, STAFF, returns=m.Complaint),
    workflow("complaintComment", service.comment, MEMBERS, returns=m.ComplaintComment),
    workflow("complaintEscalate", service.escalate, STAFF, returns=m.Complaint),
    workflow("complaintResolve", service.resolve, STAFF, returns=m.Complaint),
    workflow("complaintConfirm", service.confirm, RESIDENT, returns=m.Complaint),
    workflow("complaintReopen", service.reopen, RESIDENT, returns=m.Complaint),
    workflow("complaintFeedbackGive", service.give_feedback, RESIDENT, returns=m.ComplaintFeedback),
    workflow("complaintAnalyticsCompute", analytics.compute_now, STAFF, returns=m.ComplaintAnalyticSnapshot),
)
