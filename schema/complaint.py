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
from auth.permissions import declare, roles
from kit.connection import graphql_enum
from kit.declared import type_of
from kit.fields import authorize
from kit.planner import BadInput
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


ComplaintStatus = graphql_enum(m.ComplaintStatus)
ComplaintPriority = graphql_enum(m.ComplaintPriority)

# one statement: the unresolved complaints of the request's hostel (RLS scopes it too) by status
# and priority; "breached" is slaBreached's rule, in SQL
BOARD_SQL = (
    "SELECT status, priority, count(*) AS total, "
    "count(*) FILTER (WHERE sla_breached_at IS NOT NULL OR resolution_due_at <= now() "
    "  OR (first_response_at IS NULL AND response_due_at <= now())) AS breached, "
    "count(*) FILTER (WHERE assigned_to_id IS NULL) AS unassigned "
    "FROM complaints WHERE hostel_id = $1 AND status IN ('OPEN', 'ASSIGNED', 'REOPENED') "
    "GROUP BY status, priority ORDER BY status, priority"
)


@strawberry.type(description="The unresolved complaints of one status and priority.")
class ComplaintBoardCell:
    status: ComplaintStatus  # type: ignore[valid-type]
    priority: ComplaintPriority  # type: ignore[valid-type]
    total: int
    breached: int = strawberry.field(description="Of those, past a clock now or before (slaBreached).")
    unassigned: int = strawberry.field(description="Of those, with nobody on them.")


@strawberry.type(description="The warden's board: the active hostel's unresolved complaints, counted.")
class ComplaintBoard:
    total: int
    breached: int
    unassigned: int
    cells: list[ComplaintBoardCell] = strawberry.field(description="By status and priority (empty ones left out).")


@strawberry.type
class Query:
    @strawberry.field(
        description="Counts for the warden's board (unresolved complaints by status and priority, SLA "
        "breaches, unassigned) in one statement; the rows themselves: `complaints` with a status filter."
    )
    async def complaint_board(self, info: Info) -> ComplaintBoard:
        authorize(info, STAFF)
        ctx = info.context
        if ctx.hostel_id is None:
            raise BadInput("Choose a hostel first (X-Tenant-Id with the Hostel's ID).")
        rows = await ctx.db.fetch(BOARD_SQL, [ctx.hostel_id])
        cells = [
            ComplaintBoardCell(
                status=m.ComplaintStatus(r[0]),
                priority=m.ComplaintPriority(r[1]),
                total=r[2],
                breached=r[3],
                unassigned=r[4],
            )
            for r in rows
        ]
        return ComplaintBoard(
            total=sum(c.total for c in cells),
            breached=sum(c.breached for c in cells),
            unassigned=sum(c.unassigned for c in cells),
            cells=cells,
        )


declare("Query.complaintBoard", STAFF)

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
