"""The browsable API for development (DEBUG=1 only): without the HTML forms and filter forms whose related-field
choices would load whole tables; the raw JSON form stays."""

from __future__ import annotations

from typing import Any

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Any) -> None:
        return None

    def get_filter_form(self, data: Any, view: Any, request: Any) -> None:
        return None
