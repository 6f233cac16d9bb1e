"""What a real company might enter: the largest amount of one order line, one imported sale and one annual target.

Anything larger is a typing slip (an extra zero, a pasted account number); refusing it at the door keeps one bad
row from filling the nightly figures with ratios no column can hold.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from salesops.formatting import grouped

AMOUNT_LIMIT = Decimal(10) ** 10  # ¥10,000,000,000 per line and per annual target


def amount_limit_message() -> str:
    return _("The amount may be at most %(limit)s.") % {"limit": grouped(AMOUNT_LIMIT, 0)}


def target_limit_message() -> str:
    return _("A target may be at most %(limit)s.") % {"limit": grouped(AMOUNT_LIMIT, 0)}


def check_amount(value: Decimal, *, field: str | None) -> Decimal:
    """``value`` when it is at most ``AMOUNT_LIMIT``; else a ValidationError on ``field`` (none: a plain one)."""
    if value > AMOUNT_LIMIT:
        message = amount_limit_message()
        raise ValidationError({field: message} if field else message)
    return value


def check_target(value: Decimal, *, field: str) -> Decimal:
    """``value`` when an annual target (or one of its months) may be that large; else a ValidationError."""
    if value > AMOUNT_LIMIT:
        raise ValidationError({field: target_limit_message()})
    return value
