"""One storage interface for every stored file (issue 15): uploads, their versions, the parts of a
resumable upload and image variants are bytes under a key such as `hostels/3/files/12/v1`.

- `LocalStorage` (default): a directory, `FILE_STORAGE_DIR` or `DATA_DIR/files`.
- `S3Storage` (`FILE_STORAGE=s3`): an S3-compatible bucket through boto3 (AWS, MinIO, Ceph...):
  `S3_BUCKET`, `S3_ENDPOINT_URL`, `S3_PREFIX`; credentials the way boto3 finds them (environment,
  profile, instance role).

Keys are made by the services from ids only (never from a client's file name), so no key can
climb out of its folder. Files are written before the row that names them commits: a failed
transaction may leave an unreferenced file, never a row without its file.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from kit.settings import Settings


class StoredFileMissing(LookupError):
    """No bytes under the key (a row written without its file, or removed by hand)."""


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...

    async def concat(self, key: str, parts: Iterable[str]) -> tuple[int, str]:
        """Write the parts' bytes one after another under `key`; (size, sha256 hex) of the result."""
        ...


def _checked(key: str) -> str:
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _checked(key)

    def _put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # write then rename: a reader never sees half a file, a crash leaves no half file under the key
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self.path(key).read_bytes)
        except FileNotFoundError:
            raise StoredFileMissing(key) from None

    async def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    async def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def _concat(self, key: str, parts: list[str]) -> tuple[int, str]:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with self.path(part).open("rb") as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
        os.replace(tmp, path)
        return size, digest.hexdigest()

    async def concat(self, key: str, parts: Iterable[str]) -> tuple[int, str]:
        return await asyncio.to_thread(self._concat, key, list(parts))


class S3Storage:
    """An S3-compatible bucket (boto3, its calls run in a thread). `concat` copies the parts
    through this process: parts are at most MAX_UPLOAD_BYTES each and S3's own multipart
    copy needs parts of 5 MB, which the resumable sessions do not impose."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client: Any = None) -> None:
        import boto3  # type: ignore[import-untyped]

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        return self.prefix + _checked(key)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self.client.put_object, Bucket=self.bucket, Key=self._key(key), Body=data)

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            try:
                body: bytes = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
            except self.client.exceptions.NoSuchKey:
                raise StoredFileMissing(key) from None
            return body

        return await asyncio.to_thread(read)

    async def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        try:
            await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=self._key(key))
        except ClientError:
            return False
        return True

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def concat(self, key: str, parts: Iterable[str]) -> tuple[int, str]:
        chunks = [await self.get(p) for p in parts]
        data = b"".join(chunks)
        await self.put(key, data)
        return len(data), hashlib.sha256(data).hexdigest()


def storage_root(settings: Settings) -> Path:
    return Path(settings.file_storage_dir or settings.data_dir / "files")


@lru_cache(maxsize=8)
def _cached(kind: str, root: str, bucket: str | None, prefix: str, endpoint: str | None) -> Storage:
    if kind == "s3":
        if not bucket:
            raise ValueError("FILE_STORAGE=s3 needs S3_BUCKET")
        return S3Storage(bucket, prefix, endpoint)
    return LocalStorage(Path(root))


def storage_for(settings: Settings) -> Storage:
    """The storage the settings choose (one per distinct configuration, kept for the process)."""
    return _cached(
        settings.file_storage,
        str(storage_root(settings)),
        settings.s3_bucket,
        settings.s3_prefix,
        settings.s3_endpoint_url,
    )
