"""Authenticated file downloads, under the same token, tenant and role rules as GraphQL."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

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
            path = documents.stored_path(graphql.settings, school_id, pk)
            if row is None or not path.exists():
                return error(404, NOT_FOUND, "NOT_FOUND")
            return FileResponse(
                path,
                media_type=row["file_type"],
                filename=row["file_name"],
                headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
            )

        return await for_school_caller(graphql, request, SCHOOL_ADMINS, NOT_FOUND, work, DOWNLOAD_COST)

    return download
