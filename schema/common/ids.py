"""Opaque Relay global IDs: base64("TypeName:pk")."""

from __future__ import annotations

import base64
import binascii


class InvalidId(ValueError):
    pass


def encode_gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def decode_gid(gid: str) -> tuple[str, int]:
    try:
        raw = base64.b64decode(gid.encode(), validate=True).decode()
        type_name, _, pk = raw.partition(":")
        if not type_name or not pk.isdigit():
            raise ValueError
        return type_name, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidId(f'"{gid}" is not a valid ID') from None
