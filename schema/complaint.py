"""Seed 000 `complaint/`: the complaint workflows (resolvers/complaint/service.py) and the SLA
state shown on every complaint. Types, lists (`complaints`: the warden's board and the
resident's own; comments, resolutions, feedback, timeline; the staff's assignments,
escalations, rules and analytics), node access and the rules' create/update/deactivate come
from the models' `__entity__` (models/complaint/)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

import models as m
from auth.permissions import roles
from kit.declared import type_of
from kit.registry import spec_for_model
from kit.model_types import extend_type
from kit.workflow import workflow
from models.hostel.access import MEMBERS, STAFF
from resolvers.complaint import analytics, service

FileUpload = type_of(m.FileUpload)
RESIDENT = roles("HOSTEL_STUDENT", description="the resident the complaint is filed for")


@extend_type(m.Complaint)
class Complaint:
    @strawberry.field(description="The files attached when it was filed (those the caller may read).")
    async def attachments(self, info: Info) -> list[FileUpload]:  # type: ignore[valid-type]
        ids = list(self.attachment_file_ids or [])
        if not ids:
            return []
        loader = info.context.loaders.by_key(spec_for_model(m.FileUpload), "id", info._raw_info)
        return [f for f in await loader.load_many(ids) if f is not None]

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
    workflow("complaintCommentEdit", service.edit_comment, MEMBERS, returns=m.ComplaintComment),
    workflow("complaintEscalate", service.escalate, STAFF, returns=m.Complaint),
    workflow("complaintResolve", service.resolve, STAFF, returns=m.Complaint),
    workflow("complaintConfirm", service.confirm, RESIDENT, returns=m.Complaint),
    workflow("complaintReopen", service.reopen, RESIDENT, returns=m.Complaint),
    workflow("complaintFeedbackGive", service.give_feedback, RESIDENT, returns=m.ComplaintFeedback),
    workflow("complaintAnalyticsCompute", analytics.compute_now, STAFF, returns=m.ComplaintAnalyticSnapshot),
)
