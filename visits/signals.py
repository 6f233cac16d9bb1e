"""What the visits app announces to the apps above it, which subscribe in their ``AppConfig.ready``."""

from __future__ import annotations

from django.dispatch import Signal

# A manager recorded a discrepancy on a visit (``review``: the VisitReview, ``by``: the manager). Sent inside the
# review's transaction, so a receiver's writes are part of it and a receiver's error refuses the review.
discrepancy_recorded = Signal()
