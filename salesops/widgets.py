"""Form widgets shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms


class FilePickerInput(forms.FileInput):
    """A file input drawn by ``includes/file_picker.html`` as a translated button beside the chosen file's name.

    The browser's own control speaks the browser's language ("Choose File", "No file chosen"), not the page's;
    the input stays in the form, only visually hidden, so posting, keyboard focus and the labels work as before.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({**(attrs or {}), "class": "visually-hidden file-picker-input", "data-file-picker-input": ""})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if widget_attrs.get("id"):
            widget_attrs["aria-describedby"] = f"{widget_attrs['id']}-chosen"
        return context
