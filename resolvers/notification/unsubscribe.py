"""One-click unsubscribe (RFC 8058): every email carries a link with a signed token, a JWT
(HS256, PyJWT) naming a row of `unsubscribe_tokens` (whose, which hostel, channel and type) and
signed with that row's own random secret. Redeeming it (the `notificationUnsubscribe` mutation,
no login: the signature is the proof) turns that channel off and marks the row used; a second
click changes nothing and says so. A per-row key needs no key file shared between the process
that sends the email and the one that takes the click, and a leaked row never helps forge another."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import text

from kit.settings import get_settings

AUDIENCE = "campus-unsubscribe"
ALGORITHM = "HS256"
LIFETIME = dt.timedelta(days=365)
# gateway/unsubscribe.py serves the page: GET asks, POST (the page's button, or a mail client's
# RFC 8058 one-click POST) turns the channel off. Absolute: a link in an email has no base.
LINK = "{base}/unsubscribe?token={token}"


class BadToken(ValueError):
    """Not a token of ours (bad signature, expired, malformed, unknown)."""


@dataclass(frozen=True)
class Claims:
    jti: str
    user_id: int
    hostel_id: int
    channel: str
    notification_type: str


async def issue(db: Any, hostel_id: int, user_id: int, channel: str, notification_type: str = "*") -> str:
    """Record a token and return the link carrying it."""
    jti, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    await db.execute(
        text(
            "INSERT INTO unsubscribe_tokens (hostel_id, user_id, jti, secret, channel, notification_type) "
            "VALUES (:h, :u, :j, :s, :c, :t)"
        ),
        {"h": hostel_id, "u": user_id, "j": jti, "s": secret, "c": channel, "t": notification_type},
    )
    now = dt.datetime.now(dt.UTC)
    claims = {"aud": AUDIENCE, "sub": str(user_id), "hid": hostel_id, "ch": channel, "typ": notification_type}
    claims |= {"jti": jti, "iat": int(now.timestamp()), "exp": int((now + LIFETIME).timestamp())}
    base = get_settings().public_url.rstrip("/")
    return LINK.format(base=base, token=jwt.encode(claims, secret, algorithm=ALGORITHM))


def unverified(token: str) -> Claims:
    """What the token says, before its signature is checked (to find its row)."""
    try:
        c = jwt.decode(token, options={"verify_signature": False})
        return Claims(str(c["jti"]), int(c["sub"]), int(c["hid"]), str(c["ch"]), str(c["typ"]))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
        raise BadToken(str(exc)) from None


def verify(token: str, secret: str) -> None:
    try:
        jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, options={"require": ["exp", "jti"]})
    except jwt.PyJWTError as exc:
        raise BadToken(str(exc)) from None
