"""Login, token rotation, logout, password change and reset.

Failures that must leave a trace (a failed login, a replayed refresh token) are returned as
errors *after* their records are written, so the mutation's savepoint keeps them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update

from auth.passwords import hash_password, hash_password_async, verify_password_async
from auth.metrics import LOGIN_FAILURES, LOGIN_LOCKOUTS
from auth.tokens import AccessClaims, KeySet, hash_token, lifetime_exceeded, new_opaque_token
from models import (
    BlacklistedToken,
    LoginAttempt,
    LoginHistory,
    PasswordHistory,
    PasswordPolicy,
    PasswordReset,
    RefreshToken,
    RoleAssignment,
    SecurityEvent,
    SessionToken,
    TokenRevocation,
    User,
    UserSession,
)
from models.admin import AdminHostelAssignment, AdminUser, AssignmentStatus
from models.auth import RevocationScope, SecuritySeverity
from kit.errors import ErrorCode, UserError
from kit.live import publish
from resolvers.notification import account

log = logging.getLogger("gateway.auth")

BAD_CREDENTIALS = "The email or the password is not correct."


@functools.cache
def _dummy_hash() -> str:
    """Checked against when no user has the email, so that an unknown email takes as long as a
    wrong password; made on first use (Argon2 at import cost every process and test worker)."""
    return hash_password("timing-equaliser-Password-1")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def err(code: ErrorCode, message: str, *field: str) -> UserError:
    return UserError(field=["input", *field] if field else None, code=code, message=message)


@dataclass
class Tokens:
    access_token: str
    access: AccessClaims
    refresh_token: str
    refresh_expires_at: dt.datetime
    user_id: int


# ---- brute force --------------------------------------------------------------------------


async def _lockout_seconds(session: Any, settings: Any, email: str, ip: str | None) -> int:
    """Seconds left before this email (or address) may try again; 0 when free."""
    window = now() - dt.timedelta(minutes=settings.login_window_minutes)
    last_success = select(func.max(LoginAttempt.attempted_at)).where(LoginAttempt.email == email, LoginAttempt.success)
    failures = (
        await session.execute(
            select(func.count(), func.max(LoginAttempt.attempted_at)).where(
                LoginAttempt.email == email,
                LoginAttempt.success.is_(False),
                LoginAttempt.failure_reason.is_distinct_from("locked"),  # waiting out a lock does not extend it
                LoginAttempt.attempted_at
                > func.coalesce(last_success.scalar_subquery(), dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
                LoginAttempt.attempted_at > now() - dt.timedelta(days=1),
            )
        )
    ).one()
    wait = 0.0
    count, last = failures
    if count >= settings.login_max_failures and last is not None:
        # 60 s after the 5th failure, 120 s after the 6th, ... capped at a day
        lock = min(settings.login_lockout_seconds * 2 ** (count - settings.login_max_failures), 86_400)
        wait = max(wait, (last + dt.timedelta(seconds=lock) - now()).total_seconds())
    if ip:
        ip_failures, ip_last = (
            await session.execute(
                select(func.count(), func.max(LoginAttempt.attempted_at)).where(
                    LoginAttempt.ip_address == ip,
                    LoginAttempt.success.is_(False),
                    LoginAttempt.failure_reason.is_distinct_from("locked"),
                    LoginAttempt.attempted_at > window,
                )
            )
        ).one()
        if ip_failures >= settings.login_ip_max_failures and ip_last is not None:
            wait = max(wait, (ip_last + dt.timedelta(minutes=settings.login_window_minutes) - now()).total_seconds())
    return max(0, int(wait + 0.999))


# ---- login --------------------------------------------------------------------------------


async def login(
    ctx: Any,
    session: Any,
    keys: KeySet,
    email: str,
    password: str,
    tenant: tuple[str, int] | None,
    user_agent: str | None,
) -> Tokens | UserError:
    email = email.strip().lower()
    ip = ctx.client_ip
    wait = await _lockout_seconds(session, ctx.settings, email, ip)
    if wait:
        session.add(
            LoginAttempt(
                email=email,
                ip_address=ip,
                attempted_at=now(),
                success=False,
                failure_reason="locked",
                user_agent=user_agent,
            )
        )
        LOGIN_LOCKOUTS.inc()
        minutes = max(1, (wait + 59) // 60)
        return err(
            ErrorCode.LOCKED, f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )

    user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
    stored = user.password_hash if user else await asyncio.to_thread(_dummy_hash)  # off the event loop
    ok = await verify_password_async(stored, password)
    reason = None
    if user is None:
        reason = "unknown_email"
    elif not ok:
        reason = "bad_password"
    elif not user.active or user.status.value != "ACTIVE":
        reason = "inactive"
    session.add(
        LoginAttempt(
            email=email,
            ip_address=ip,
            attempted_at=now(),
            success=reason is None,
            failure_reason=reason,
            user_agent=user_agent,
        )
    )
    if reason is not None:
        if user is not None:
            user.failed_login_count += 1
            session.add(
                LoginHistory(
                    user_id=user.id,
                    attempted_at=now(),
                    success=False,
                    failure_reason=reason,
                    ip_address=ip,
                    user_agent=user_agent,
                )
            )
        await session.flush()
        LOGIN_FAILURES.labels(reason).inc()
        return err(ErrorCode.INVALID, BAD_CREDENTIALS)

    school_id, hostel_id = await _login_tenant(session, user, tenant)
    if tenant is not None and school_id is None and hostel_id is None:
        await session.flush()
        return err(ErrorCode.FORBIDDEN, "You hold no role in that tenant.", "tenantId")
    login_session = UserSession(
        user_id=user.id,
        created_at=now(),
        last_seen_at=now(),
        expires_at=now() + dt.timedelta(days=ctx.settings.refresh_token_days),
        ip_address=ip,
        user_agent=user_agent,
        school_id=school_id,
        hostel_id=hostel_id,
    )
    session.add(login_session)
    await session.flush()
    session.add(
        LoginHistory(
            user_id=user.id,
            attempted_at=now(),
            success=True,
            ip_address=ip,
            user_agent=user_agent,
            session_id=login_session.id,
        )
    )
    user.failed_login_count = 0
    user.last_login_at = now()
    return await _issue(session, keys, user.id, login_session, family_id=str(uuid.uuid4()), parent_id=None)


async def _login_tenant(session: Any, user: User, tenant: tuple[str, int] | None) -> tuple[int | None, int | None]:
    memberships = (
        await session.execute(
            select(RoleAssignment.role, RoleAssignment.school_id, RoleAssignment.hostel_id).where(
                RoleAssignment.user_id == user.id, RoleAssignment.active
            )
        )
    ).all()
    admin_hostels = (
        await session.execute(
            select(AdminHostelAssignment.hostel_id, AdminHostelAssignment.is_primary)
            .join(AdminUser, AdminUser.id == AdminHostelAssignment.admin_user_id)
            .where(AdminUser.user_id == user.id, AdminHostelAssignment.status == AssignmentStatus.ACTIVE)
        )
    ).all()
    platform = any(r.value in ("SUPER_ADMIN", "PLATFORM_ADMIN") and s is None and h is None for r, s, h in memberships)
    schools = {s for _, s, _ in memberships if s is not None}
    hostels = {h for _, _, h in memberships if h is not None} | {h for h, _ in admin_hostels}
    if tenant is not None:
        kind, pk = tenant
        if kind == "School" and (pk in schools or platform):
            return pk, None
        if kind == "Hostel" and (pk in hostels or platform):
            return None, pk
        return None, None
    if user.school_id in schools:  # the seed's primary school
        return user.school_id, None
    primary = [h for h, is_primary in admin_hostels if is_primary]
    if primary:
        return None, primary[0]
    if len(schools) + len(hostels) == 1:
        return (next(iter(schools)), None) if schools else (None, next(iter(hostels)))
    return None, None


async def _issue(
    session: Any, keys: KeySet, user_id: int, login_session: UserSession, family_id: str, parent_id: int | None
) -> Tokens:
    access_token, claims = keys.issue(user_id, login_session.id)
    session.add(
        SessionToken(
            session_id=login_session.id,
            jti=claims.jti,
            issued_at=now(),
            expires_at=claims.expires_at,
            key_id=claims.kid,
        )
    )
    refresh = new_opaque_token()
    refresh_expires = login_session.expires_at
    session.add(
        RefreshToken(
            session_id=login_session.id,
            family_id=family_id,
            token_hash=hash_token(refresh),
            parent_id=parent_id,
            issued_at=now(),
            expires_at=refresh_expires,
        )
    )
    await session.flush()
    return Tokens(access_token, claims, refresh, refresh_expires, user_id)


# ---- refresh, logout ----------------------------------------------------------------------

INVALID_REFRESH = "This refresh token is not valid; log in again."


async def refresh(ctx: Any, session: Any, keys: KeySet, token: str) -> Tokens | UserError:
    row = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == hash_token(token)).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        return err(ErrorCode.INVALID, INVALID_REFRESH, "refreshToken")
    login_session = (
        await session.execute(select(UserSession).where(UserSession.id == row.session_id).with_for_update())
    ).scalar_one()
    if row.rotated_at is not None and row.revoked_at is None:
        # A rotated token came back: whoever holds this family is not to be trusted.
        await _revoke_family(session, row.family_id, login_session, reason="refresh_token_reuse")
        session.add(
            SecurityEvent(
                user_id=login_session.user_id,
                event_type="refresh_token_reuse",
                severity=SecuritySeverity.HIGH,
                occurred_at=now(),
                ip_address=ctx.client_ip,
                details={"family_id": row.family_id, "session_id": login_session.id},
            )
        )
        session.add(
            TokenRevocation(
                user_id=login_session.user_id,
                revoked_by=None,
                scope=RevocationScope.TOKEN_FAMILY,
                reason="refresh token reused",
                sessions_revoked=1,
                revoked_at=now(),
            )
        )
        await session.flush()
        log.warning("refresh token reuse: family revoked", extra={"user_id": login_session.user_id})
        return err(ErrorCode.INVALID, INVALID_REFRESH, "refreshToken")
    refresh_life = dt.timedelta(days=ctx.settings.refresh_token_days)
    if (
        row.revoked_at is not None
        or row.expires_at <= now()
        or login_session.revoked_at is not None
        or login_session.expires_at <= now()
        or lifetime_exceeded(row.issued_at, row.expires_at, refresh_life)
        or lifetime_exceeded(login_session.created_at, login_session.expires_at, refresh_life)
    ):
        return err(ErrorCode.INVALID, INVALID_REFRESH, "refreshToken")
    user = (await session.execute(select(User.active, User.status).where(User.id == login_session.user_id))).one()
    if not user.active or user.status.value != "ACTIVE":  # the same test as login: suspended users get no new tokens
        return err(ErrorCode.INVALID, INVALID_REFRESH, "refreshToken")
    row.rotated_at = now()
    login_session.last_seen_at = now()
    return await _issue(session, keys, login_session.user_id, login_session, family_id=row.family_id, parent_id=row.id)


async def _revoke_family(session: Any, family_id: str, login_session: UserSession, reason: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    await _revoke_sessions(session, [login_session.id], reason)


async def _revoke_sessions(session: Any, session_ids: list[int], reason: str) -> None:
    if not session_ids:
        return
    await session.execute(
        update(UserSession)
        .where(UserSession.id.in_(session_ids), UserSession.revoked_at.is_(None))
        .values(revoked_at=now(), revoke_reason=reason)
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.session_id.in_(session_ids), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    await session.execute(
        update(SessionToken)
        .where(SessionToken.session_id.in_(session_ids), SessionToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    for session_id in session_ids:  # open subscriptions of these sessions close at COMMIT (gateway/live.py)
        await publish(session, f"session:{session_id}")


async def _blacklist_current(ctx: Any, session: Any, reason: str) -> None:
    identity = ctx.identity
    expires = (
        await session.execute(select(SessionToken.expires_at).where(SessionToken.jti == identity.jti))
    ).scalar_one_or_none()
    session.add(
        BlacklistedToken(
            jti=identity.jti,
            user_id=identity.user_id,
            blacklisted_at=now(),
            reason=reason,
            expires_at=expires or now() + dt.timedelta(minutes=ctx.settings.access_token_minutes),
        )
    )


async def logout(ctx: Any, session: Any) -> None:
    identity = ctx.identity
    await _blacklist_current(ctx, session, "logout")
    await _revoke_sessions(session, [identity.login_session_id], "logout")
    session.add(
        TokenRevocation(
            user_id=identity.user_id,
            revoked_by=identity.user_id,
            scope=RevocationScope.SESSION,
            reason="logout",
            sessions_revoked=1,
            revoked_at=now(),
        )
    )


async def revoke_all(ctx: Any, session: Any, keep_current: bool, reason: str = "revoke_all") -> int:
    identity = ctx.identity
    ids = list(
        (
            await session.execute(
                select(UserSession.id).where(UserSession.user_id == identity.user_id, UserSession.revoked_at.is_(None))
            )
        ).scalars()
    )
    if keep_current:
        ids = [i for i in ids if i != identity.login_session_id]
    else:
        await _blacklist_current(ctx, session, reason)
    await _revoke_sessions(session, ids, reason)
    session.add(
        TokenRevocation(
            user_id=identity.user_id,
            revoked_by=identity.user_id,
            scope=RevocationScope.ALL_SESSIONS,
            reason=reason,
            sessions_revoked=len(ids),
            revoked_at=now(),
        )
    )
    return len(ids)


# ---- passwords ----------------------------------------------------------------------------


async def policy_for(session: Any, ctx: Any) -> PasswordPolicy:
    rows = (
        (
            await session.execute(
                select(PasswordPolicy).where(PasswordPolicy.school_id.is_(None), PasswordPolicy.hostel_id.is_(None))
            )
        )
        .scalars()
        .all()
    )
    return (
        rows[0]
        if rows
        else PasswordPolicy(
            min_length=10,
            require_upper=True,
            require_lower=True,
            require_digit=True,
            require_symbol=False,
            history_count=5,
        )
    )


def policy_problem(policy: PasswordPolicy, password: str) -> str | None:
    needs = []
    if len(password) < policy.min_length:
        needs.append(f"at least {policy.min_length} characters")
    if policy.require_upper and not any(c.isupper() for c in password):
        needs.append("an upper-case letter")
    if policy.require_lower and not any(c.islower() for c in password):
        needs.append("a lower-case letter")
    if policy.require_digit and not any(c.isdigit() for c in password):
        needs.append("a digit")
    if policy.require_symbol and all(c.isalnum() for c in password):
        needs.append("a symbol")
    return "The new password needs " + ", ".join(needs) + "." if needs else None


async def set_password(session: Any, ctx: Any, user: User, new_password: str, reason: str) -> UserError | None:
    policy = await policy_for(session, ctx)
    problem = policy_problem(policy, new_password)
    if problem:
        return err(ErrorCode.INVALID, problem, "newPassword")
    earlier = (
        (
            await session.execute(
                select(PasswordHistory.password_hash)
                .where(PasswordHistory.user_id == user.id)
                .order_by(PasswordHistory.changed_at.desc())
                .limit(policy.history_count)
            )
        )
        .scalars()
        .all()
    )
    for used in [user.password_hash, *earlier]:
        if await verify_password_async(used, new_password):
            return err(
                ErrorCode.INVALID,
                f"Choose a password you have not used in your last {policy.history_count} changes.",
                "newPassword",
            )
    session.add(
        PasswordHistory(
            user_id=user.id, password_hash=user.password_hash, changed_at=now(), changed_by=ctx.user_id, reason=reason
        )
    )
    user.password_hash = await hash_password_async(new_password)
    user.password_changed_at = now()
    return None


async def change_password(ctx: Any, session: Any, current: str, new: str) -> UserError | None:
    user = (await session.execute(select(User).where(User.id == ctx.user_id).with_for_update())).scalar_one()
    if not await verify_password_async(user.password_hash, current):
        return err(ErrorCode.INVALID, "The current password is not correct.", "currentPassword")
    problem = await set_password(session, ctx, user, new, "change")
    if problem:
        return problem
    await revoke_all(ctx, session, keep_current=True, reason="password_change")
    return None


# One statement whatever the address: the user (if any, active), their recent requests, and the
# reset row and the account mail's job (the notification pipeline's `notify_account`, which
# notifies in its own transaction: resolvers/notification/account.py) written only when there is
# such a user under the limit. Known, unknown and throttled addresses run the same statement with
# the same Python work around it (a token made and hashed, the mail's data built), so neither the
# answer nor the work tells them apart.
REQUEST_RESET_SQL = text(f"""
WITH u AS (SELECT id, email FROM users WHERE email = :email AND active),
     allowed AS (SELECT u.id, u.email FROM u
                  WHERE (SELECT count(*) FROM password_resets r
                          WHERE r.user_id = u.id AND r.requested_at > CAST(:since AS TIMESTAMPTZ)) < :limit),
     reset AS (INSERT INTO password_resets (user_id, token_hash, requested_at, expires_at, requested_ip)
               SELECT id, :token_hash, CAST(:now AS TIMESTAMPTZ), CAST(:expires AS TIMESTAMPTZ), :ip FROM allowed
               RETURNING user_id),
     message AS (SELECT procrastinate.procrastinate_defer_jobs_v1(ARRAY(
                   SELECT {account.JOB_ROW.format(user="allowed.id")}
                     FROM allowed JOIN reset ON reset.user_id = allowed.id)) AS jobs)
SELECT COALESCE(cardinality(jobs), 0) FROM message
""")
RESETS_PER_15_MINUTES = 3


async def request_reset(ctx: Any, session: Any, email: str) -> None:
    email = email.strip().lower()
    token = new_opaque_token()
    at = now()
    minutes = ctx.settings.password_reset_minutes
    link = f"{ctx.settings.public_url.rstrip('/')}/reset-password?token={token}"
    # the in-app copy names the address only; the link is the email's alone (`private`)
    mail = account.defer_params(account.PASSWORD_RESET, {"email": email}, {"link": link, "minutes": minutes})
    queued = (
        await session.execute(
            REQUEST_RESET_SQL,
            {
                "email": email,
                "since": at - dt.timedelta(minutes=15),
                "limit": RESETS_PER_15_MINUTES,
                "token_hash": hash_token(token),
                "now": at,
                "expires": at + dt.timedelta(minutes=minutes),
                "ip": ctx.client_ip,
                **mail,
            },
        )
    ).scalar_one()
    # quietly: the answer never differs (development: the pipeline's email provider writes the
    # mail under DATA_DIR/outbox/email/, resolvers/notification/providers.py)
    log.info("password reset requested", extra={"to": email, "queued": bool(queued)})


INVALID_RESET = "This reset link is not valid or has expired; ask for a new one."


async def confirm_reset(ctx: Any, session: Any, token: str, new_password: str) -> UserError | None:
    reset = (
        await session.execute(
            select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)).with_for_update()
        )
    ).scalar_one_or_none()
    if (
        reset is None
        or reset.used_at is not None
        or reset.expires_at <= now()
        or lifetime_exceeded(
            reset.requested_at, reset.expires_at, dt.timedelta(minutes=ctx.settings.password_reset_minutes)
        )
    ):
        return err(ErrorCode.INVALID, INVALID_RESET, "token")
    user = (await session.execute(select(User).where(User.id == reset.user_id).with_for_update())).scalar_one()
    problem = await set_password(session, ctx, user, new_password, "reset")
    if problem:
        return problem
    reset.used_at = now()
    sessions = list(
        (
            await session.execute(
                select(UserSession.id).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            )
        ).scalars()
    )
    await _revoke_sessions(session, sessions, "password_reset")
    session.add(
        SecurityEvent(
            user_id=user.id,
            event_type="password_reset",
            severity=SecuritySeverity.LOW,
            occurred_at=now(),
            ip_address=ctx.client_ip,
            details={"sessions_revoked": len(sessions)},
        )
    )
    return None
