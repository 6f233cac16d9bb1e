from __future__ import annotations

from django import template

from salesops.formatting import display_name

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's display name (王芳, Anna Smith), else the username; "—" for nobody (an optional owner, say)."""
    return display_name(user)
