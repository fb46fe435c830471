"""Reading a file of the GraphQL multipart request protocol in a resolver."""

from __future__ import annotations

from typing import Any

from kit.errors import ErrorCode, user_error


async def read_upload(file: Any, limit: int, field: str = "file") -> bytes:
    """The whole content of an uploaded file, at most `limit` bytes, else a clear user error.

    It reads from the start: the protocol lets one file be mapped to several variables, and
    each resolver that receives it reads it in full (the same object is delivered to all)."""
    if not hasattr(file, "read"):  # a JSON value where a file belongs: not a multipart request
        raise user_error(
            ErrorCode.INVALID, "Send the file as a part of a multipart request (GraphQL multipart protocol).", field
        )
    await file.seek(0)
    data: bytes = await file.read(limit + 1)
    if len(data) > limit:
        raise user_error(ErrorCode.INVALID, f"The file is larger than {limit // 1_000_000} MB.", field)
    if not data:
        raise user_error(ErrorCode.INVALID, "The file is empty.", field)
    return data
