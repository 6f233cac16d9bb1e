"""The refusals every service shares beside Django's own (``ValidationError``, ``PermissionDenied``).

The API's exception handler (``org.errors``) turns each into its answer once; a page shows a refusal's messages
as it shows any ``ValidationError``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


class VersionConflict(ValidationError):
    """A write made from a stale copy: refused under ``version``; ``current`` is the row as it is now (none when
    the conflict is about several rows). The API answers 409 with that row, a page shows the message."""

    def __init__(self, message: Any, *, current: models.Model | None = None) -> None:
        super().__init__({"version": message})
        self.current = current
