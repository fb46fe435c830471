"""Seed 000 `maintenance/` (24 classes): repair and upkeep of a hostel's rooms and amenities.

A `MaintenanceRequest` comes from a complaint (`complaint_id`) or from staff, of an issue type
configured per hostel; every move of its state machine (resolvers/maintenance/service.py) writes
a `MaintenanceStatusHistory` row. An estimate above one of the hostel's `ApprovalThreshold`s
needs the approver that threshold names (`MaintenanceApproval`, tracked per request by a
`MaintenanceApprovalWorkflow`); work goes to staff (`MaintenanceAssignment`) or to a vendor
under an active `VendorContract` (`VendorAssignment`); completion records materials, actual
cost, quality checks and, for issue types that require one, a certificate. Money is committed
as `MaintenanceCost` rows against the fiscal year's `BudgetAllocation` and its `CategoryBudget`
slices; vendors bill through `VendorInvoice`. Preventive `MaintenanceSchedule`s open requests
through a job (one `MaintenanceScheduleExecution` per schedule and due date). Analytics,
category performance and expense reports are computed by jobs (resolvers/maintenance/jobs.py)
and on demand.

Who reads what: staff (admins and supervisors) read the operational rows; budgets, costs,
invoices, contracts and expense reports are the admins'; a resident reads only the requests
raised for them (their `student_id`, set from their complaint or by staff for them) and those
requests' status history.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from models.base import ActiveMixin, Base, ComputedMixin, HostelTenantMixin, enum_column, hostel_table, reference
from models.entity import Entity, Writes
from models.hostel.access import ADMINS, MEMBERS, STAFF, is_staff, my_student_ids

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.complaint.complaint import Complaint
    from models.hostel.amenity import HostelAmenity
    from models.hostel_student import HostelStudent
    from models.room.room import Room
    from models.user import User

SERVICE = "resolvers.maintenance.service"
DERIVED = "Computed by the maintenance jobs (resolvers/maintenance/jobs.py) or on demand: see computedAt."
Rate = Numeric(5, 2)  # a percentage, 0.00-100.00


def _user(comment: str, nullable: bool = True) -> Any:
    return mapped_column(ForeignKey("users.id"), index=True, nullable=nullable, comment=comment)


def own_request_rows(ctx: Any, alias: Any, bind: Any) -> Any:
    """Staff see every request; a resident only those raised for them."""
    if is_staff(ctx):
        return None
    return "self", alias.c.student_id.in_(my_student_ids(ctx, bind))


def own_request_history(ctx: Any, alias: Any, bind: Any) -> Any:
    """Staff see every move; a resident those of the requests raised for them."""
    if is_staff(ctx):
        return None
    requests = MaintenanceRequest.__table__
    mine = select(requests.c.id).where(requests.c.student_id.in_(my_student_ids(ctx, bind)))
    return "self", alias.c.request_id.in_(mine)


# ---- enums ----------------------------------------------------------------------------------------


class MaintenanceRequestStatus(enum.Enum):
    OPEN = "OPEN"  # no approval needed: ready to assign
    PENDING_APPROVAL = "PENDING_APPROVAL"  # the estimate is above a threshold
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"  # work done, waiting for its quality check
    VERIFIED = "VERIFIED"  # the quality check passed
    CANCELLED = "CANCELLED"


class MaintenancePriority(enum.Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


class MaintenanceSource(enum.Enum):
    STAFF = "STAFF"
    COMPLAINT = "COMPLAINT"
    SCHEDULE = "SCHEDULE"  # preventive maintenance, opened by the schedule job


class MaintenanceApprovalStatus(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class MaintenanceAssignmentStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    REPLACED = "REPLACED"  # the work went to someone else
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class MaintenanceCostType(enum.Enum):
    LABOUR = "LABOUR"
    MATERIAL = "MATERIAL"
    VENDOR = "VENDOR"
    OTHER = "OTHER"


class VendorInvoiceStatus(enum.Enum):
    MATCHED = "MATCHED"  # within the assignment's quote and the contract's terms
    PENDING_APPROVAL = "PENDING_APPROVAL"  # above them: an admin must approve it
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ScheduleFrequency(enum.Enum):
    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"


class ScheduleExecutionStatus(enum.Enum):
    CREATED = "CREATED"  # a request was opened for the due date
    SKIPPED = "SKIPPED"  # the schedule's room or amenity was out of service


# ---- requests -------------------------------------------------------------------------------------


class MaintenanceIssueType(ActiveMixin, HostelTenantMixin, Base):
    """A kind of repair the hostel handles (plumbing, electrical, carpentry ...): its default
    priority, whether completion needs a certificate, and its budget category."""

    __tablename__ = "maintenance_issue_types"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "code"),))
    __entity__ = Entity(
        read=MEMBERS,
        list="maintenanceIssueTypes",
        about="The hostel's kinds of repair (residents see them on the requests raised for them).",
        filter=("code", "name", "requires_certificate", "active"),
        order=("name", "code"),
        write=Writes(
            ADMINS,
            fields=("code", "name", "description", "default_priority", "requires_certificate", "target_days"),
            required=("code", "name"),
            immutable=("code",),
        ),
    )

    code: Mapped[str] = mapped_column(String(50), comment="Short key, e.g. PLUMBING.")
    name: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    default_priority: Mapped[MaintenancePriority] = enum_column(MaintenancePriority, MaintenancePriority.MEDIUM)
    requires_certificate: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="Completion needs a certificate (electrical safety, gas ...)."
    )
    target_days: Mapped[int] = mapped_column(default=3, server_default="3", comment="Days to complete, for analytics.")


class MaintenanceRequest(HostelTenantMixin, Base):
    """A maintenance ticket. Its status moves only through the maintenance mutations, each
    writing a status-history row; a request needing approval cannot be assigned or completed
    before it is approved."""

    __tablename__ = "maintenance_requests"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "request_number"),
            CheckConstraint("estimated_cost >= 0", name="estimate_non_negative"),
            CheckConstraint("actual_cost IS NULL OR actual_cost >= 0", name="actual_non_negative"),
        )
    )
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_request_rows,
        list="maintenanceRequests",
        about="Maintenance requests: staff see the hostel's, a resident those raised for them.",
        filter=(
            "request_number",
            "status",
            "priority",
            "source",
            "issue_type_id",
            "room_id",
            "student_id",
            "complaint_id",
            "assigned_to_id",
            "vendor_id",
            "approval_required",
            "due_on",
            "created_at",
        ),
        order=("created_at", "priority", "due_on", "request_number"),
    )

    request_number: Mapped[str] = mapped_column(String(30), comment="Its number for people, e.g. MR-000123.")
    issue_type: Mapped[MaintenanceIssueType] = reference(back="requests")
    room: Mapped[Room | None] = reference(back="maintenance_requests", comment="The room concerned, if any.")
    amenity: Mapped[HostelAmenity | None] = reference(comment="The amenity concerned, if any.")
    floor: Mapped[int | None] = mapped_column(comment="The floor concerned, for floor-wide work.")
    student: Mapped[HostelStudent | None] = reference(comment="The resident it was raised for (their complaint).")
    complaint: Mapped[Complaint | None] = reference(
        back="maintenance_requests", index=True, comment="The complaint it came from, if any."
    )
    requested_by: Mapped[User | None] = reference(tenant=False, comment="The staff member who raised it.")
    source: Mapped[MaintenanceSource] = enum_column(MaintenanceSource, MaintenanceSource.STAFF)
    title: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[MaintenancePriority] = enum_column(MaintenancePriority, MaintenancePriority.MEDIUM)
    status: Mapped[MaintenanceRequestStatus] = enum_column(MaintenanceRequestStatus, MaintenanceRequestStatus.OPEN)
    estimated_cost: Mapped[Decimal] = mapped_column(default=Decimal("0"), server_default="0")
    actual_cost: Mapped[Decimal | None] = mapped_column(comment="Set on completion.")
    approval_required: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="The estimate is above an approval threshold."
    )
    due_on: Mapped[dt.date | None] = mapped_column(comment="When it should be done.")
    assigned_to: Mapped[User | None] = reference(tenant=False, comment="The staff member currently on it.")
    vendor: Mapped[MaintenanceVendor | None] = reference(comment="The vendor currently on it.")
    completed_at: Mapped[dt.datetime | None]


class MaintenanceStatusHistory(HostelTenantMixin, Base):
    """One move of a request: from, to, who and why."""

    __tablename__ = "maintenance_status_history"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=MEMBERS,
        rows=own_request_history,
        list="maintenanceStatusHistory",
        filter=("request_id", "to_status", "created_at"),
        order=("created_at",),
        append_only=True,
    )

    request: Mapped[MaintenanceRequest] = reference(back="status_history", index=True)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    changed_by_user_id: Mapped[int | None] = _user("Who moved it (null: a job).")
    note: Mapped[str | None] = mapped_column(Text)


# ---- approval -------------------------------------------------------------------------------------


class ApprovalThreshold(ActiveMixin, HostelTenantMixin, Base):
    """Estimates above `amount` need `approver`'s approval; of several, the highest one the
    estimate exceeds names the approver."""

    __tablename__ = "maintenance_approval_thresholds"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "amount"),
            CheckConstraint("amount >= 0", name="amount_non_negative"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="approvalThresholds",
        about="Who approves maintenance above which estimate (staff).",
        filter=("amount", "approver_user_id", "active"),
        order=("amount",),
        write=Writes(
            ADMINS,
            fields=("name", "amount", "approver_user_id"),
            required=("name", "amount", "approver_user_id"),
            validate=f"{SERVICE}.check_threshold",
        ),
    )

    name: Mapped[str]
    amount: Mapped[Decimal] = mapped_column(comment="Estimates strictly above this need approval.")
    approver_user_id: Mapped[int] = _user("The staff member who approves (a User's number).", nullable=False)


class MaintenanceApprovalWorkflow(HostelTenantMixin, Base):
    """The approval process of one request: its state, the threshold that started it, when it
    was submitted and decided."""

    __tablename__ = "maintenance_approval_workflows"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "request_id"),))
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceApprovalWorkflows",
        filter=("request_id", "status", "submitted_at"),
        order=("submitted_at",),
    )

    request: Mapped[MaintenanceRequest] = reference(back="approval_workflows")
    threshold: Mapped[ApprovalThreshold] = reference()
    status: Mapped[MaintenanceApprovalStatus] = enum_column(
        MaintenanceApprovalStatus, MaintenanceApprovalStatus.PENDING
    )
    submitted_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]


class MaintenanceApproval(HostelTenantMixin, Base):
    """The decision asked of one approver for one request."""

    __tablename__ = "maintenance_approvals"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceApprovals",
        about="Approvals asked and given (staff); `filter: {status: {eq: PENDING}}` for the waiting ones.",
        filter=("request_id", "approver_id", "status", "decided_at"),
        order=("created_at", "decided_at"),
    )

    request: Mapped[MaintenanceRequest] = reference(back="approvals")
    workflow: Mapped[MaintenanceApprovalWorkflow] = reference(back="approvals")
    approver: Mapped[User] = reference(tenant=False, comment="Who must decide (named by the threshold).")
    estimated_cost: Mapped[Decimal] = mapped_column(comment="The estimate submitted for approval.")
    status: Mapped[MaintenanceApprovalStatus] = enum_column(
        MaintenanceApprovalStatus, MaintenanceApprovalStatus.PENDING
    )
    decided_at: Mapped[dt.datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)


# ---- vendors --------------------------------------------------------------------------------------


class MaintenanceVendor(ActiveMixin, HostelTenantMixin, Base):
    """An outside contractor the hostel works with."""

    __tablename__ = "maintenance_vendors"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "name"),))
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceVendors",
        filter=("name", "specialty", "active"),
        order=("name", "created_at"),
        write=Writes(
            ADMINS,
            fields=("name", "specialty", "contact_name", "phone", "email", "tax_id"),
            required=("name",),
        ),
    )

    name: Mapped[str]
    specialty: Mapped[str | None] = mapped_column(comment="Plumbing, electrical, HVAC ...")
    contact_name: Mapped[str | None]
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None]
    tax_id: Mapped[str | None] = mapped_column(String(30), comment="GSTIN or equivalent.")


class VendorContract(ActiveMixin, HostelTenantMixin, Base):
    """The terms under which a vendor works: its dates and the most one job may cost. Work goes
    to a vendor only under an active contract in force on the day."""

    __tablename__ = "maintenance_vendor_contracts"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "contract_number"),
            CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
            CheckConstraint("max_job_amount > 0", name="max_job_positive"),
        )
    )
    __entity__ = Entity(
        read=ADMINS,
        list="vendorContracts",
        about="Vendor contracts (hostel admins).",
        filter=("vendor_id", "starts_on", "ends_on", "active"),
        order=("starts_on", "ends_on"),
        write=Writes(
            ADMINS,
            fields=("vendor_id", "contract_number", "starts_on", "ends_on", "max_job_amount", "terms"),
            required=("vendor_id", "contract_number", "starts_on", "ends_on", "max_job_amount"),
            immutable=("vendor_id", "contract_number"),
        ),
    )

    vendor: Mapped[MaintenanceVendor] = reference(back="contracts")
    contract_number: Mapped[str] = mapped_column(String(50))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    max_job_amount: Mapped[Decimal] = mapped_column(comment="The most one job may be invoiced without approval.")
    terms: Mapped[str | None] = mapped_column(Text)


class VendorPerformanceReview(HostelTenantMixin, Base):
    """A periodic evaluation of a vendor by staff (ratings 1-5); its job counts and on-time
    share are computed from the vendor's assignments when it is written."""

    __tablename__ = "maintenance_vendor_reviews"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "vendor_id", "period_start", "period_end"),
            CheckConstraint(
                "quality_rating BETWEEN 1 AND 5 AND timeliness_rating BETWEEN 1 AND 5 AND cost_rating BETWEEN 1 AND 5",
                name="ratings_in_range",
            ),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="vendorPerformanceReviews",
        filter=("vendor_id", "period_start", "overall_rating"),
        order=("period_start", "overall_rating"),
        append_only=True,
    )

    vendor: Mapped[MaintenanceVendor] = reference(back="reviews")
    reviewer: Mapped[User] = reference(tenant=False)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    quality_rating: Mapped[int]
    timeliness_rating: Mapped[int]
    cost_rating: Mapped[int]
    overall_rating: Mapped[Decimal] = mapped_column(Numeric(3, 2), comment="The mean of the three ratings.")
    jobs_completed: Mapped[int] = mapped_column(comment="Vendor assignments done in the period.")
    jobs_on_time: Mapped[int] = mapped_column(comment="Of those, completed by their request's due date.")
    comments: Mapped[str | None] = mapped_column(Text)


# ---- assignment -----------------------------------------------------------------------------------


class MaintenanceAssignment(HostelTenantMixin, Base):
    """A request given to a staff member, for a day. Reassigning ends the previous one."""

    __tablename__ = "maintenance_assignments"
    __table_args__ = hostel_table()
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceAssignments",
        about="Work given to staff; a supervisor's day: `filter: {assignedToId: {eq: <me>}, scheduledOn: {eq: <today>}}`.",
        filter=("request_id", "assigned_to_id", "status", "scheduled_on"),
        order=("scheduled_on", "created_at"),
    )

    request: Mapped[MaintenanceRequest] = reference(back="assignments", index=True)
    assigned_to: Mapped[User] = reference(tenant=False, comment="The staff member doing the work.")
    assigned_by_user_id: Mapped[int | None] = _user("Who assigned it.")
    scheduled_on: Mapped[dt.date] = mapped_column(index=True, comment="The day it is planned for.")
    status: Mapped[MaintenanceAssignmentStatus] = enum_column(
        MaintenanceAssignmentStatus, MaintenanceAssignmentStatus.ACTIVE
    )
    notes: Mapped[str | None] = mapped_column(Text)


class VendorAssignment(HostelTenantMixin, Base):
    """A request given to a vendor under an active contract, at a quoted amount."""

    __tablename__ = "maintenance_vendor_assignments"
    __table_args__ = hostel_table(extra=(CheckConstraint("quoted_amount >= 0", name="quote_non_negative"),))
    __entity__ = Entity(
        read=STAFF,
        list="vendorAssignments",
        filter=("request_id", "vendor_id", "contract_id", "status", "scheduled_on"),
        order=("scheduled_on", "created_at"),
    )

    request: Mapped[MaintenanceRequest] = reference(back="vendor_assignments", index=True)
    vendor: Mapped[MaintenanceVendor] = reference(back="assignments")
    contract: Mapped[VendorContract] = reference(back="assignments")
    assigned_by_user_id: Mapped[int | None] = _user("Who assigned it.")
    quoted_amount: Mapped[Decimal] = mapped_column(comment="What the vendor quoted for the job.")
    scheduled_on: Mapped[dt.date]
    status: Mapped[MaintenanceAssignmentStatus] = enum_column(
        MaintenanceAssignmentStatus, MaintenanceAssignmentStatus.ACTIVE
    )


# ---- completion -----------------------------------------------------------------------------------


class MaintenanceCompletion(HostelTenantMixin, Base):
    """The work done on a request: labour, materials, the actual cost. Work that failed its
    quality check is completed again: a new record, the request's actual cost the latest one's."""

    __tablename__ = "maintenance_completions"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("labour_cost >= 0 AND materials_cost >= 0", name="costs_non_negative"),)
    )
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceCompletions",
        filter=("request_id", "completed_by_id", "completed_at"),
        order=("completed_at",),
        append_only=True,
    )

    request: Mapped[MaintenanceRequest] = reference(back="completions")
    completed_by: Mapped[User] = reference(tenant=False)
    completed_at: Mapped[dt.datetime]
    work_summary: Mapped[str] = mapped_column(Text)
    labour_cost: Mapped[Decimal]
    materials_cost: Mapped[Decimal] = mapped_column(comment="The sum of its materials.")
    actual_cost: Mapped[Decimal] = mapped_column(comment="Labour plus materials.")


class MaintenanceMaterial(HostelTenantMixin, Base):
    """A material used by a completion: quantity and unit cost."""

    __tablename__ = "maintenance_materials"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("quantity > 0 AND unit_cost >= 0", name="quantity_and_cost_valid"),)
    )
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceMaterials",
        filter=("completion_id", "name"),
        order=("created_at",),
        append_only=True,
    )

    completion: Mapped[MaintenanceCompletion] = reference(back="materials", index=True)
    name: Mapped[str]
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str | None] = mapped_column(String(20))
    unit_cost: Mapped[Decimal]
    total_cost: Mapped[Decimal] = mapped_column(comment="Quantity times unit cost, rounded to the paisa.")


class MaintenanceQualityCheck(HostelTenantMixin, Base):
    """An inspection of completed work: passed (the request is verified) or failed (it goes back
    to work)."""

    __tablename__ = "maintenance_quality_checks"
    __table_args__ = hostel_table(
        extra=(CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score_range"),)
    )
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceQualityChecks",
        filter=("request_id", "passed", "checked_at"),
        order=("checked_at",),
        append_only=True,
    )

    request: Mapped[MaintenanceRequest] = reference(back="quality_checks")
    checked_by: Mapped[User] = reference(tenant=False)
    checked_at: Mapped[dt.datetime]
    passed: Mapped[bool]
    score: Mapped[int | None] = mapped_column(comment="1 to 5.")
    notes: Mapped[str | None] = mapped_column(Text)


class MaintenanceCertificate(HostelTenantMixin, Base):
    """The certificate of completed work an issue type requires (electrical safety, gas)."""

    __tablename__ = "maintenance_certificates"
    __table_args__ = hostel_table(
        extra=(UniqueConstraint("hostel_id", "request_id"), UniqueConstraint("hostel_id", "certificate_number"))
    )
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceCertificates",
        filter=("request_id", "certificate_number", "valid_until"),
        order=("issued_on", "valid_until"),
        append_only=True,
    )

    request: Mapped[MaintenanceRequest] = reference(back="certificates")
    certificate_number: Mapped[str] = mapped_column(String(60))
    issued_by: Mapped[str] = mapped_column(comment="The certifying person or body.")
    issued_on: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]


# ---- money ----------------------------------------------------------------------------------------


class BudgetAllocation(HostelTenantMixin, Base):
    """The hostel's maintenance budget for one fiscal year."""

    __tablename__ = "maintenance_budget_allocations"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "fiscal_year"),
            CheckConstraint("ends_on > starts_on", name="dates_ordered"),
            CheckConstraint("total_amount >= 0", name="total_non_negative"),
        )
    )
    __entity__ = Entity(
        read=ADMINS,
        list="budgetAllocations",
        about="Maintenance budgets per fiscal year (hostel admins).",
        filter=("fiscal_year",),
        order=("fiscal_year",),
        write=Writes(
            ADMINS,
            fields=("fiscal_year", "starts_on", "ends_on", "total_amount", "notes"),
            required=("fiscal_year", "starts_on", "ends_on", "total_amount"),
            immutable=("fiscal_year", "starts_on", "ends_on"),
            verbs=("create", "update"),
        ),
    )

    fiscal_year: Mapped[str] = mapped_column(String(9), comment="e.g. 2026-27.")
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date] = mapped_column(comment="The last day of the fiscal year.")
    total_amount: Mapped[Decimal]
    notes: Mapped[str | None] = mapped_column(Text)


class CategoryBudget(HostelTenantMixin, Base):
    """The slice of a year's budget for one issue type. `committed_amount` moves only through
    `maintenanceCostCommit`, under a lock of this row."""

    __tablename__ = "maintenance_category_budgets"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "allocation_id", "issue_type_id"),
            CheckConstraint("amount >= 0", name="amount_non_negative"),
        )
    )
    __entity__ = Entity(
        read=ADMINS,
        list="categoryBudgets",
        filter=("allocation_id", "issue_type_id"),
        order=("created_at", "amount"),
        write=Writes(
            ADMINS,
            fields=("allocation_id", "issue_type_id", "amount"),
            required=("allocation_id", "issue_type_id", "amount"),
            immutable=("allocation_id", "issue_type_id"),
            verbs=("create", "update"),
        ),
    )

    allocation: Mapped[BudgetAllocation] = reference(back="categories")
    issue_type: Mapped[MaintenanceIssueType] = reference(back="budgets")
    amount: Mapped[Decimal]
    committed_amount: Mapped[Decimal] = mapped_column(
        default=Decimal("0"), server_default="0", comment="The costs committed against it."
    )


class MaintenanceCost(HostelTenantMixin, Base):
    """A cost committed for a request against its category's budget. Beyond the remaining
    budget it needs a hostel admin's override, recorded here with the reason."""

    __tablename__ = "maintenance_costs"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("amount > 0", name="amount_positive"),
            CheckConstraint(
                "NOT over_budget OR (override_by_user_id IS NOT NULL AND override_reason IS NOT NULL)",
                name="override_recorded",
            ),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceCosts",
        filter=("request_id", "category_budget_id", "cost_type", "over_budget", "created_at"),
        order=("created_at", "amount"),
        append_only=True,
    )

    request: Mapped[MaintenanceRequest] = reference(back="costs", index=True)
    category_budget: Mapped[CategoryBudget] = reference(back="costs", index=True)
    vendor_invoice: Mapped[VendorInvoice | None] = reference(comment="The invoice it pays, if any.")
    cost_type: Mapped[MaintenanceCostType] = enum_column(MaintenanceCostType)
    amount: Mapped[Decimal]
    description: Mapped[str | None]
    remaining_before: Mapped[Decimal] = mapped_column(comment="The category's remaining budget before this cost.")
    over_budget: Mapped[bool] = mapped_column(default=False, server_default="false")
    override_by_user_id: Mapped[int | None] = _user("The hostel admin who allowed going over budget.")
    override_reason: Mapped[str | None] = mapped_column(Text)


class VendorInvoice(HostelTenantMixin, Base):
    """A vendor's bill for an assignment; above the quote or the contract's per-job limit it
    waits for an admin's approval."""

    __tablename__ = "maintenance_vendor_invoices"
    __table_args__ = hostel_table(
        extra=(
            UniqueConstraint("hostel_id", "vendor_id", "invoice_number"),
            CheckConstraint("amount > 0", name="amount_positive"),
        )
    )
    __entity__ = Entity(
        read=ADMINS,
        list="vendorInvoices",
        filter=("vendor_id", "vendor_assignment_id", "status", "invoice_date"),
        order=("invoice_date", "amount"),
    )

    vendor: Mapped[MaintenanceVendor] = reference(back="invoices")
    vendor_assignment: Mapped[VendorAssignment] = reference(back="invoices")
    invoice_number: Mapped[str] = mapped_column(String(60))
    invoice_date: Mapped[dt.date]
    amount: Mapped[Decimal]
    status: Mapped[VendorInvoiceStatus] = enum_column(VendorInvoiceStatus, VendorInvoiceStatus.MATCHED)
    exceeds_terms: Mapped[bool] = mapped_column(
        default=False, server_default="false", comment="Above the quote or the contract's per-job limit."
    )
    decided_by_user_id: Mapped[int | None] = _user("The admin who approved or rejected it.")
    decided_at: Mapped[dt.datetime | None]


class ExpenseReport(ComputedMixin, HostelTenantMixin, Base):
    """Maintenance spending of a period, by cost type and category."""

    __tablename__ = "maintenance_expense_reports"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "period_start", "period_end"),))
    __entity__ = Entity(
        read=ADMINS,
        list="expenseReports",
        about=DERIVED,
        filter=("period_start", "period_end", "computed_at"),
        order=("period_start", "computed_at"),
    )

    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    total_cost: Mapped[Decimal]
    labour_cost: Mapped[Decimal]
    material_cost: Mapped[Decimal]
    vendor_cost: Mapped[Decimal]
    other_cost: Mapped[Decimal]
    over_budget_cost: Mapped[Decimal] = mapped_column(comment="Committed through overrides.")
    invoices_total: Mapped[Decimal]
    requests_completed: Mapped[int]
    by_category: Mapped[dict[str, Any]] = mapped_column(comment="Issue type code -> amount (a string).")


# ---- preventive maintenance -----------------------------------------------------------------------


class MaintenanceSchedule(ActiveMixin, HostelTenantMixin, Base):
    """Preventive maintenance: every N days, weeks or months, for a room, a floor or an amenity
    (or the building), the schedule job opens a request on the due date."""

    __tablename__ = "maintenance_schedules"
    __table_args__ = hostel_table(
        extra=(
            CheckConstraint("interval_count >= 1", name="interval_positive"),
            CheckConstraint("estimated_cost >= 0", name="estimate_non_negative"),
        )
    )
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceSchedules",
        filter=("issue_type_id", "room_id", "floor", "next_due_on", "active"),
        order=("next_due_on", "title"),
        write=Writes(
            ADMINS,
            fields=(
                "title",
                "issue_type_id",
                "room_id",
                "floor",
                "amenity_id",
                "frequency",
                "interval_count",
                "next_due_on",
                "estimated_cost",
                "assign_to_user_id",
                "description",
            ),
            required=("title", "issue_type_id", "frequency", "next_due_on"),
            validate=f"{SERVICE}.check_schedule",
        ),
    )

    title: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    issue_type: Mapped[MaintenanceIssueType] = reference(back="schedules")
    room: Mapped[Room | None] = reference()
    floor: Mapped[int | None]
    amenity: Mapped[HostelAmenity | None] = reference()
    frequency: Mapped[ScheduleFrequency] = enum_column(ScheduleFrequency)
    interval_count: Mapped[int] = mapped_column(default=1, server_default="1", comment="Every N days/weeks/months.")
    next_due_on: Mapped[dt.date] = mapped_column(comment="The next date the job opens a request for.")
    estimated_cost: Mapped[Decimal] = mapped_column(default=Decimal("0"), server_default="0")
    assign_to_user_id: Mapped[int | None] = _user("The staff member (a User's number) its requests go to at once.")


class MaintenanceScheduleExecution(HostelTenantMixin, Base):
    """One run of a schedule for one due date (unique: a second run of the job is a no-op)."""

    __tablename__ = "maintenance_schedule_executions"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "schedule_id", "due_on"),))
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceScheduleExecutions",
        filter=("schedule_id", "due_on", "status"),
        order=("due_on", "created_at"),
        append_only=True,
    )

    schedule: Mapped[MaintenanceSchedule] = reference(back="executions")
    due_on: Mapped[dt.date]
    status: Mapped[ScheduleExecutionStatus] = enum_column(ScheduleExecutionStatus)
    request: Mapped[MaintenanceRequest | None] = reference(comment="The request it opened.")


# ---- analytics ------------------------------------------------------------------------------------


class MaintenanceAnalytic(ComputedMixin, HostelTenantMixin, Base):
    """The hostel's maintenance over a period: volume, speed, cost."""

    __tablename__ = "maintenance_analytics"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "period_start", "period_end"),))
    __entity__ = Entity(
        read=STAFF,
        list="maintenanceAnalytics",
        about=DERIVED,
        filter=("period_start", "period_end", "computed_at"),
        order=("period_start", "computed_at"),
    )

    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    requests_opened: Mapped[int]
    requests_completed: Mapped[int]
    requests_open_at_end: Mapped[int] = mapped_column(comment="Not completed, verified, rejected or cancelled.")
    overdue_open: Mapped[int] = mapped_column(comment="Open and past their due date at the period's end.")
    average_completion_hours: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    total_cost: Mapped[Decimal]
    preventive_share: Mapped[Decimal] = mapped_column(Rate, comment="Percentage opened by schedules.")


class CategoryPerformanceMetric(ComputedMixin, HostelTenantMixin, Base):
    """One issue type over a period: volume, on-time share, cost against its budget."""

    __tablename__ = "maintenance_category_metrics"
    __table_args__ = hostel_table(extra=(UniqueConstraint("hostel_id", "issue_type_id", "period_start", "period_end"),))
    __entity__ = Entity(
        read=STAFF,
        list="categoryPerformanceMetrics",
        about=DERIVED,
        filter=("issue_type_id", "period_start", "computed_at"),
        order=("period_start", "computed_at"),
    )

    issue_type: Mapped[MaintenanceIssueType] = reference(back="metrics")
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    requests_opened: Mapped[int]
    requests_completed: Mapped[int]
    completed_on_time: Mapped[int]
    on_time_rate: Mapped[Decimal | None] = mapped_column(Rate)
    total_cost: Mapped[Decimal]
    budget_amount: Mapped[Decimal | None] = mapped_column(
        comment="Its budget for the fiscal year of the period's start."
    )


__all__ = [name for name in dir() if name[:1].isupper()]
