"""One-click unsubscribe (RFC 8058): every email carries a link with a signed token (a JWT
signed with the gateway's own Ed25519 keys, audience `campus-unsubscribe`) naming a row of
`unsubscribe_tokens`: whose, which hostel, channel and type. Redeeming it (the
`notificationUnsubscribe` mutation, no login: the signature is the proof) turns that channel off
and marks the row used; a second click changes nothing and says so."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy import text

from auth.tokens import ALGORITHM, KeySet
from kit.settings import Settings, get_settings

AUDIENCE = "campus-unsubscribe"
LIFETIME = dt.timedelta(days=365)
LINK = "/unsubscribe?token={token}"  # the web app's page, which sends notificationUnsubscribe


class BadToken(ValueError):
    """Not a token of ours (bad signature, expired, malformed)."""


@dataclass(frozen=True)
class Claims:
    jti: str
    user_id: int
    hostel_id: int
    channel: str
    notification_type: str


@lru_cache(maxsize=4)
def _keys(data_dir: Path, private_keys: str | None, kid: str | None) -> KeySet:
    return KeySet.from_settings(
        Settings(data_dir=data_dir, jwt_private_keys=private_keys, jwt_active_kid=kid)  # type: ignore[call-arg]
    )


def keys(settings: Settings | None = None) -> KeySet:
    s = settings or get_settings()
    return _keys(s.data_dir, s.jwt_private_keys, s.jwt_active_kid)


async def issue(db: Any, ks: KeySet, hostel_id: int, user_id: int, channel: str, notification_type: str = "*") -> str:
    """Record a token and return the link carrying it."""
    jti = secrets.token_urlsafe(24)
    await db.execute(
        text(
            "INSERT INTO unsubscribe_tokens (hostel_id, user_id, jti, channel, notification_type) "
            "VALUES (:h, :u, :j, :c, :t)"
        ),
        {"h": hostel_id, "u": user_id, "j": jti, "c": channel, "t": notification_type},
    )
    now = dt.datetime.now(dt.UTC)
    token = jwt.encode(
        {
            "iss": ks.issuer,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "hid": hostel_id,
            "ch": channel,
            "typ": notification_type,
            "jti": jti,
            "iat": int(now.timestamp()),
            "exp": int((now + LIFETIME).timestamp()),
        },
        ks.private_keys[ks.active_kid],
        algorithm=ALGORITHM,
        headers={"kid": ks.active_kid},
    )
    return LINK.format(token=token)


def verify(ks: KeySet, token: str) -> Claims:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in ks.public_keys:
            raise BadToken("not signed here")
        c = jwt.decode(
            token,
            ks.public_keys[kid],
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ks.issuer,
            options={"require": ["exp", "sub", "jti", "aud", "iss"]},
        )
        return Claims(str(c["jti"]), int(c["sub"]), int(c["hid"]), str(c["ch"]), str(c["typ"]))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
        raise BadToken(str(exc)) from None
