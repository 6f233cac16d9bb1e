"""The manager's review of a rep's sheet: comments, reopening, and the verification of visits (a discrepancy
is announced for follow-up, ``visits.signals.discrepancy_recorded``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from org.audit import audit_record
from org.models import AuditEvent
from org.scoping import scope_for
from salesops.errors import VersionConflict
from salesops.transactions import entry_point
from visits.models import Visit, VisitReview, VisitSheet
from visits.services.sheet_rules import sheet_touched
from visits.signals import discrepancy_recorded


def _require_manager_of(sheet: VisitSheet, by: AbstractBaseUser) -> None:
    scope = scope_for(by)
    if scope.is_rep or not scope.can_manage(sheet.team_id):
        raise PermissionDenied


def _check_version(sheet: VisitSheet, expected_version: int | None) -> None:
    """Refuse a change made from a stale copy of the sheet, naming what it holds now."""
    if expected_version is not None and expected_version != sheet.version:
        raise VersionConflict(
            _(
                "Someone else changed this sheet in the meantime (status: %(status)s, comment: “%(comment)s”); "
                "reload it and try again."
            )
            % {"status": sheet.get_status_display(), "comment": sheet.manager_comment},
            current=sheet,
        )


@entry_point
def sheet_comment(
    *, by: AbstractBaseUser, sheet: VisitSheet, comment: str, expected_version: int | None = None
) -> VisitSheet:
    """The manager's comment on a rep's sheet (replaces the previous one)."""
    _require_manager_of(sheet, by)
    sheet = VisitSheet.objects.select_for_update().get(pk=sheet.pk)
    _check_version(sheet, expected_version)
    sheet.manager_comment = comment.strip()
    sheet.commented_by = by
    sheet.version += 1
    sheet.save(update_fields=["manager_comment", "commented_by", "version", "updated_at"])
    return sheet


@entry_point
def sheet_reopen(
    *, by: AbstractBaseUser, sheet: VisitSheet, comment: str = "", expected_version: int | None = None
) -> VisitSheet:
    """Give a submitted sheet back to the rep for correction."""
    _require_manager_of(sheet, by)
    sheet = VisitSheet.objects.select_for_update().get(pk=sheet.pk)
    _check_version(sheet, expected_version)
    if sheet.status == VisitSheet.Status.DRAFT:
        raise ValidationError({"status": _("This sheet has not been submitted yet.")})
    sheet.status = VisitSheet.Status.DRAFT
    sheet.reopened = True
    if comment.strip():
        sheet.manager_comment = comment.strip()
        sheet.commented_by = by
    sheet.version += 1
    sheet.save(update_fields=["status", "reopened", "manager_comment", "commented_by", "version", "updated_at"])
    audit_record(
        action=AuditEvent.Action.SHEET_REOPENED,
        actor=by,
        obj=sheet,
        summary=f"{sheet.rep.get_username()} {sheet.date}: {comment.strip()}"[:500],
    )
    return sheet


@entry_point
def visit_review_create(*, by: AbstractBaseUser, visit: Visit, method: str, result: str, note: str = "") -> VisitReview:
    """Record a manager's verification of a visit; a submitted sheet becomes reviewed."""
    sheet = visit.sheet
    _require_manager_of(sheet, by)
    note = note.strip()
    if visit.check_in_at is None:
        raise ValidationError({"visit": _("Only a visit that was checked in can be verified.")})
    if result == VisitReview.Result.DISCREPANCY and not note:
        raise ValidationError({"note": _("Describe the discrepancy.")})
    review = VisitReview(visit=visit, by=by, method=method, result=result, note=note)
    review.full_clean(exclude=["visit", "by"])
    review.save()
    if result == VisitReview.Result.DISCREPANCY:
        # Sent inside the review's transaction: what the receivers write commits (or rolls back) with it.
        discrepancy_recorded.send(sender=VisitReview, review=review, by=by)
    audit_record(
        action=AuditEvent.Action.REVIEW_RECORDED,
        actor=by,
        obj=review,
        summary=f"visit {visit.pk} ({sheet.rep.get_username()} {sheet.date}): {method} → {result} {note}"[:500],
    )
    if sheet.status == VisitSheet.Status.SUBMITTED:
        VisitSheet.objects.filter(pk=sheet.pk).update(status=VisitSheet.Status.REVIEWED)
        sheet.status = VisitSheet.Status.REVIEWED
    sheet_touched(sheet)
    return review


@entry_point
def visit_review_resolve(*, by: AbstractBaseUser, review: VisitReview) -> VisitReview:
    """Close a discrepancy once it has been followed up."""
    _require_manager_of(review.visit.sheet, by)
    if review.result != VisitReview.Result.DISCREPANCY:
        raise ValidationError({"result": _("Only a discrepancy needs following up.")})
    if review.resolved_at is None:
        review.resolved_at = timezone.now()
        review.save(update_fields=["resolved_at"])
    return review
