from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from org.models import Role, Team
from org.scoping import require_role, scope_for, visible_teams
from salesops.formatting import error_text, month_label
from salesops.params import next_url
from targets import breakdown, profiles, selectors, services
from targets.forms import AllocateForm, LockForm
from targets.models import DistributionProfile, Metric, Target

LEADERS = (Role.DIRECTOR, Role.MANAGER)
MONTH_NUMBERS = list(breakdown.MONTHS)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def grid_params(request: HttpRequest, data) -> tuple[Team, int, Metric]:
    """The team, year and metric a grid request is about (defaults: the user's first team, this year, sales)."""
    scope = scope_for(request.user)
    teams = visible_teams(request.user).order_by("depth", "name")
    team_id = _int(data.get("team"), 0)
    if team_id:
        team = get_object_or_404(teams, pk=team_id)
    else:
        managed = [t for t in teams if t.pk in scope.managed_team_ids]
        team = managed[0] if managed else teams.first()
        if team is None:
            raise Http404
    year = min(max(_int(data.get("year"), timezone.localdate().year), 2000), 2100)
    metrics = selectors.metric_list()
    metric = metrics.filter(code=data.get("metric")).first() or metrics.first()
    return team, year, metric


def grid_url(team_id: int, year: int, metric_code: str) -> str:
    return reverse("targets:grid") + "?" + urlencode({"team": team_id, "year": year, "metric": metric_code})


def number_formats(metric: Metric) -> dict:
    """floatformat arguments: ``fmt`` to show (grouped), ``places`` to edit."""
    return {"fmt": "2g" if metric.is_money else "0g", "places": "2" if metric.is_money else "0"}


def _grid_context(request: HttpRequest, team: Team, year: int, metric: Metric, **extra) -> dict:
    grid = selectors.grid_for(user=request.user, team=team, year=year, metric=metric)
    scope = scope_for(request.user)
    formats = number_formats(metric)
    largest_month = max((max(row.months) for row in [grid.parent, *grid.rows] if row.target), default=0)
    largest_year = max((row.target.annual_value for row in [grid.parent, *grid.rows] if row.target), default=0)
    for row in [grid.parent, *grid.rows]:
        if row.target:
            row.target.open_change = selectors.open_pending_change(target=row.target)
    closed = selectors.closed_months(year)
    return {
        "closed_months": closed,
        "annual_confirm": _annual_confirm(closed),
        # Inputs as wide as the largest number in the grid (a browser's "size" is generous: a few characters less fit).
        "month_size": max(6, len(f"{largest_month:,.{formats['places']}f}") - 4),
        "year_size": max(8, len(f"{largest_year:,.{formats['places']}f}") - 3),
        "grid": grid,
        "can_edit": scope.can_manage(team.pk),
        "profiles": selectors.profile_list(),
        "months": MONTH_NUMBERS,
        "month_labels": [dt.date(2000, m, 1) for m in MONTH_NUMBERS],
        "grid_query": urlencode({"team": team.pk, "year": year, "metric": metric.code}),
        **formats,
        **extra,
    }


def _annual_confirm(closed: set[int]) -> str:
    """What the year's input asks before a change once months have closed."""
    if not closed:
        return ""
    if len(closed) == 12:
        return _("Every month of this year is closed; the annual value can only change through a director's reopening.")
    open_months = [m for m in MONTH_NUMBERS if m not in closed]
    return _(
        "%(closed)s closed and keep their values: the change of the annual value is spread over %(open)s only, "
        "by the row's profile. Go on?"
    ) % {"closed": _month_span(sorted(closed)), "open": _month_span(open_months)}


def _month_span(months: list[int]) -> str:
    if len(months) > 2 and months == list(range(months[0], months[-1] + 1)):
        return _("%(first)s–%(last)s") % {"first": month_label(months[0]), "last": month_label(months[-1])}
    return ", ".join(month_label(m) for m in months)


def _change_notice(target: Target, closed: set[int]) -> str:
    if getattr(target, "pending_change", None) is not None:
        return _("The change waits for approval; until it is approved the approved values stay in force everywhere.")
    if closed and len(closed) < 12:
        return _("The closed months (%(closed)s) kept their values; the change went to the open months.") % {
            "closed": _month_span(sorted(closed))
        }
    return ""


@login_required
def grid(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *LEADERS)
    team, year, metric = grid_params(request, request.GET)
    this_year = timezone.localdate().year
    context = _grid_context(
        request,
        team,
        year,
        metric,
        teams=visible_teams(request.user).order_by("path"),
        metrics=selectors.metric_list(),
        years=range(this_year - 2, this_year + 3),
        ramp_plans=_with_progress(selectors.ramp_plans_for(user=request.user, team=team)),
        pending_count=len(selectors.pending_changes_to_decide(user=request.user)),
    )
    return render(request, "targets/grid.html", context)


def _with_progress(plans, day: dt.date | None = None) -> list[tuple]:
    """(plan, checkpoints) pairs for the ramp tables, in a constant number of queries."""
    plans = list(plans)
    progress = selectors.ramp_progress_many(plans=plans, day=day)
    return [(plan, progress[plan.pk]) for plan in plans]


def _grid_fragment(
    request: HttpRequest, team: Team, year: int, metric: Metric, error: str = "", notice: str = ""
) -> HttpResponse:
    context = _grid_context(request, team, year, metric, error=error, notice=notice)
    return render(request, "targets/_grid.html", context)


@login_required
@require_POST
def cell(request: HttpRequest) -> HttpResponse:
    """An inline edit of the grid (a month, the year, or a new row's year); answers with the grid again."""
    require_role(request.user, *LEADERS)
    team, year, metric = grid_params(request, request.POST)
    month = _int(request.POST.get("month"), 0)
    value = request.POST.get("value", "")
    reason = request.POST.get("reason", "")
    error = notice = ""
    try:
        target_id = _int(request.POST.get("target"), 0)
        if target_id:
            target = get_object_or_404(selectors.target_list_for(user=request.user), pk=target_id)
            version = _int(request.POST.get("version"), 0) or None
            if month:
                changed = services.target_override_month(
                    by=request.user,
                    target=target,
                    month=month,
                    value=value,
                    mode=request.POST.get("mode", services.RESPREAD),
                    reason=reason,
                    expected_version=version,
                )
                notice = _change_notice(changed, set())
            else:
                changed = services.target_set_annual(
                    by=request.user, target=target, annual_value=value, reason=reason, expected_version=version
                )
                notice = _change_notice(changed, selectors.closed_months(year))
        else:
            owner = request.POST.get("owner", "")
            grid_ = selectors.grid_for(user=request.user, team=team, year=year, metric=metric)
            row = next((r for r in [grid_.parent, *grid_.rows] if r.key == owner), None)
            if row is None:
                raise Http404
            services.target_create(
                by=request.user,
                metric=metric,
                fiscal_year=year,
                annual_value=value,
                team=row.team,
                rep=row.rep,
                parent=None if row is grid_.parent else grid_.parent.target,
                profile=grid_.parent.target.profile if grid_.parent.target and row is not grid_.parent else None,
            )
    except ValidationError as exc:
        error = error_text(exc)
    except PermissionDenied:
        error = _("You do not manage this team, so you cannot set its targets.")
    return _grid_fragment(request, team, year, metric, error, notice if not error else "")


@login_required
@require_POST
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a row's distribution profile; answers with the grid again."""
    require_role(request.user, *LEADERS)
    target = get_object_or_404(selectors.target_list_for(user=request.user), pk=pk)
    profile_id = _int(request.POST.get("profile"), 0)
    chosen = get_object_or_404(DistributionProfile, pk=profile_id) if profile_id else None
    error = ""
    try:
        target = services.target_set_profile(
            by=request.user,
            target=target,
            profile=chosen,
            reason=request.POST.get("reason", ""),
            expected_version=_int(request.POST.get("version"), 0) or None,
        )
    except ValidationError as exc:
        error = error_text(exc)
    except PermissionDenied:
        error = _("You do not manage this team, so you cannot set its targets.")
    notice = "" if error else _profile_sources(target)["fallback_text"]
    team, year, metric = grid_params(request, request.POST)
    return _grid_fragment(request, team, year, metric, error, notice=notice)


@login_required
@require_POST
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """Allocate a team target to the grid's rows equally, by shares or by last year's actuals."""
    require_role(request.user, *LEADERS)
    parent = get_object_or_404(selectors.target_list_for(user=request.user), pk=pk, rep__isnull=True)
    grid_ = selectors.grid_for(user=request.user, team=parent.team, year=parent.fiscal_year, metric=parent.metric)
    form = AllocateForm(request.POST)
    back = grid_url(parent.team_id, parent.fiscal_year, parent.metric.code)
    if not form.is_valid():
        messages.error(request, _("Choose how to allocate."))
        return redirect(back)
    shares = {row.key: request.POST.get(f"share_{row.key}", "") for row in grid_.rows}
    # The versions the grid showed (empty: no target then); a row changed since is refused by name.
    versions: dict[str, int | None] = {}
    if "version_parent" in request.POST:
        versions["parent"] = _int(request.POST["version_parent"], 0) or None
        versions.update({row.key: _int(request.POST.get(f"version_{row.key}"), 0) or None for row in grid_.rows})
    try:
        services.target_allocate(
            by=request.user,
            parent=parent,
            children=grid_.children,
            method=form.cleaned_data["method"],
            shares=shares,
            reason=form.cleaned_data["reason"],
            versions=versions,
        )
        messages.success(request, _("The target is allocated."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(back)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request.user)
    target = get_object_or_404(selectors.target_list_for(user=request.user), pk=pk)
    today = timezone.localdate()
    day_month = _int(request.GET.get("month"), today.month if today.year == target.fiscal_year else 1)
    day_month = min(max(day_month, 1), 12)
    months = selectors.month_values(target)
    periods = list(target.periods.all())
    daily = profiles.daily_split(months[day_month - 1], target.fiscal_year, day_month, target.metric.precision)
    context = {
        "target": target,
        "periods": periods,
        "quarters": breakdown.quarter_values(months),
        "history": selectors.target_history(target=target),
        "can_approve": selectors.can_approve(user=request.user, target=target),
        "can_edit": scope.can_manage(target.team_id),
        "can_acknowledge": target.rep_id == request.user.pk and target.is_approved and not target.acknowledged_at,
        "allocation": selectors.allocation_summary(parent=target) if target.children.exists() else None,
        "daily": sorted(daily.items()),
        "day_month": day_month,
        "months": MONTH_NUMBERS,
        "lock_form": LockForm(),
        **_profile_sources(target),
        "open_change": selectors.open_pending_change(target=target),
        "is_approver": selectors.is_approver(user=request.user, target=target),
        "closed_months": sorted(selectors.closed_months(target.fiscal_year)),
        "can_reopen": scope.is_director,
        **number_formats(target.metric),
    }
    return render(request, "targets/detail.html", context)


def _profile_sources(target: Target) -> dict:
    """For the last-year profile: where each month's weight came from, and the months that fell back."""
    if target.profile is None or target.profile.kind != DistributionProfile.Kind.LAST_YEAR:
        return {"profile_sources": None, "fallback_text": ""}
    profile = profiles.last_year_profile_of(target)
    return {"profile_sources": profile, "fallback_text": _fallback_text(profile)}


def _fallback_text(profile: breakdown.LastYearProfile) -> str:
    if not profile.fallback_months:
        return ""
    months = pgettext("list separator", ", ").join(month_label(m) for m in profile.fallback_months)
    return _(
        "%(year)s has no complete data for %(months)s: those months follow the working days, "
        "the others %(year)s's actuals."
    ) % {"year": profile.history_year, "months": months}


def target_action(request: HttpRequest, pk: int, action) -> HttpResponse:
    target = get_object_or_404(selectors.target_list_for(user=request.user), pk=pk)
    try:
        action(target)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(next_url(request, default=reverse("targets:detail", args=[target.pk])))


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)

    def run(target: Target) -> None:
        services.target_approve(by=request.user, target=target)
        messages.success(request, _("The target is approved."))

    return target_action(request, pk, run)


@login_required
@require_POST
def approve_children(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve every draft target allocated from this one that the user may approve."""
    require_role(request.user, *LEADERS)
    parent = get_object_or_404(selectors.target_list_for(user=request.user), pk=pk)
    drafts = [
        child
        for child in selectors.target_list_for(user=request.user).filter(parent=parent, status=Target.Status.DRAFT)
        if selectors.can_approve(user=request.user, target=child)
    ]
    for child in drafts:
        services.target_approve(by=request.user, target=child)
    messages.success(request, _("%(count)s targets approved.") % {"count": len(drafts)})
    return redirect(grid_url(parent.team_id, parent.fiscal_year, parent.metric.code))


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user)

    def run(target: Target) -> None:
        services.target_acknowledge(by=request.user, target=target)
        messages.success(request, _("Target acknowledged."))

    return target_action(request, pk, run)


@login_required
@require_POST
def lock(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *LEADERS)
    form = LockForm(request.POST)

    def run(target: Target) -> None:
        if not form.is_valid():
            raise ValidationError({"through_month": _("Choose a month from 1 to 12.")})
        services.target_lock_months(by=request.user, target=target, through_month=form.cleaned_data["through_month"])
        messages.success(request, _("Months locked."))

    return target_action(request, pk, run)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A rep's own targets: the year, this quarter, this month and today."""
    require_role(request.user)
    today = timezone.localdate()
    return render(
        request,
        "targets/mine.html",
        {
            "rows": selectors.my_targets(user=request.user, day=today),
            "today": today,
            "quarter": (today.month - 1) // 3 + 1,
            "ramp_plans": _with_progress(selectors.ramp_plans_for(user=request.user).filter(rep=request.user), today),
        },
    )
