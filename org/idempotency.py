"""Safe retries for API and page-form POSTs: a request carrying an ``Idempotency-Key`` header runs once per user and
key.

A retry with the same key gets the stored response back and creates nothing. The key row is inserted in
the same transaction as the work, so a concurrent retry waits for the first request and then replays it.
Any viewset can use it: ``class MyViewSet(IdempotentMixin, viewsets.ModelViewSet)``; a page view is decorated with
``@idempotent_page``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from org.models import IdempotencyKey
from salesops.middleware import is_queued_write
from salesops.transactions import request_transaction

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class _Replay(Exception):
    def __init__(self, stored: IdempotencyKey) -> None:
        self.stored = stored


class _KeyReused(Exception):
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
        with request_transaction():
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


# --- page forms ----------------------------------------------------------------------------------------------------


def _messages_so_far(request: HttpRequest) -> int:
    """How many messages wait for the next page before the view runs (left by earlier requests)."""
    if not is_queued_write(request):
        return 0
    storage = messages.get_messages(request)
    count = len(list(storage))
    storage.used = False
    return count


def _page_answer(request: HttpRequest, response: HttpResponse, earlier: int = 0) -> dict[str, Any]:
    """What a page form's POST came to: where it leads, whether it was done, and the messages it left.

    For the phone's queue the messages travel in the JSON too (and stay for the next page, as for a plain form).
    """
    redirected = response.status_code in (301, 302, 303)
    answer: dict[str, Any] = {"location": response.get("Location", "") if redirected else request.path}
    if is_queued_write(request):
        storage = messages.get_messages(request)
        taken = list(storage)[earlier:]
        storage.used = False  # still shown by the next page the phone opens
        answer["messages"] = [{"level": m.level_tag, "text": str(m)} for m in taken]
        answer["ok"] = redirected and not any(m.level >= messages.ERROR for m in taken)
        if not redirected and not taken:
            answer["messages"] = [{"level": "error", "text": _("Not saved: open the page to see what to correct.")}]
    else:
        answer["ok"] = redirected
    return answer


def _page_response(
    request: HttpRequest, answer: dict[str, Any], status_code: int, *, replayed: bool
) -> HttpResponse | None:
    if is_queued_write(request):
        response: HttpResponse = JsonResponse(answer, status=200 if answer["ok"] else 422)
    elif status_code in (301, 302, 303):
        response = redirect(answer["location"])
    else:
        return None  # the view's own page
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def idempotent_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page form's POST with an ``Idempotency-Key`` header runs once per user and key; a retry (the phone's queue
    after a lost answer) is told the first outcome and creates nothing. A write from the queue gets its outcome in
    JSON (200 done, 422 refused, with the messages) instead of a redirect."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER, "").strip()
        if request.method != "POST" or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if not key:
            earlier = _messages_so_far(request)
            response = view(request, *args, **kwargs)
            answer = _page_answer(request, response, earlier)
            return _page_response(request, answer, response.status_code, replayed=False) or response
        if len(key) > MAX_KEY_LENGTH:
            return HttpResponseBadRequest(_("The idempotency key is too long."))
        endpoint = request.path[:300]
        with request_transaction():
            stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if stored is None:
                try:
                    with transaction.atomic():
                        record = IdempotencyKey.objects.create(user=request.user, key=key, endpoint=endpoint)
                except IntegrityError:
                    # A concurrent retry committed first: this one waited for it and replays its outcome.
                    stored = IdempotencyKey.objects.get(user=request.user, key=key)
            if stored is not None:
                if stored.endpoint != endpoint:
                    return HttpResponse(_("This idempotency key was already used for a different request."), status=422)
                answer = stored.response_body or {"location": endpoint, "ok": False, "messages": []}
                return _page_response(request, answer, stored.response_status or 302, replayed=True) or redirect(
                    answer["location"]
                )
            earlier = _messages_so_far(request)
            response = view(request, *args, **kwargs)
            answer = _page_answer(request, response, earlier)
            record.response_status = response.status_code
            record.response_body = answer
            record.save(update_fields=["response_status", "response_body"])
        return _page_response(request, answer, response.status_code, replayed=False) or response

    return wrapper
