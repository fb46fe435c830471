"""Login and tokens, passwords, and `me` (issue: identity, tenancy, permissions)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

import models
from auth.permissions import AUTHENTICATED, PUBLIC, declare
from resolvers.auth import service
from kit import planner
from kit import writes
from kit.registry import spec_for_model
from kit.connection import Connection, graphql_enum
from kit.entity import entity_type
from kit.errors import ErrorCode, UserError
from kit.fields import Unauthenticated, authorize
from kit.ids import InvalidId, decode_gid
from kit.node import Node

UserRole = graphql_enum(models.UserRole)
SecuritySeverity = graphql_enum(models.auth.SecuritySeverity)


# ---- types --------------------------------------------------------------------------------


@entity_type(models.UserSession, description="A login on one device. Your own are listed in me.sessions.")
class UserSession(Node):
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revoke_reason: str | None
    ip_address: str | None
    user_agent: str | None
    device_name: str | None


@entity_type(models.LoginHistory, description="One login attempt on your account.")
class LoginHistory(Node):
    attempted_at: dt.datetime
    success: bool
    failure_reason: str | None
    method: str
    ip_address: str | None
    user_agent: str | None


@entity_type(models.SecurityEvent, description="Something suspicious on an account (platform security desk).")
class SecurityEvent(Node):
    event_type: str
    severity: SecuritySeverity
    occurred_at: dt.datetime
    ip_address: str | None
    details: strawberry.scalars.JSON
    resolved_at: dt.datetime | None


@strawberry.type(description="A role the user holds; tenant is null for platform-wide roles.")
class RoleMembership:
    role: UserRole
    tenant_ref: strawberry.Private[tuple[str, int] | None] = None

    @strawberry.field
    def tenant(self, info: Info) -> Tenant | None:
        return _load_tenant(info, *self.tenant_ref) if self.tenant_ref else None


@strawberry.type(description="The caller: identity, roles, and the tenant and session requests are scoped to.")
class Me:
    user_id: strawberry.Private[int]
    school_id: strawberry.Private[int | None]
    hostel_id: strawberry.Private[int | None]
    session_id: strawberry.Private[int | None]
    roles_in_force: list[UserRole] = strawberry.field(description="Roles that apply to this request.")
    memberships: list[RoleMembership] = strawberry.field(description="Every role held, with its tenant.")

    @strawberry.field
    def user(self, info: Info) -> User:
        return info.context.loaders.by_key(spec_for_model(models.User), "id", info._raw_info).load(self.user_id)

    @strawberry.field(description="The tenant requests are scoped to (X-Tenant-Id switches it).")
    def active_tenant(self, info: Info) -> Tenant | None:
        return _load_tenant(info, "School" if self.school_id else "Hostel", self.school_id or self.hostel_id)

    @strawberry.field(description="The academic session of school requests (X-Session-Id, else the school's current).")
    def academic_session(self, info: Info) -> AcademicSession | None:
        if self.session_id is None:
            return None
        return info.context.loaders.by_key(spec_for_model(models.AcademicSession), "id", info._raw_info).load(
            self.session_id
        )

    @strawberry.field(description="Tenants this user may switch to with X-Tenant-Id.")
    async def switchable_tenants(self, info: Info) -> list[Tenant]:
        identity = info.context.identity
        loaded = [await _load_tenant(info, t.kind, t.id) for t in identity.tenants()]
        return [t for t in loaded if t is not None]

    @strawberry.field(
        description="The students you read as family in the active school: a guardian's children, a student "
        "themselves (where the school enables student accounts); empty for anyone else. Each with whatever "
        "your phone's first screen needs (attendance, marks, pendingTotal) in one request."
    )
    async def children(self, info: Info, first: int | None = 10, after: str | None = None) -> Connection[Student]:
        return await _own(info, models.Student, extra_where=_family_of(info.context), order=[("first_name", False)])

    @strawberry.field(description="Your logins, newest first.")
    async def sessions(self, info: Info, first: int | None = 10, after: str | None = None) -> Connection[UserSession]:
        return await _own(info, models.UserSession)

    @strawberry.field(description="Attempts to log in to your account, newest first.")
    async def login_history(
        self, info: Info, first: int | None = 10, after: str | None = None
    ) -> Connection[LoginHistory]:
        return await _own(info, models.LoginHistory)


def _load_tenant(info: Info, kind: str, pk: int | None) -> Any:
    if pk is None:
        return None
    model = models.School if kind == "School" else models.Hostel
    return info.context.loaders.by_key(spec_for_model(model), "id", info._raw_info).load(pk)


async def _own(info: Info, model: type, extra_where: Any = None, order: Any = None) -> Any:
    """A connection over the caller's own rows of `model` (newest first, or `order`)."""
    raw = info._raw_info
    spec = spec_for_model(model)
    plan = planner.plan_connection(
        raw, spec, raw.field_nodes, raw.parent_type.fields[raw.field_name], default_order=order or [("id", True)]
    )
    # own rows: the type's row filter (models); `extra_where` narrows them further
    return await planner.fetch_connection(info.context, plan, extra_where)


def _family_of(ctx: Any) -> Any:
    """The condition of me.children: the students the caller reads as family (not every student
    a teacher or an admin may read)."""
    from sqlalchemy import false

    from models.school.access import family_kind, family_student_ids

    def extra(alias: Any, bind: Any) -> Any:
        kind = family_kind(ctx)
        if not kind or ctx.school_id is None:
            return "none", false()
        return f"family-{kind}", alias.c.id.in_(family_student_ids(ctx, bind))

    return extra


# who reads sessions, login history and security events, and which rows: declared on the
# models (models/auth, models/user)


@strawberry.type
class Query:
    @strawberry.field(description="Who you are, your roles and tenants; null when not logged in.")
    def me(self, info: Info) -> Me | None:
        ctx = info.context
        identity = ctx.identity
        if identity is None:
            if ctx.auth_problem:
                raise Unauthenticated(ctx.auth_problem)
            return None
        memberships = [RoleMembership(role=models.UserRole(r)) for r in sorted(identity.platform_roles)]
        for kind, table in (("School", identity.school_roles), ("Hostel", identity.hostel_roles)):
            for tenant_id, held in sorted(table.items()):
                for r in sorted(held):
                    memberships.append(RoleMembership(role=models.UserRole(r), tenant_ref=(kind, tenant_id)))
        return Me(
            user_id=identity.user_id,
            school_id=ctx.school_id,
            hostel_id=ctx.hostel_id,
            session_id=ctx.session_id,
            roles_in_force=[models.UserRole(r) for r in sorted(ctx.roles)],
            memberships=memberships,
        )


declare("Query.me", PUBLIC)


# ---- mutations ----------------------------------------------------------------------------


@strawberry.input
class TokenCreateInput:
    email: str
    password: str
    tenant_id: strawberry.ID | None = strawberry.field(default=None, description="Log in to this School or Hostel.")


@strawberry.input
class TokenRefreshInput:
    refresh_token: str


@strawberry.input
class SessionsRevokeAllInput:
    keep_current: bool = strawberry.field(default=False, description="Keep this session, end the others.")


@strawberry.input
class PasswordChangeInput:
    current_password: str
    new_password: str


@strawberry.input
class PasswordResetRequestInput:
    email: str


@strawberry.input
class PasswordResetConfirmInput:
    token: str
    new_password: str


@strawberry.type(description="Tokens: send accessToken as Authorization: Bearer; trade refreshToken for new ones.")
class TokenPayload:
    errors: list[UserError]
    access_token: str | None = None
    refresh_token: str | None = None
    token_type: str | None = None
    expires_at: dt.datetime | None = None
    refresh_expires_at: dt.datetime | None = None
    user_id: strawberry.Private[int | None] = None

    @strawberry.field(
        description="The user who logged in: their own record (name, email, role). Their tenants and "
        "roles: `me`, once the access token is sent."
    )
    def user(self, info: Info) -> User | None:
        if self.user_id is None:
            return None
        return info.context.loaders.by_key(spec_for_model(models.User), "id", info._raw_info).load(self.user_id)


@strawberry.type
class DonePayload:
    errors: list[UserError]
    done: bool = strawberry.field(default=False, description="True when it was done.")


@strawberry.type
class SessionsRevokeAllPayload:
    errors: list[UserError]
    revoked_count: int = 0


def _tokens(info: Info, result: service.Tokens | UserError) -> TokenPayload:
    if isinstance(result, UserError):
        return TokenPayload(errors=[result])
    # the request carries no token of this user: let the payload show them their own record
    info.context.proven_user_id = result.user_id
    return TokenPayload(
        errors=[],
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        token_type="Bearer",
        expires_at=result.access.expires_at,
        refresh_expires_at=result.refresh_expires_at,
        user_id=result.user_id,
    )


def _keys(info: Info) -> Any:
    return info.context.request.app.state.keys


def _user_agent(info: Info) -> str | None:
    request = info.context.request
    return request.headers.get("user-agent", "")[:500] if request is not None else None


def _tenant_ref(gid: str | None) -> tuple[str, int] | None | UserError:
    if gid is None:
        return None
    try:
        kind, pk = decode_gid(gid)
    except InvalidId:
        kind, pk = "", 0
    if kind not in ("School", "Hostel"):
        return service.err(ErrorCode.INVALID, "tenantId must be the ID of a School or a Hostel.", "tenantId")
    return kind, pk


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Log in with email and password: an access token and a refresh token.")
    async def token_create(self, info: Info, input: TokenCreateInput) -> TokenPayload:  # noqa: A002
        tenant = _tenant_ref(input.tenant_id)
        if isinstance(tenant, UserError):
            return TokenPayload(errors=[tenant])
        async with writes.mutation_scope(info.context) as session:
            return _tokens(
                info,
                await service.login(
                    info.context, session, _keys(info), input.email, input.password, tenant, _user_agent(info)
                ),
            )

    @strawberry.mutation(description="Trade a refresh token for new tokens; the old refresh token dies.")
    async def token_refresh(self, info: Info, input: TokenRefreshInput) -> TokenPayload:  # noqa: A002
        async with writes.mutation_scope(info.context) as session:
            return _tokens(info, await service.refresh(info.context, session, _keys(info), input.refresh_token))

    @strawberry.mutation(description="Log out: this access token and its session end now.")
    async def token_revoke(self, info: Info) -> DonePayload:
        authorize(info, AUTHENTICATED)
        async with writes.mutation_scope(info.context) as session:
            await service.logout(info.context, session)
        return DonePayload(errors=[], done=True)

    @strawberry.mutation(description="End all your sessions (or all but this one).")
    async def sessions_revoke_all(
        self, info: Info, input: SessionsRevokeAllInput | None = None
    ) -> SessionsRevokeAllPayload:  # noqa: A002
        authorize(info, AUTHENTICATED)
        async with writes.mutation_scope(info.context) as session:
            count = await service.revoke_all(info.context, session, keep_current=bool(input and input.keep_current))
        return SessionsRevokeAllPayload(errors=[], revoked_count=count)

    @strawberry.mutation(description="Change your password; your other sessions end.")
    async def password_change(self, info: Info, input: PasswordChangeInput) -> DonePayload:  # noqa: A002
        authorize(info, AUTHENTICATED)
        try:
            async with writes.mutation_scope(info.context) as session:
                problem = await service.change_password(
                    info.context, session, input.current_password, input.new_password
                )
                if problem:
                    raise writes.UserErrors(problem)  # rolls back what the attempt changed
        except writes.UserErrors as exc:
            return DonePayload(errors=exc.errors)
        return DonePayload(errors=[], done=True)

    @strawberry.mutation(description="Ask for a password reset link by email. The answer is the same for every email.")
    async def password_reset_request(self, info: Info, input: PasswordResetRequestInput) -> DonePayload:  # noqa: A002
        async with writes.mutation_scope(info.context) as session:
            await service.request_reset(info.context, session, input.email)
        return DonePayload(errors=[], done=True)

    @strawberry.mutation(description="Set a new password with the token of a reset link; all sessions end.")
    async def password_reset_confirm(self, info: Info, input: PasswordResetConfirmInput) -> DonePayload:  # noqa: A002
        try:
            async with writes.mutation_scope(info.context) as session:
                problem = await service.confirm_reset(info.context, session, input.token, input.new_password)
                if problem:
                    raise writes.UserErrors(problem)  # rolls back what the attempt changed
        except writes.UserErrors as exc:
            return DonePayload(errors=exc.errors)
        return DonePayload(errors=[], done=True)


for _name, _rule in (
    ("tokenCreate", PUBLIC),
    ("tokenRefresh", PUBLIC),
    ("tokenRevoke", AUTHENTICATED),
    ("sessionsRevokeAll", AUTHENTICATED),
    ("passwordChange", AUTHENTICATED),
    ("passwordResetRequest", PUBLIC),
    ("passwordResetConfirm", PUBLIC),
):
    declare(f"Mutation.{_name}", _rule)

mutations = (Mutation,)

from schema.hostel import Hostel  # noqa: E402
from schema.school import AcademicSession, School  # noqa: E402
from schema.students import Student  # noqa: E402
from schema.user import User  # noqa: E402

Tenant = Annotated[School | Hostel, strawberry.union("Tenant", description="A school or a hostel.")]
