"""The API's one exception handler: each refusal a service raises becomes its answer there, whatever the view."""

from __future__ import annotations

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from org.models import AuditEvent
from salesops.errors import VersionConflict

pytestmark = pytest.mark.django_db


class Refusing(APIView):
    """A view that calls a "service" raising ``refusal``, without catching it."""

    authentication_classes: list = []
    permission_classes: list = []
    refusal: Exception = Exception()

    def post(self, request: Request) -> Response:
        raise self.refusal


def answer(refusal: Exception) -> Response:
    response = Refusing.as_view(refusal=refusal)(APIRequestFactory().post("/refused/"))
    response.render()
    return response


def test_field_errors_are_a_400_with_each_fields_messages() -> None:
    response = answer(ValidationError({"name": "Give a name.", "code": ["Too long.", "Not unique."]}))
    assert response.status_code == 400
    assert response.data == {"name": ["Give a name."], "code": ["Too long.", "Not unique."]}


def test_a_refusal_of_the_whole_request_comes_under_non_field_errors() -> None:
    response = answer(ValidationError(["This sheet is closed.", "Ask your manager."]))
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["This sheet is closed.", "Ask your manager."]}


def test_a_version_conflict_about_several_rows_is_a_409_without_a_current_object() -> None:
    with translation.override("en"):
        response = answer(VersionConflict("Rows A, B changed."))
    assert response.status_code == 409
    assert response.data == {"detail": "Someone changed this since you read it.", "version": ["Rows A, B changed."]}


def test_a_version_conflict_is_a_validation_error_for_the_pages() -> None:
    conflict = VersionConflict("Changed meanwhile.")
    assert isinstance(conflict, ValidationError) and conflict.message_dict == {"version": ["Changed meanwhile."]}


def test_a_permission_refused_by_a_service_is_a_403_and_a_missing_row_a_404() -> None:
    assert answer(PermissionDenied()).status_code == 403
    assert answer(ObjectDoesNotExist()).status_code == 404
    assert answer(Http404()).status_code == 404
    assert set(answer(ObjectDoesNotExist()).data) == {"detail"}


def test_a_permission_refused_by_the_apis_own_checks_is_audited() -> None:
    from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

    assert answer(ApiPermissionDenied()).status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PERMISSION_DENIED).count() == 1
