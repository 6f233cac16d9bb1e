"""The API's one exception handler: the refusals of the services become the API's answers here, once.

Views and viewsets call services without catching: Django's ``ValidationError`` is a 400 naming each field, a
version conflict (``salesops.errors.VersionConflict``) a 409 with the row as it is now, ``PermissionDenied`` a 403
and a row not found (``ObjectDoesNotExist``, ``Http404``) a 404. Every permission denial of the API is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from org.audit import audit_record
from org.models import AuditEvent
from salesops.errors import VersionConflict


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A refusal's messages by field; messages about the request as a whole under ``non_field_errors``."""
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def _current(conflict: VersionConflict, view: Any) -> dict[str, Any] | None:
    """The conflicting row as the view shows it, read again, when the view shows rows of its kind."""
    if conflict.current is None or not hasattr(view, "get_queryset") or not hasattr(view, "get_serializer"):
        return None
    rows = view.get_queryset()
    if not isinstance(conflict.current, rows.model):
        return None
    row = rows.filter(pk=conflict.current.pk).first()
    return view.get_serializer(row).data if row is not None else None


def _conflict_response(conflict: VersionConflict, context: dict[str, Any]) -> Response:
    current = _current(conflict, context.get("view"))
    body: dict[str, Any] = {
        "detail": _("Someone changed this since you read it; here it is as it is now.")
        if current is not None
        else _("Someone changed this since you read it."),
        "version": [str(message) for message in conflict.message_dict["version"]],
    }
    if current is not None:
        body["current"] = current  # typed as in a 200 ("id": 211, not "211")
    set_rollback()
    return Response(body, status=status.HTTP_409_CONFLICT)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, after the services' refusals are translated, plus an audit event for every permission
    denial of the API's own checks."""
    if isinstance(exc, VersionConflict):
        return _conflict_response(exc, context)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)  # Http404 and Django's PermissionDenied too
    request = context.get("request")
    if isinstance(exc, exceptions.PermissionDenied) and request is not None:
        audit_record(
            action=AuditEvent.Action.PERMISSION_DENIED, request=request, summary=f"{request.method} {request.path}"
        )
    return response
