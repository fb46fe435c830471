"""School family root: School and AcademicSession (seed 001 §1.1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import BigInteger, any_
from sqlalchemy.dialects.postgresql import ARRAY

import models
from auth.permissions import PLATFORM, SCHOOL_ADMINS, SCHOOL_READERS, roles
from schema.common.connection import Connection
from schema.common.entity import entity_type, relation
from schema.common.fields import list_field
from schema.common.mutations import master_data_mutations
from schema.common.node import Node


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


SchoolMutations = master_data_mutations(
    models.School,
    writable=("name", "display_name", "board", "medium", "school_code", "affiliation_code", "address", "city",
              "state", "pincode", "contact_number", "contact_email", "website", "logo_url", "description"),
    required=("name", "school_code"),
    permissions={"create": roles(*PLATFORM), "update": roles(*SCHOOL_ADMINS), "deactivate": roles(*PLATFORM)},
)

# Session activation and the start/end rules arrive with the academics issue; until then
# dates are fixed at creation (seed §6.1: immutable after creation).
AcademicSessionMutations = master_data_mutations(
    models.AcademicSession,
    writable=("name", "start_date", "end_date"),
    required=("name",),
    immutable=("start_date", "end_date"),
    permissions={"create": roles(*SCHOOL_ADMINS), "update": roles(*SCHOOL_ADMINS), "deactivate": roles(*SCHOOL_ADMINS)},
)

mutations = (SchoolMutations, AcademicSessionMutations)
