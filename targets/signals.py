"""What the targets app announces to the apps above it, which subscribe in their ``AppConfig.ready``.

Both are sent inside the service's transaction, so a receiver's writes commit or roll back with the change.
"""

from __future__ import annotations

from django.dispatch import Signal

# A change of an approved target waits for approval (``change``: the PendingChange).
change_requested = Signal()

# A waiting change was approved or rejected (``change``: the PendingChange, its status and decider set).
change_decided = Signal()

# A director changed a closed month's value of a target (``target``, ``month``: 1–12, ``reason``, ``by``).
closed_month_changed = Signal()
