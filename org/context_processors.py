from __future__ import annotations

from django.http import HttpRequest

from org.models import Role
from org.scoping import scope_for
from salesops.navigation import navigation_for


def navigation(request: HttpRequest) -> dict:
    role = scope_for(request.user).role if hasattr(request, "user") else None
    return {
        "nav_entries": navigation_for(role, request.path),
        "user_role": role,
        "role_label": Role(role).label if role else "",
    }
