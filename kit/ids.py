"""Opaque Relay global IDs: base64("TypeName:pk").

Decoding is strict: the canonical base64 that `encode_gid` writes (standard alphabet, padded,
nothing else), an ASCII type name, then ASCII digits without a leading zero, within the
integer range of the type's primary key column (int8, or int4 where the column is). Anything
else is `InvalidId`, which callers turn into NOT_FOUND or BAD_USER_INPUT naming the argument:
a client's ID never reaches SQL out of range.
"""

from __future__ import annotations

import base64
import binascii
import re

INT2_MAX = 2**15 - 1
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
MAX_ID_LENGTH = 200  # far above any real ID ("VeryLongTypeName:9223372036854775807")

_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_DIGITS = re.compile(r"0|[1-9][0-9]{0,18}")


class InvalidId(ValueError):
    pass


def encode_gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def decode_gid(gid: str) -> tuple[str, int]:
    if not isinstance(gid, str) or not gid or len(gid) > MAX_ID_LENGTH or not gid.isascii():
        raise InvalidId(_message(gid))
    try:
        data = base64.b64decode(gid, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidId(_message(gid)) from None
    if base64.b64encode(data).decode() != gid or not data.isascii():
        raise InvalidId(_message(gid))  # not canonical: other padding or bits, whitespace, ...
    type_name, sep, digits = data.decode().partition(":")
    if not sep or not _TYPE_NAME.fullmatch(type_name) or not _DIGITS.fullmatch(digits):
        raise InvalidId(_message(gid))
    pk = int(digits)
    if pk > pk_max(type_name):
        raise InvalidId(_message(gid))
    return type_name, pk


def pk_max(type_name: str) -> int:
    """The largest primary key the type's column holds (int8 unless the model says smaller)."""
    from kit.registry import SPECS

    spec = SPECS.get(type_name)
    column = spec.columns.get("id") if spec is not None else None
    return column_max(column.type) if column is not None else INT8_MAX


def column_max(sql_type: object) -> int:
    """The largest value of an integer column type (int2, int4, int8)."""
    from sqlalchemy import BigInteger, Integer, SmallInteger

    if isinstance(sql_type, SmallInteger):
        return INT2_MAX
    if isinstance(sql_type, BigInteger):
        return INT8_MAX
    if isinstance(sql_type, Integer):
        return INT4_MAX
    return INT8_MAX


def _message(gid: object) -> str:
    text = gid if isinstance(gid, str) else repr(gid)
    if len(text) > 40:
        text = text[:40] + "…"
    return f'"{text}" is not a valid ID'
