"""Signed, expiring download URLs of hostel files: `/files/<token>`, the token a JWT signed
with the gateway's own key set (the keys of access tokens, PyJWT, EdDSA) under an audience of
its own, so an access token is no download token and a download token logs nobody in.

It names the hostel, the file, the version (and variant) and the user it was issued to; it is
issued only by `FileUpload.downloadUrl`, i.e. to a caller the file's read rules let see the file,
and lives FILE_URL_SECONDS. The route (gateway/files.py) checks the signature and the time and
serves exactly what the token names, in the hostel it names, logging the download."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import jwt

AUDIENCE_SUFFIX = ":files"
ALGORITHM = "EdDSA"


class BadFileToken(Exception):
    """Forged, altered, expired or malformed: the download is refused."""


@dataclass(frozen=True)
class FileGrant:
    hostel_id: int
    file_id: int
    version: int
    variant: str | None
    user_id: int | None


def sign(keys: Any, grant: FileGrant, seconds: int, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    payload = {
        "iss": keys.issuer,
        "aud": keys.audience + AUDIENCE_SUFFIX,
        "h": grant.hostel_id,
        "f": grant.file_id,
        "v": grant.version,
        "k": grant.variant,
        "u": grant.user_id,
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(seconds=seconds)).timestamp()),
    }
    return jwt.encode(
        payload, keys.private_keys[keys.active_kid], algorithm=ALGORITHM, headers={"kid": keys.active_kid}
    )


def verify(keys: Any, token: str) -> FileGrant:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = keys.public_keys[kid]
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=keys.audience + AUDIENCE_SUFFIX,
            issuer=keys.issuer,
            options={"require": ["exp", "iat", "aud", "iss"]},
        )
        return FileGrant(
            int(claims["h"]),
            int(claims["f"]),
            int(claims["v"]),
            None if claims.get("k") is None else str(claims["k"]),
            None if claims.get("u") is None else int(claims["u"]),
        )
    except jwt.ExpiredSignatureError:
        raise BadFileToken("This download link has expired: ask for a new one.") from None
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        raise BadFileToken("This download link is not valid.") from None
