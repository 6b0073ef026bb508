"""/sys/newsletter/lists/{id}/imports and /sys/newsletter/imports/{id}: streaming CSV import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile

from herald.audience.imports import service as imports
from herald.audience.schemas import Page
from herald.kit.errors import NotFound, ValidationFailed
from herald.models.audience import ImportJob
from herald.queue import enqueue
from herald.web.deps import ReadActor, RuntimeDep, SessionDep, SysActor
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: import"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])

CHUNK = 1 << 20


def _attestation(fields: dict[str, object]) -> imports.Attestation:
    try:
        return imports.Attestation.model_validate(
            {
                k: fields.get(k)
                for k in ("attested_by", "attested_at", "consent_method", "consent_source")
            }
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ValidationFailed(
            "an import needs an attestation of consent (attested_by, attested_at, "
            f"consent_method, consent_source): {problems}",
            field="attestation",
        ) from exc


async def _file_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "attested_by": {"type": "string"},
                        "attested_at": {"type": "string", "format": "date-time"},
                        "consent_method": {"type": "string"},
                        "consent_source": {"type": "string"},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/lists/{list_id}/imports",
    status_code=202,
    response_model=imports.ImportOut,
    openapi_extra=UPLOAD_BODY,
)
async def start_import(
    list_id: int,
    request: Request,
    actor: SysActor,
    session: SessionDep,
    rt: RuntimeDep,
    attested_by: Annotated[str | None, Query(max_length=200)] = None,
    attested_at: datetime | None = None,
    consent_method: Annotated[str | None, Query(max_length=2000)] = None,
    consent_source: Annotated[str | None, Query(max_length=2000)] = None,
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> imports.ImportOut:
    """Upload a CSV: ``multipart/form-data`` (field ``file`` + attestation fields) or a raw
    ``text/csv`` body with the attestation in the query string. Processing is asynchronous:
    poll ``GET /sys/newsletter/imports/{id}`` for progress."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fields: dict[str, object] = {
        "attested_by": attested_by,
        "attested_at": attested_at,
        "consent_method": consent_method,
        "consent_source": consent_source,
    }
    upload: UploadFile | None = None
    form = None
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=20)
        for key in fields:
            value = form.get(key)
            if isinstance(value, str) and value:
                fields[key] = value
        candidate = form.get("file")
        if not isinstance(candidate, UploadFile):
            raise ValidationFailed("attach the CSV as the 'file' field", field="file")
        upload = candidate
        filename = filename or upload.filename
    elif ctype not in {"text/csv", "application/csv", "text/plain", "application/octet-stream"}:
        raise ValidationFailed("send the CSV as multipart/form-data or with Content-Type text/csv")
    try:
        attestation = _attestation(fields)
        job = await imports.create_import(session, actor, list_id, attestation, filename)
        path = imports.upload_path(rt.settings.data_dir, job.id)
        chunks = _file_chunks(upload) if upload is not None else request.stream()
        try:
            job.bytes_total, job.file_sha256 = await imports.spool(chunks, path)
        except ValidationFailed:
            path.unlink(missing_ok=True)
            raise
    finally:
        if form is not None:
            await form.close()
    job.status = "queued"
    await enqueue(
        session, imports.IMPORT_JOB, {"import_id": job.id}, tenant_id=job.tenant_id, max_attempts=3
    )
    await session.flush()
    return imports.to_out(job)


@router.get("/imports/{import_id}", response_model=imports.ImportOut)
@admin_router.get("/imports/{import_id}", response_model=imports.ImportOut)
async def get_import(import_id: int, actor: ReadActor, session: SessionDep) -> imports.ImportOut:
    return imports.to_out(await imports.get_import(session, actor.scope(), import_id))


@router.get("/lists/{list_id}/imports", response_model=Page[imports.ImportOut])
@admin_router.get("/lists/{list_id}/imports", response_model=Page[imports.ImportOut])
async def list_imports(
    list_id: int, actor: ReadActor, session: SessionDep, cursor: Cursor = None, limit: Limit = 20
) -> Page[imports.ImportOut]:
    stmt = (
        select(ImportJob)
        .where(ImportJob.list_id == list_id, actor.scope().clause(ImportJob.tenant_id))
        .order_by(ImportJob.id.desc())
        .limit(limit)
    )
    after = after_id(cursor)
    if after is not None:
        stmt = stmt.where(ImportJob.id < after)
    rows = list((await session.execute(stmt)).scalars())
    return Page[imports.ImportOut](
        items=[imports.to_out(r) for r in rows],
        next_cursor=next_cursor([r.id for r in rows], limit),
    )


class ImportIssue(BaseModel):
    line: int
    reason: str


@router.get("/imports/{import_id}/errors", response_model=Page[ImportIssue])
@admin_router.get("/imports/{import_id}/errors", response_model=Page[ImportIssue])
async def import_errors(import_id: int, actor: ReadActor, session: SessionDep) -> Page[ImportIssue]:
    """The first 1,000 rejected or skipped rows; the full list is in ``rejected.csv``."""
    job = await imports.get_import(session, actor.scope(), import_id)
    return Page[ImportIssue](items=[ImportIssue(**e) for e in job.errors or []])


@router.get("/imports/{import_id}/rejected.csv", response_class=FileResponse)
@admin_router.get("/imports/{import_id}/rejected.csv", response_class=FileResponse)
async def rejected_csv(
    import_id: int, actor: ReadActor, session: SessionDep, rt: RuntimeDep
) -> FileResponse:
    job = await imports.get_import(session, actor.scope(), import_id)
    path = imports.rejected_path(rt.settings.data_dir, job.id)
    if not path.exists():
        raise NotFound("the rejected-rows file is not ready")
    return FileResponse(
        path, media_type="text/csv; charset=utf-8", filename=f"import-{job.id}-rejected.csv"
    )
