"""``POST /_internal/distributor-webhook/{provider}``: provider feedback ingestion.

HTTP only: the raw body, lower-cased headers and the query go to
:class:`herald.delivery.webhooks.WebhookReceiver`, whose typed errors map to the statuses the
providers act on — 401/403 forged (never retried by Event Grid, harmless for a forger), 400
malformed, 404 unknown provider, 413 oversized, 503 transient (database, certificate fetch:
every provider retries a 5xx). A successful answer is always 200 with a small JSON body.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from herald.delivery.message import WebhookRequest
from herald.delivery.webhooks import WebhookUnavailable
from herald.kit.errors import NotFound, PermissionDenied, Unauthenticated, ValidationFailed
from herald.kit.logging import get_logger
from herald.web.deps import RuntimeDep

log = get_logger(__name__)

router = APIRouter(tags=["internal: provider webhooks"])

MAX_BODY = 10 * 1024 * 1024


@router.post("/_internal/distributor-webhook/{provider}", response_model=None)
async def distributor_webhook(provider: str, request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Mailjet (Basic password = HERALD_WEBHOOK_SECRET), ACS/Event Grid (``?secret=`` or Basic;
    answers the validation handshake), SES/SNS (signature + allowed TopicArn). Idempotent."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return JSONResponse({"detail": "body too large"}, status_code=413)
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"detail": "body too large"}, status_code=413)
    hook = WebhookRequest(
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        query=dict(request.query_params),
    )
    try:
        reply = await runtime.webhooks.receive(runtime.sessions, provider, hook)
    except Unauthenticated as exc:
        log.warning("webhook.unauthenticated", provider=provider, reason=exc.message)
        return JSONResponse(
            {"detail": exc.message, "code": exc.code},
            status_code=401,
            headers={"WWW-Authenticate": 'Basic realm="herald-webhooks"'},
        )
    except PermissionDenied as exc:
        log.warning("webhook.forbidden", provider=provider, reason=exc.message)
        return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=403)
    except NotFound as exc:
        return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=404)
    except ValidationFailed as exc:
        log.warning("webhook.malformed", provider=provider, reason=exc.message)
        return JSONResponse({"detail": exc.message, "code": "malformed"}, status_code=400)
    except WebhookUnavailable as exc:
        return JSONResponse(
            {"detail": exc.message, "code": exc.code},
            status_code=503,
            headers={"Retry-After": "60"},
        )
    return JSONResponse(reply.body)
