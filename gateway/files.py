"""Authenticated file downloads, under the same token, tenant and role rules as GraphQL."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from auth.permissions import SCHOOL_ADMINS
from kit.db import RequestDB
from gateway.graphql_http import GraphQLHTTP
from gateway.school_routes import DOWNLOAD_COST, error, for_school_caller
from resolvers.students import documents
from kit.ids import InvalidId, decode_gid

NOT_FOUND = "No such document."


def student_document_route(graphql: GraphQLHTTP):  # noqa: ANN201
    async def download(request: Request) -> Response:
        async def work(db: RequestDB, identity: Any, school_id: int) -> Response:
            try:
                kind, pk = decode_gid(request.path_params["id"])
            except InvalidId:
                kind, pk = "", 0
            row = await documents.find(db, school_id, pk) if kind == "StudentDocument" else None
            data = None if row is None else await documents.read_stored(graphql.settings, school_id, pk)
            if row is None or data is None:
                return error(404, NOT_FOUND, "NOT_FOUND")
            return Response(
                data,
                media_type=row["file_type"],
                headers={
                    "Content-Disposition": _disposition(row["file_name"]),
                    "Cache-Control": "private, no-store",
                    "X-Content-Type-Options": "nosniff",
                },
            )

        return await for_school_caller(graphql, request, SCHOOL_ADMINS, NOT_FOUND, work, DOWNLOAD_COST)

    return download


# ---- hostel files: signed, expiring URLs (kit/file_urls.py) ----------------------------------------

FILE_NOT_FOUND = "No such file."


def hostel_file_route(graphql: GraphQLHTTP):  # noqa: ANN201
    """`/files/<token>`: the file version (or image variant) the signed token names, in the
    hostel it names, logged in `file_access_logs`. The token is the credential (a link opened in a
    browser or an <img> sends no Authorization): forged, altered or expired is 403; a file since
    deactivated, or a variant not made yet, is 404."""
    from sqlalchemy import text

    from kit.db import DbScope
    from kit.file_urls import BadFileToken, verify
    from kit.storage import StoredFileMissing, storage_for

    async def download(request: Request) -> Response:
        try:
            grant = verify(graphql.keys, request.path_params["token"])
        except BadFileToken as exc:
            return error(403, str(exc), "FORBIDDEN")
        db = RequestDB(graphql.engine, DbScope(user_id=grant.user_id, hostel_id=grant.hostel_id))
        committed = False
        try:
            session = await db.session()
            params = {"h": grant.hostel_id, "f": grant.file_id, "v": grant.version, "k": grant.variant}
            if grant.variant is None:
                sql = (
                    "SELECT v.storage_key, v.content_type, f.file_name, f.extension FROM file_versions v "
                    "JOIN file_uploads f ON f.hostel_id = v.hostel_id AND f.id = v.file_id "
                    "WHERE v.hostel_id = :h AND v.file_id = :f AND v.version_number = :v AND f.active"
                )
            else:
                sql = (
                    "SELECT i.storage_key, i.content_type, f.file_name, 'webp' AS extension FROM image_variants i "
                    "JOIN file_versions v ON v.hostel_id = i.hostel_id AND v.id = i.version_id "
                    "JOIN file_uploads f ON f.hostel_id = i.hostel_id AND f.id = i.file_id "
                    "WHERE i.hostel_id = :h AND i.file_id = :f AND v.version_number = :v AND CAST(i.kind AS text) = :k "
                    "AND f.active"
                )
            row = (await session.execute(text(sql), params)).first()
            if row is None:
                return error(404, FILE_NOT_FOUND, "NOT_FOUND")
            try:
                data = await storage_for(graphql.settings).get(row.storage_key)
            except StoredFileMissing:
                return error(404, FILE_NOT_FOUND, "NOT_FOUND")
            await session.execute(
                text(
                    "INSERT INTO file_access_logs (hostel_id, file_id, user_id, version_number, variant, client_ip, "
                    "created_by) VALUES (:h, :f, :u, :v, :k, :ip, :u)"
                ),
                {**params, "u": grant.user_id, "ip": request.client.host if request.client else None},
            )
            await db.close(commit=True)
            committed = True
            name = row.file_name if grant.variant is None else f"{row.file_name}.{grant.variant.lower()}.webp"
            return Response(
                data,
                media_type=row.content_type,
                headers={
                    "Content-Disposition": _disposition(name),
                    "Cache-Control": "private, no-store",
                    "X-Content-Type-Options": "nosniff",
                },
            )
        finally:
            if not committed:
                await db.close(commit=False)

    return download


def _disposition(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
