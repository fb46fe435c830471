"""JWT access tokens (PyJWT, EdDSA/Ed25519) with a key set, so keys can rotate.

- The algorithm is pinned on decode (an `alg: none` or HMAC token never verifies).
- `exp`, `iat`, `iss`, `aud`, `sub`, `jti` are required (PyJWT checks `exp` only if told);
  `sub` and `sid` must be positive integers a bigint holds (else invalid, never a 500).
- A token whose lifetime (`exp - iat`) exceeds the configured one is refused, even when it
  is correctly signed (a leaked or misused key must not mint long-lived tokens); so are
  refresh and password-reset tokens stored with a longer life than configured
  (`lifetime_exceeded`).
- Each token names its key in the `kid` header; every key of the set verifies, the active
  one signs. Public keys are published at /.well-known/jwks.json.
- Refresh tokens are opaque random strings, stored hashed (auth/service.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kit.settings import Settings

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]


class InvalidToken(Exception):
    """The token cannot be trusted (bad signature, wrong algorithm, unknown key, claims)."""


class ExpiredToken(InvalidToken):
    """A genuine token whose time is up: the client should refresh."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: int
    jti: str
    expires_at: dt.datetime
    kid: str


class KeySet:
    def __init__(self, private_keys: dict[str, Ed25519PrivateKey], active_kid: str, settings: Settings) -> None:
        if active_kid not in private_keys:
            raise ValueError(f"active key {active_kid!r} is not in the key set")
        self.private_keys = private_keys
        self.public_keys: dict[str, Ed25519PublicKey] = {k: v.public_key() for k, v in private_keys.items()}
        self.active_kid = active_kid
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.lifetime = dt.timedelta(minutes=settings.access_token_minutes)
        # A phone sends the same token for its whole life: verify its signature once per process.
        self._verified: dict[str, AccessClaims] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> KeySet:
        if settings.jwt_private_keys:
            pems = json.loads(settings.jwt_private_keys)
        else:
            pems = _development_keys(settings.data_dir / "jwt-keys.json")
        keys: dict[str, Ed25519PrivateKey] = {}
        for kid, pem in pems.items():
            key = serialization.load_pem_private_key(pem.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):  # else: a 500 at the first login or JWKS read
                raise ValueError(f"JWT key {kid!r} is not an Ed25519 private key (tokens are signed with {ALGORITHM})")
            keys[kid] = key
        active = settings.jwt_active_kid or sorted(keys)[-1]
        return cls(keys, active, settings)

    def issue(self, user_id: int, session_id: int, now: dt.datetime | None = None) -> tuple[str, AccessClaims]:
        now = now or dt.datetime.now(dt.UTC)
        expires = now + self.lifetime
        jti = str(uuid.uuid4())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "sid": session_id,
            "jti": jti,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        token = jwt.encode(
            payload, self.private_keys[self.active_kid], algorithm=ALGORITHM, headers={"kid": self.active_kid}
        )
        return token, AccessClaims(user_id, session_id, jti, expires.replace(microsecond=0), self.active_kid)

    def decode(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        if claims is not None and claims.kid in self.public_keys:
            if claims.expires_at + dt.timedelta(seconds=5) <= dt.datetime.now(dt.UTC):
                self._verified.pop(token, None)
                raise ExpiredToken("The access token has expired; refresh it.")
            return claims
        claims = self._decode(token)
        if len(self._verified) >= 10_000:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def _decode(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("The access token is malformed.") from None
        kid = header.get("kid")
        if not isinstance(kid, str) or kid not in self.public_keys or header.get("alg") != ALGORITHM:
            raise InvalidToken("The access token was not issued here.")
        key = self.public_keys[kid]
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
                leeway=5,
            )
        except jwt.ExpiredSignatureError:
            raise ExpiredToken("The access token has expired; refresh it.") from None
        except jwt.PyJWTError:
            raise InvalidToken("The access token is not valid.") from None
        try:
            issued, expires = claims["iat"], claims["exp"]
            if (
                isinstance(issued, bool)
                or isinstance(expires, bool)
                or expires - issued > self.lifetime.total_seconds()
            ):
                raise InvalidToken("The access token lives longer than this server issues them; log in again.")
            return AccessClaims(
                _key(claims["sub"]),
                _key(claims["sid"]),
                str(uuid.UUID(claims["jti"])),
                dt.datetime.fromtimestamp(expires, dt.UTC),
                kid,
            )
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            raise InvalidToken("The access token is not valid.") from None

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, public in sorted(self.public_keys.items()):
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            keys.append(
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": ALGORITHM,
                    "use": "sig",
                    "kid": kid,
                    "x": jwt.utils.base64url_encode(raw).decode(),
                }
            )
        return {"keys": keys}


_KEY_DIGITS = re.compile(r"[1-9][0-9]{0,18}")
_INT8_MAX = 2**63 - 1


def _key(value: Any) -> int:
    """A user or session id claim: a positive integer (or its ASCII digits) a bigint column
    holds; anything else (floats, booleans, "١٢", 2**70) makes the token invalid rather than
    reaching SQL."""
    if isinstance(value, str) and _KEY_DIGITS.fullmatch(value):
        value = int(value)
    if type(value) is not int or not 0 < value <= _INT8_MAX:
        raise ValueError("not a key")
    return value


def new_private_key_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _development_keys(path: Path) -> dict[str, str]:
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = {f"dev-{dt.datetime.now(dt.UTC):%Y%m%d}": new_private_key_pem()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(keys, indent=2))
    tmp.chmod(0o600)
    tmp.replace(path)
    return keys


def lifetime_exceeded(issued_at: dt.datetime | None, expires_at: dt.datetime | None, lifetime: dt.timedelta) -> bool:
    """A stored token (refresh, password reset) that was given a longer life than configured."""
    if issued_at is None or expires_at is None:
        return True
    return expires_at - issued_at > lifetime + dt.timedelta(seconds=1)


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
