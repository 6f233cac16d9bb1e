"""The API's OpenAPI schema, shared by every app: the error bodies each operation can answer with, the 409
that carries the current object typed as that object, and identifiers that read the same in every language.

Views state only what is theirs (``responses={200: ..., 409: conflict_of(TargetSerializer)}``); the errors
that follow from how a view is built (a body, a path id, a signed-in user, a role) are added here, once.
"""

from __future__ import annotations

import functools
import inspect
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_SUMMARY_VERBS = {
    "list": "List",
    "create": "Add to",
    "retrieve": "Read",
    "update": "Replace",
    "partial_update": "Change",
    "destroy": "Delete",
}


# --- error bodies --------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of a refusal that names no field: not signed in, not allowed, not found, locked out."""

    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, in the request's language."))


class ValidationErrorSerializer(serializers.Serializer):
    """The body of a 400: each refused field's messages under its name (a list's items as a list of such
    objects), ``non_field_errors`` for the request as a whole, ``detail`` for a body that is not JSON."""

    detail = serializers.CharField(required=False, help_text=gettext_lazy("Why the body could not be read."))
    non_field_errors = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=gettext_lazy("Messages about the request as a whole.")
    )


class StaleVersionSerializer(serializers.Serializer):
    """The body of a 409 about several rows: which of them changed since they were read."""

    detail = serializers.CharField()
    version = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("The rows that changed."))


def _conflict_name(serializer_class: type[serializers.BaseSerializer]) -> str:
    return serializer_class.__name__.removesuffix("Serializer") + "Conflict"


@functools.cache
def conflict_of(serializer_class: type[serializers.BaseSerializer]) -> serializers.Serializer:
    """The documented 409 body of an operation whose object has a version: the object as it is now."""
    return inline_serializer(
        name=_conflict_name(serializer_class),
        fields={
            "detail": serializers.CharField(),
            "version": serializers.ListField(child=serializers.CharField()),
            "current": serializer_class(),
        },
    )


# --- fields and filters whose documented type is the real one -----------------------------------


class PositionField(serializers.DecimalField):
    """A latitude or longitude in degrees: a phone's GPS gives 7 or more decimals, which are rounded to the
    stored precision instead of refused."""

    def validate_precision(self, value: Decimal) -> Decimal:
        if value.is_finite():
            value = value.quantize(Decimal(1).scaleb(-self.decimal_places), rounding=ROUND_HALF_UP)
        return super().validate_precision(value)


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(filters.NumberFilter):
    """A year parameter: a whole number (2026), documented as an integer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        kwargs.setdefault("max_digits", 4)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


# --- the schema generator -----------------------------------------------------------------------


def _model_field_of(field: serializers.Field) -> models.Field | None:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, with the error responses that follow from the view's shape."""

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any) -> Any:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, body, description in self._error_responses(operation):
            if code not in responses:
                responses[code] = self._get_response_for_code(body, code, ["application/json"])
            if not responses[code].get("description"):
                responses[code]["description"] = description
        if "409" in responses and not responses["409"].get("description"):
            responses["409"]["description"] = _("Changed since it was read (a stale version): the object as it is now.")
        operation["responses"] = dict(sorted(responses.items()))
        # An operation that takes no credentials says so (the token login), rather than saying nothing.
        operation.setdefault("security", [])
        return operation

    def get_description(self) -> str:
        """The action's docstring, else the view's own; never a mixin's (it tells how the mixin works)."""
        action = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        action_doc = get_doc(action)
        if action_doc:
            return action_doc
        for cls in type(self.view).__mro__:
            if cls.__module__.startswith(("rest_framework.", "django.")):
                break
            if cls.__doc__ and not cls.__name__.endswith("Mixin"):
                return inspect.cleandoc(cls.__doc__)
        return ""

    def get_summary(self) -> str:
        """A short English title: the first line of the action's docstring, else its verb and resource."""
        action = getattr(self.view, "action", None)
        method = getattr(type(self.view), action, None) if action else getattr(type(self.view), self.method.lower())
        own_doc = method is not None and method.__qualname__.split(".")[0] == type(self.view).__name__
        if own_doc and method.__doc__:
            return method.__doc__.strip().splitlines()[0].rstrip(".")
        words = [
            part for part in self.path.split("/") if part and not part.startswith("{") and part not in ("api", "v1")
        ]
        resource = " ".join(words).replace("-", " ").replace("_", " ")
        verb = _SUMMARY_VERBS.get(action, "Read" if self.method == "GET" else "")
        if not verb:
            return resource[:1].upper() + resource[1:]
        if action in ("list", "create") or action not in _SUMMARY_VERBS or not resource:
            return f"{verb} {resource}".strip()
        model = getattr(getattr(self.view, "queryset", None), "model", None) or getattr(
            getattr(self.view.get_serializer_class(), "Meta", None), "model", None
        )
        if model is not None:
            with translation.override("en"):
                noun = str(model._meta.verbose_name)
            return f"{verb} {'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
        return f"{verb} one of the {resource}"

    def _get_serializer_field_meta(self, field: Any, direction: str) -> dict:
        # A field's label is its verbose name in the request's language: as a schema title a client generator
        # would make class names of it (V1AlertsList级别). The description carries the words instead.
        meta = super()._get_serializer_field_meta(field, direction)
        meta.pop("title", None)
        return meta

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> Any:
        # DRF drops allow_blank from a read-only model field: its answers may still hold "" (a check-in
        # without a position), so the documented enum says so, or a client's parser refuses the answer.
        if isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank:
            model_field = _model_field_of(field)
            if isinstance(model_field, (models.CharField, models.TextField)) and model_field.blank:
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _error_responses(self, operation: dict) -> list[tuple[str, Any, str]]:
        parameters = operation.get("parameters", [])
        in_query = any(parameter["in"] == "query" for parameter in parameters)
        in_path = any(parameter["in"] == "path" for parameter in parameters)
        paginated = any(parameter["name"] == "page" and parameter["in"] == "query" for parameter in parameters)
        authenticated = bool(self.view.get_authenticators())
        guarded = any(not isinstance(permission, AllowAny) for permission in self.view.get_permissions())
        idempotent = self.method == "POST" and any(cls.__name__ == "IdempotentMixin" for cls in type(self.view).__mro__)
        errors = []
        if self.method in WRITE_METHODS or in_query:
            errors.append(("400", ValidationErrorSerializer, _("A parameter or a field of the body was refused.")))
        if authenticated and guarded:
            errors.append(("401", ErrorSerializer, _("No valid API token (missing, expired or revoked).")))
        if guarded:
            errors.append(("403", ErrorSerializer, _("The user's role may not do this.")))
        if in_path or paginated:
            errors.append(("404", ErrorSerializer, _("Not found among what the user may see (or no such page).")))
        if self.view.get_throttles():
            errors.append(("429", ErrorSerializer, _("Too many requests: try again later.")))
        if idempotent:
            errors.append(("422", ErrorSerializer, _("The Idempotency-Key was already used for another request.")))
        return errors


# --- postprocessing hooks -----------------------------------------------------------------------

_REDUNDANT_LABEL = re.compile(r"^(\* `([^`]*)`) - \2$", re.MULTILINE)


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def readable_enum_descriptions(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """An enum's description lists each value with its label; a label that only repeats the value
    (``A - A``) is left out."""
    for node in _walk(result):
        description = node.get("description")
        if isinstance(description, str) and "* `" in description:
            node["description"] = _REDUNDANT_LABEL.sub(r"\1", description)
    return result


def _references(node: Any) -> set[str]:
    return {item["$ref"].rsplit("/", 1)[-1] for item in _walk(node) if isinstance(item.get("$ref"), str)}


def unused_components_removed(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Drop the component schemas that nothing refers to (a read-only nested serializer's request variant)."""
    schemas = result.get("components", {}).get("schemas", {})
    used, todo = set(), _references(result.get("paths", {}))
    while todo:
        name = todo.pop()
        if name not in used and name in schemas:
            used.add(name)
            todo |= _references(schemas[name])
    for name in set(schemas) - used:
        del schemas[name]
    return result
