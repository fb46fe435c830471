"""Sessions, tokens, login attempts, revocations, security events and passwords
(seed 000 `auth/`: user_session.py, token_blacklist.py, password_reset.py).

`UserSession` and `PasswordHistory` exist once (seed 000 has them in `auth/` and `user/`).
Secrets are stored as SHA-256 hashes, never in clear: refresh tokens, reset tokens.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.permissions import AUTHENTICATED, PLATFORM, roles
from models.base import Base
from models.entity import Entity, Internal
from models.user import own_rows


def platform_only(ctx: Any, alias: Any, bind: Any) -> Any:
    """Platform roles see every row; anyone else none (wherever the type is reached)."""
    from sqlalchemy import false

    return None if not ctx.roles.isdisjoint(PLATFORM) else ("none", false())


class UserSession(Base):
    """A login: one device, one refresh-token family, until logout, expiry or revocation."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_active", "user_id", "revoked_at"),)
    __entity__ = Entity(
        read=AUTHENTICATED,
        rows=own_rows,
        filter=("created_at", "last_seen_at", "revoked_at"),
        order=("created_at", "last_seen_at"),
        hand_written="listed only as `me.sessions`, newest first (schema/auth.py); the tenant and the risk "
        "score stay out",
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(50))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    device_name: Mapped[str | None] = mapped_column(String(100))
    # the tenant chosen at login; X-Tenant-Id may switch within what the user may hold
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    hostel_id: Mapped[int | None] = mapped_column(ForeignKey("hostels.id"))
    risk_score: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped["User"] = relationship(lazy="raise")


class SessionToken(Base):
    """An access token issued for a session: its jti, so it can be listed and revoked."""

    __tablename__ = "session_tokens"
    __entity__ = Internal("token bookkeeping (jti of issued access tokens): secrets' metadata, never in the API")

    session_id: Mapped[int] = mapped_column(ForeignKey("user_sessions.id"), index=True)
    jti: Mapped[str] = mapped_column(UUID(as_uuid=False), unique=True)
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    key_id: Mapped[str] = mapped_column(String(50))
    revoked_at: Mapped[dt.datetime | None]


class RefreshToken(Base):
    """Rotating refresh tokens. All tokens of one login share a `family_id`; presenting a
    token that was already rotated revokes the whole family (it was stolen or replayed)."""

    __tablename__ = "refresh_tokens"
    __entity__ = Internal("refresh token hashes: secrets, never in the API")

    session_id: Mapped[int] = mapped_column(ForeignKey("user_sessions.id"), index=True)
    family_id: Mapped[str] = mapped_column(UUID(as_uuid=False), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("refresh_tokens.id"))
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    rotated_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """Every login attempt, by email and address, for brute-force throttling (the email
    need not belong to anyone: unknown accounts are throttled the same way)."""

    __tablename__ = "login_attempts"
    __entity__ = Internal("brute-force throttling counters, by email and address", append_only=True)
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_ip_at", "ip_address", "attempted_at"),
    )

    email: Mapped[str] = mapped_column(String(255))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    attempted_at: Mapped[dt.datetime]
    success: Mapped[bool]
    failure_reason: Mapped[str | None] = mapped_column(String(50))
    user_agent: Mapped[str | None] = mapped_column(String(500))


class BlacklistedToken(Base):
    """Access tokens refused before their expiry, by jti (kept until they would expire)."""

    __tablename__ = "blacklisted_tokens"
    __entity__ = Internal("revoked access tokens by jti, read by the gateway on every request")

    jti: Mapped[str] = mapped_column(UUID(as_uuid=False), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    blacklisted_at: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(String(50))


class RevocationScope(enum.Enum):
    SINGLE = "SINGLE"
    SESSION = "SESSION"
    ALL_SESSIONS = "ALL_SESSIONS"
    TOKEN_FAMILY = "TOKEN_FAMILY"


class TokenRevocation(Base):
    """Audit of a revocation operation: who revoked what, why, how much."""

    __tablename__ = "token_revocations"
    __entity__ = Internal("audit of revocation operations, not in the API yet", append_only=True)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scope: Mapped[RevocationScope] = mapped_column(Enum(RevocationScope, native_enum=False, length=20))
    reason: Mapped[str] = mapped_column(String(100))
    sessions_revoked: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[dt.datetime]


class SecuritySeverity(enum.Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class SecurityEvent(Base):
    """Something suspicious: a replayed refresh token, a lockout, a reset from a new place."""

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_user_at", "user_id", "occurred_at"),)
    __entity__ = Entity(
        read=roles(*PLATFORM),
        rows=platform_only,
        list="securityEvents",
        about="Security events of all accounts (platform security desk).",
        filter=("event_type", "severity", "occurred_at"),
        order=("occurred_at",),
        hand_written="the platform security desk's view (schema/auth.py): the account and who resolved it stay out",
    )

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_type: Mapped[str] = mapped_column(String(50))
    severity: Mapped[SecuritySeverity] = mapped_column(Enum(SecuritySeverity, native_enum=False, length=10))
    occurred_at: Mapped[dt.datetime]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PasswordReset(Base):
    """A single-use, expiring reset token (stored hashed)."""

    __tablename__ = "password_resets"
    __entity__ = Internal("reset token hashes: secrets, never in the API")

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    requested_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    requested_ip: Mapped[str | None] = mapped_column(String(64))


class PasswordHistory(Base):
    """Earlier password hashes, so that a change cannot reuse a recent one."""

    __tablename__ = "password_history"
    __entity__ = Internal("earlier password hashes: secrets, never in the API", append_only=True)
    __table_args__ = (Index("ix_password_history_user_at", "user_id", "changed_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    changed_at: Mapped[dt.datetime]
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(30))  # change | reset | created


class PasswordPolicy(Base):
    """The password rules: one platform-wide row (school_id and hostel_id null), or one per
    tenant that tightens it."""

    __tablename__ = "password_policies"
    __entity__ = Internal("password rules read by the auth services, not in the API yet")
    __table_args__ = (UniqueConstraint("school_id", "hostel_id", name="uq_password_policies_tenant"),)

    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    hostel_id: Mapped[int | None] = mapped_column(ForeignKey("hostels.id"))
    min_length: Mapped[int] = mapped_column(Integer, default=10)
    require_upper: Mapped[bool] = mapped_column(default=True)
    require_lower: Mapped[bool] = mapped_column(default=True)
    require_digit: Mapped[bool] = mapped_column(default=True)
    require_symbol: Mapped[bool] = mapped_column(default=False)
    history_count: Mapped[int] = mapped_column(Integer, default=5)
    max_failed_logins: Mapped[int] = mapped_column(Integer, default=5)
    lockout_seconds: Mapped[int] = mapped_column(Integer, default=60)


from models.user import User  # noqa: E402
