"""What the meetings app follows up when a lower app reports it (connected in ``MeetingsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import Problem
from meetings.services import problem_raise_in_transaction
from visits.models import VisitReview
from visits.signals import discrepancy_recorded


def problem_from_discrepancy(*, review: VisitReview, by: AbstractBaseUser, **_kwargs: Any) -> None:
    """A discrepancy is a problem to follow up: raised for the rep, due today, on the meetings' problem list."""
    visit, sheet = review.visit, review.visit.sheet
    description = _("Visit check found a discrepancy: %(customer)s on %(date)s (%(method)s): %(note)s") % {
        "customer": visit.customer.name,
        "date": sheet.date.isoformat(),
        "method": review.get_method_display(),
        "note": review.note,
    }
    problem_raise_in_transaction(  # inside the review's own transaction
        by=by,
        team=sheet.team,
        description=description,
        owner=sheet.rep,
        due_date=max(timezone.localdate(), sheet.date),
        source=Problem.Source.REVIEW,
    )


def connect() -> None:
    discrepancy_recorded.connect(
        problem_from_discrepancy, sender=VisitReview, dispatch_uid="meetings.problem_from_discrepancy"
    )
