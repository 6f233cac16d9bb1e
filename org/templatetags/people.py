from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, else the username; "—" for nobody (an optional owner, say)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
