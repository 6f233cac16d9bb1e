"""DRF permissions built on org.scoping (object-level visibility is done by scoped querysets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

from org.models import Role
from org.scoping import scope_for


class HasRole(BasePermission):
    """Any active member of the company (director, manager or rep)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return scope_for(request.user).role is not None


class ReadAnyWriteManagers(HasRole):
    """Everyone with a role reads; only managers and directors write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        scope = scope_for(request.user)
        if scope.role is None:
            return False
        return request.method in SAFE_METHODS or scope.role in (Role.DIRECTOR, Role.MANAGER)


class ReadAnyWriteDirector(HasRole):
    def has_permission(self, request: Request, view: APIView) -> bool:
        scope = scope_for(request.user)
        if scope.role is None:
            return False
        return request.method in SAFE_METHODS or scope.is_director
