"""The API's filter backend: filtering by an object out of the user's scope looks like filtering by no object."""

from __future__ import annotations

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend


class ScopedFilterBackend(DjangoFilterBackend):
    """django-filter's backend, except that an unknown choice (a related id, a status) gives an empty list.

    Related-object filters validate ids against the whole table, so another team's id passed (an empty list)
    where an unknown id failed (400): that told apart the ids that exist. Now both give an empty list.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            codes = {error.code for errors in filterset.form.errors.as_data().values() for error in errors}
            if codes <= {"invalid_choice", "invalid_pk_value"}:
                return queryset.none()
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
