"""Hostel files (seed 000 `file_management/`): direct uploads (`fileUpload`, the GraphQL
multipart request protocol), resumable upload sessions, quotas, and signed download URLs
(`FileUpload.downloadUrl`). Rules: resolvers/file_management/service.py."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

import models
from auth.permissions import declare
from kit.connection import graphql_enum
from kit.declared import type_of
from kit.errors import BadInput
from kit.file_urls import FileGrant, sign
from kit.mutations import decode_ref, payload_type, run_workflow
from kit.model_types import extend_type
from kit.planner import PK
from kit.registry import spec_for_model
from kit import writes
from kit.workflow import workflow
from models.file_management import QUOTA_WRITERS
from models.hostel.access import MEMBERS, STAFF
from resolvers.file_management import analytics, documents, service

FileAccessLevel = graphql_enum(models.FileAccessLevel)
ImageVariantKind = graphql_enum(models.ImageVariantKind)


@extend_type(models.FileUpload)
class FileUpload:
    @strawberry.field(
        description="A link that downloads this file (its current version, or `version`; an image's "
        "`variant` once the job has made it) for FILE_URL_SECONDS, without a token: give it to a browser "
        "or an <img>. Each download is logged (fileAccessLogs)."
    )
    def download_url(
        self,
        info: Info,
        version: Annotated[
            int | None, strawberry.argument(description="Which version (1 is the first); the current one if omitted.")
        ] = None,
        variant: Annotated[
            ImageVariantKind | None,
            strawberry.argument(description="A smaller copy of an image instead of the original, once made."),
        ] = None,
    ) -> str:
        ctx = info.context
        number = self.current_version if version is None else version
        if not 1 <= number <= self.current_version:
            raise BadInput(f"This file has versions 1 to {self.current_version}.")
        kind = None if variant is None else (variant.value if hasattr(variant, "value") else str(variant))
        grant = FileGrant(self.hostel_id, getattr(self, PK), number, kind, ctx.user_id)
        token = sign(ctx.request.app.state.keys, grant, ctx.settings.file_url_seconds)
        return f"{ctx.settings.public_url.rstrip('/')}/files/{token}"


@strawberry.input
class FileUploadInput:
    file: Upload = strawberry.field(
        description="PDF, image (JPEG, PNG, WebP, GIF), Word or Excel, recognised by content; at most "
        "MAX_UPLOAD_BYTES (larger: an upload session)."
    )
    file_id: strawberry.ID | None = strawberry.field(default=None, description="Add a version to this file.")
    description: str | None = None
    access_level: FileAccessLevel | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Default PRIVATE (the uploader and staff); HOSTEL (staff only): every member."
    )


@strawberry.input
class UploadSessionPartPutInput:
    session_id: strawberry.ID
    part_number: int = strawberry.field(description="1 to the session's partsTotal.")
    part: Upload = strawberry.field(description="Exactly partBytes bytes (the last part: what remains).")


type_of(models.UploadSession)  # generated before its payload names it
FileUploadPayload = payload_type("FileUploadPayload", spec_for_model(models.FileUpload))
UploadSessionPartPutPayload = payload_type("UploadSessionPartPutPayload", spec_for_model(models.UploadSession))


def _enum(value: Any, py_enum: type) -> Any:
    return None if value is None else py_enum(value.value if hasattr(value, "value") else value)


@strawberry.type
class FileMutation:
    @strawberry.mutation(description="Upload a file of the hostel in one request (GraphQL multipart request protocol).")
    async def file_upload(self, info: Info, input: FileUploadInput) -> FileUploadPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            file_id = None if input.file_id is None else decode_ref(input.file_id, models.FileUpload, "fileId")
            pk = await service.upload(
                ctx, session, input.file, file_id, input.description, _enum(input.access_level, models.FileAccessLevel)
            )
            await writes.log_activity(session, ctx, "fileUpload", "FileUpload", pk)
            return pk

        return await run_workflow(info, MEMBERS, FileUploadPayload, work, spec_for_model(models.FileUpload))

    @strawberry.mutation(description="Send one part of a resumable upload (again to replace it).")
    async def upload_session_part_put(
        self, info: Info, input: UploadSessionPartPutInput
    ) -> UploadSessionPartPutPayload:  # noqa: A002
        async def work(ctx: Any, session: Any) -> int:
            sid = decode_ref(input.session_id, models.UploadSession, "sessionId")
            pk = await service.part_put(ctx, session, sid, input.part_number, input.part)
            await writes.log_activity(session, ctx, "uploadSessionPartPut", "UploadSession", pk)
            return pk

        return await run_workflow(
            info, MEMBERS, UploadSessionPartPutPayload, work, spec_for_model(models.UploadSession)
        )


declare("Mutation.fileUpload", MEMBERS)
declare("Mutation.uploadSessionPartPut", MEMBERS)

mutations = (
    FileMutation,
    workflow("uploadSessionCreate", service.session_create, MEMBERS, returns=models.UploadSession),
    workflow("uploadSessionComplete", service.session_complete, MEMBERS, returns=models.FileUpload),
    workflow("uploadSessionAbort", service.session_abort, MEMBERS, returns=models.UploadSession),
    workflow("fileQuotaSet", service.quota_set, QUOTA_WRITERS, returns=models.FileQuota),
    workflow("fileTagsSet", service.tags_set, MEMBERS, returns=models.FileUpload),
    workflow("fileFavoriteToggle", service.favorite_toggle, MEMBERS, returns=models.FileUpload),
    workflow("fileAccessGrant", service.access_grant, MEMBERS, returns=models.FileAccess),
    workflow("fileAccessRevoke", service.access_revoke, MEMBERS, returns=models.FileUpload),
    workflow("fileAnalyticsRefresh", analytics.refresh, STAFF, returns=models.FileAnalytics),
    workflow("documentSubmit", documents.submit, MEMBERS, returns=models.DocumentUpload),
    workflow("documentVerify", documents.verify, STAFF, returns=models.DocumentUpload),
    workflow("documentReject", documents.reject, STAFF, returns=models.DocumentUpload),
)
