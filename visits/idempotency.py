"""Safe retries for API POSTs: a request carrying an ``Idempotency-Key`` header runs once per user and key.

A retry with the same key gets the stored response back and creates nothing. The key row is inserted in
the same transaction as the work, so a concurrent retry waits for the first request and then replays it.
Any viewset can use it: ``class MyViewSet(IdempotentMixin, viewsets.ModelViewSet)``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from visits.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class _Replay(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, stored: IdempotencyKey) -> None:
        self.stored = stored


class _KeyReused(Exception):  # noqa: N818
    pass


def _fingerprint(request: Request) -> str:
    """A hash of the request body; multipart uploads are not hashed (they may be large)."""
    if request.content_type.startswith("multipart/"):
        return ""
    return hashlib.sha256(request._request.body).hexdigest()


def _as_json(data: Any) -> Any:
    return json.loads(JSONRenderer().render(data)) if data is not None else None


class IdempotentMixin:
    """Store the response of a keyed POST and replay it for a retry with the same key."""

    idempotency_record: IdempotencyKey | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
        if request.method != "POST" or not request.headers.get(HEADER):
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER, "").strip()
        if request.method != "POST" or not key:
            return
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError({HEADER: [_("The idempotency key is too long.")]})
        endpoint = request.path[:300]
        fingerprint = _fingerprint(request)
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is None:
            try:
                with transaction.atomic():
                    self.idempotency_record = IdempotencyKey.objects.create(
                        user=request.user, key=key, endpoint=endpoint, fingerprint=fingerprint
                    )
                return
            except IntegrityError:
                # A concurrent request with the same key committed first.
                stored = IdempotencyKey.objects.get(user=request.user, key=key)
        if stored.endpoint != endpoint or (stored.fingerprint and stored.fingerprint != fingerprint):
            raise _KeyReused
        raise _Replay(stored)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            response = Response(exc.stored.response_body, status=exc.stored.response_status)
            response["Idempotent-Replayed"] = "true"
            return response
        if isinstance(exc, _KeyReused):
            return Response(
                {"detail": _("This idempotency key was already used for a different request.")},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self.idempotency_record = self.idempotency_record, None
        if record is None:
            return response
        if response.status_code >= 500:
            # A server error is not an answer: let the retry run again.
            record.delete()
        else:
            record.response_status = response.status_code
            record.response_body = _as_json(getattr(response, "data", None))
            record.save(update_fields=["response_status", "response_body"])
        return response
