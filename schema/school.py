"""School family root: School and AcademicSession (seed 001 §1.1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy import BigInteger, any_
from sqlalchemy.dialects.postgresql import ARRAY

import models
from auth.permissions import PLATFORM, SCHOOL_ADMINS, SCHOOL_READERS, roles
from kit.connection import Connection
from kit.entity import entity_type, relation
from kit.fields import list_field
from strawberry.types import Info

from auth.permissions import declare
from kit.registry import spec_for_model
from resolvers.students import service as academics
from kit.mutations import decode_ref, master_data_mutations, payload_type, run_workflow
from kit.node import Node


@entity_type(models.School, description="A school: the tenant of the school family.")
class School(Node):
    name: str
    display_name: str | None
    board: str | None
    medium: str | None
    school_code: str
    affiliation_code: str | None
    address: str | None
    city: str | None
    state: str | None
    pincode: str | None
    contact_number: str | None
    contact_email: str | None
    website: str | None
    logo_url: str | None
    description: str | None
    time_zone: str = strawberry.field(description="IANA zone of the school's dates (\"today\", closed days, attendance).")
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime | None
    current_session: AcademicSession | None = relation("The session the school works in by default.")
    academic_sessions: Connection[AcademicSession] = relation("The school's academic sessions.")


@entity_type(models.AcademicSession, description="An academic year of one school.")
class AcademicSession(Node):
    name: str
    start_date: dt.date | None
    end_date: dt.date | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime | None
    school: School = relation()


def own_school(ctx: Any, alias: Any, bind: Any) -> Any:
    """Platform roles see every school; everyone else the schools they hold a role in."""
    if not ctx.roles.isdisjoint(PLATFORM):
        return None
    mine = sorted(ctx.identity.school_roles) if ctx.identity is not None else []
    return "member", alias.c.id == any_(bind(mine, ARRAY(BigInteger)))


@entity_type(models.ActivityLog, description="Who did what, to which record, from where (append-only).")
class ActivityLog(Node):
    user_id: int | None = strawberry.field(description="The acting user's database id.")
    action: str | None
    entity_type: str | None
    entity_id: int | None
    ip_address: str | None
    timestamp: dt.datetime | None


@entity_type(models.Subscription, description="A school's plan; studentLimit caps admissions.")
class Subscription(Node):
    plan_name: str
    student_limit: int | None
    monthly_price: Decimal | None
    start_date: dt.date | None
    end_date: dt.date | None
    active: bool
    auto_renew: bool
    school: School = relation()
    payments: Connection[SubscriptionPayment] = relation()


@entity_type(models.SubscriptionPayment)
class SubscriptionPayment(Node):
    amount_paid: Decimal | None
    payment_date: dt.date | None
    payment_mode: str | None
    transaction_reference: str | None
    invoice_url: str | None
    subscription: Subscription = relation()


@strawberry.type
class Query:
    schools: Connection[School] = list_field(
        models.School, name="schools", permission=roles(*SCHOOL_READERS), row_filter=own_school,
        description="Schools: all of them for platform roles, the schools you hold a role in for everyone else.",
    )
    academic_sessions: Connection[AcademicSession] = list_field(
        models.AcademicSession, name="academicSessions", permission=roles(*SCHOOL_READERS),
        description="Academic sessions of the active school.",
    )
    activity_logs: Connection[ActivityLog] = list_field(
        models.ActivityLog, name="activityLogs", permission=roles(*SCHOOL_ADMINS),
        description="What was done in the active school, by whom.")
    subscriptions: Connection[Subscription] = list_field(
        models.Subscription, name="subscriptions", permission=roles(*SCHOOL_ADMINS),
        description="Plans of the active school (platform roles: of every school).")
    subscription_payments: Connection[SubscriptionPayment] = list_field(
        models.SubscriptionPayment, name="subscriptionPayments", permission=roles(*SCHOOL_ADMINS))


async def check_time_zone(ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`prepare` of a tenant's create/update (schools, hostels): timeZone must be an IANA zone."""
    from kit.clock import valid_zone
    from kit.errors import ErrorCode, user_error

    if values.get("time_zone") is not None and not valid_zone(values["time_zone"]):
        raise user_error(ErrorCode.INVALID, f'"{values["time_zone"]}" is not an IANA time zone (e.g. "Asia/Kolkata").', "timeZone")
    return values


SchoolMutations = master_data_mutations(
    models.School,
    prepare=check_time_zone,
    writable=("name", "display_name", "board", "medium", "school_code", "affiliation_code", "address", "city",
              "state", "pincode", "contact_number", "contact_email", "website", "logo_url", "description", "time_zone"),
    required=("name", "school_code"),
    permissions={"create": roles(*PLATFORM), "update": roles(*SCHOOL_ADMINS), "deactivate": roles(*PLATFORM)},
)

# Sessions are created and activated by the workflows below; only the name can change
# afterwards (seed §6.1: start and end dates are immutable after creation).
AcademicSessionMutations = master_data_mutations(
    models.AcademicSession, writable=("name",), verbs=("update",),
    permissions={"update": roles(*SCHOOL_ADMINS)},
)


@strawberry.input
class AcademicSessionCreateInput:
    name: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None


@strawberry.input
class AcademicSessionActivateInput:
    id: strawberry.ID


SESSION_SPEC = spec_for_model(models.AcademicSession)
AcademicSessionCreatePayload = payload_type("AcademicSessionCreatePayload", spec_for_model(models.AcademicSession))
AcademicSessionActivatePayload = payload_type("AcademicSessionActivatePayload", spec_for_model(models.AcademicSession))


@strawberry.type
class AcademicSessionWorkflows:
    @strawberry.mutation(description="Create an academic session; the school's first one becomes active and current.")
    async def academic_session_create(self, info: Info, input: AcademicSessionCreateInput) -> AcademicSessionCreatePayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await academics.create_session(ctx, session, input.name, input.start_date, input.end_date)
        return await run_workflow(info, roles(*SCHOOL_ADMINS), AcademicSessionCreatePayload, work, SESSION_SPEC)

    @strawberry.mutation(description="Make a session the school's one active session; School.currentSession follows.")
    async def academic_session_activate(self, info: Info, input: AcademicSessionActivateInput) -> AcademicSessionActivatePayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            return await academics.activate_session(ctx, session, decode_ref(input.id, models.AcademicSession, "id"))
        return await run_workflow(info, roles(*SCHOOL_ADMINS), AcademicSessionActivatePayload, work, SESSION_SPEC)


declare("Mutation.academicSessionCreate", roles(*SCHOOL_ADMINS))
declare("Mutation.academicSessionActivate", roles(*SCHOOL_ADMINS))

PLATFORM_WRITES = {v: roles(*PLATFORM) for v in ("create", "update", "deactivate")}
SubscriptionMutations = master_data_mutations(
    models.Subscription, writable=("plan_name", "student_limit", "monthly_price", "start_date", "end_date", "active", "auto_renew"),
    required=("plan_name",), permissions=PLATFORM_WRITES)
SubscriptionPaymentMutations = master_data_mutations(
    models.SubscriptionPayment,
    writable=("subscription_id", "amount_paid", "payment_date", "payment_mode", "transaction_reference", "invoice_url"),
    required=("subscription_id", "amount_paid", "payment_date"), refs={"subscription_id": models.Subscription},
    permissions=PLATFORM_WRITES, verbs=("create",))  # payments are append-only

mutations = (SchoolMutations, AcademicSessionMutations, AcademicSessionWorkflows, SubscriptionMutations,
             SubscriptionPaymentMutations)
