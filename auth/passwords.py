"""Password hashing with Argon2id (argon2-cffi), and the basic policy.

A hash costs tens of milliseconds of CPU and 64 MiB by design. The `*_async` forms run it on a
worker thread (argon2-cffi releases the GIL while it hashes): a login then does not stall the
other requests of its process, and two logins hash on two cores.

`CAMPUS_CHEAP_PASSWORD_HASHES=1` (set by the test suite only) hashes with argon2's cheapest
parameters: still Argon2id, still verified, a thousand times cheaper. A verification uses
the parameters written in the hash, so hashes made this way stay cheap to verify. The
gateway refuses to start in production with it set (gateway/app.py)."""

from __future__ import annotations

import asyncio
import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

CHEAP_HASHES_ENV = "CAMPUS_CHEAP_PASSWORD_HASHES"


def cheap_hashes() -> bool:
    return os.environ.get(CHEAP_HASHES_ENV, "") == "1"


_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if cheap_hashes() else PasswordHasher()

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"A password needs at least {MIN_LENGTH} characters."
    if password.lower() == password or password.upper() == password or not any(c.isdigit() for c in password):
        return "A password needs upper- and lower-case letters and a digit."
    return None
