"""Report pages: the daily report and its exports, a rep's drill-down, the scorecard, home pages, alerts."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from org.audit import audit_record
from org.models import AuditEvent, Role, Team
from org.scoping import require_role, scope_for, visible_teams
from reports import cockpit_figures, daily_report, exports, home_pages, scorecards, selectors, services
from reports.cockpit_views import period_param, picker
from reports.models import Alert, PeriodKind
from salesops.params import date_param, next_url, object_param
from targets.models import Metric
from targets.selectors import closed_month_of

ALERT_GROUPS_PER_PAGE = 20
ALERT_KIND_CHOICES = [
    ("progress", _("Behind or critical")),
    ("missing-sheet", _("Missing sheets")),
    ("escalation", _("Escalations")),
    ("targets", _("Target changes")),
]


def _team_for(request: HttpRequest, teams: QuerySet[Team]) -> Team:
    return object_param(request.GET, "team", teams, default=None) or selectors.default_team(user=request.user)


def _metric_for(request: HttpRequest) -> Metric:
    return object_param(request.GET, "metric", Metric.objects.all(), default=None) or selectors.default_metric()


def _report_for(request: HttpRequest) -> daily_report.DailyReport:
    team = _team_for(request, visible_teams(request.user))
    metric = _metric_for(request)
    return daily_report.daily_report(
        user=request.user,
        team=team,
        metric=metric,
        period_kind=period_param(request.GET),
        sort=request.GET.get("sort", "gap"),
        as_of=date_param(request.GET, "as_of", default=None),
    )


def _closed_month(night: dt.date | None):
    """The close of the month of ``night``, when that month is closed (its figures are frozen)."""
    return closed_month_of(night.replace(day=1)) if night else None


@login_required
def daily(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    report = _report_for(request)
    return render(
        request,
        "reports/daily.html",
        {
            "report": report,
            "teams": visible_teams(request.user).order_by("path"),
            "metrics": selectors.report_metrics(),
            "periods": PeriodKind.choices,
            "query": request.GET.urlencode(),
            "picker": picker(
                request,
                period=report.period_kind,
                as_of=date_param(request.GET, "as_of", default=None),
                shown=report.as_of,
            ),
            "closed": _closed_month(report.as_of),
        },
    )


def _export_name(report: daily_report.DailyReport, extension: str) -> str:
    return f"daily-report-{report.team.code}-{report.as_of or 'none'}.{extension}"


@login_required
def daily_xlsx(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    report = _report_for(request)
    response = HttpResponse(
        exports.daily_report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(report, "xlsx")}"'
    audit_record(action=AuditEvent.Action.EXPORT, request=request, summary=_export_name(report, "xlsx"))
    return response


@login_required
def daily_csv(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    report = _report_for(request)
    response = HttpResponse(exports.daily_report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(report, "csv")}"'
    audit_record(action=AuditEvent.Action.EXPORT, request=request, summary=_export_name(report, "csv"))
    return response


@login_required
def rep_detail(request: HttpRequest, rep_id: int) -> HttpResponse:
    require_role(request.user)
    metric = _metric_for(request)
    as_of = date_param(request.GET, "as_of", default=None)
    night = selectors.latest_night(on_or_before=as_of)
    snapshot = get_object_or_404(
        selectors.snapshot_list_for(user=request.user),
        rep_id=rep_id,
        metric=metric,
        as_of=night,
        period_kind=period_param(request.GET),
    )
    kpi = (
        selectors.kpi_list_for(user=request.user)
        .filter(rep_id=rep_id, as_of=night, period_kind=snapshot.period_kind)
        .first()
    )
    periods = list(
        selectors.snapshot_list_for(user=request.user)
        .filter(rep_id=rep_id, metric=metric, as_of=night)
        .order_by("period_start", "-period_end")
    )
    errors = scorecards.owner_forecast_errors(user=request.user, snapshot=snapshot)
    forecasts = [(error, getattr(snapshot, error.method)) for error in errors]
    charts = {
        "burnUp": daily_report.burn_up(snapshot=snapshot),
        "gapTrend": daily_report.gap_trend(user=request.user, snapshot=snapshot),
        "ranking": daily_report.team_ranking(user=request.user, snapshot=snapshot),
    }
    return render(
        request,
        "reports/rep_detail.html",
        {
            "snapshot": snapshot,
            "kpi": kpi,
            "periods": periods,
            "forecasts": forecasts,
            "charts": charts,
            "metrics": selectors.report_metrics(),
            "period_choices": PeriodKind.choices,
            "picker": picker(request, period=snapshot.period_kind, as_of=as_of, shown=night),
            "crumbs": [*cockpit_figures.crumbs_for(user=request.user, team=snapshot.team), snapshot.team],
            "closed": _closed_month(night),
        },
    )


@login_required
def scorecard(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    teams = visible_teams(request.user).order_by("path")
    team = _team_for(request, teams)
    period = period_param(request.GET)
    as_of = date_param(request.GET, "as_of", default=None)
    month = _month_param(request.GET.get("month"))
    if month is None and as_of is not None and period == PeriodKind.MONTH:
        month = as_of.replace(day=1)
    result = scorecards.scorecard(
        user=request.user, team=team, metric=selectors.default_metric(), as_of=as_of, month=month, period_kind=period
    )
    context = {
        "team": team,
        "teams": teams,
        "month": month,
        "period": period,
        "is_director": scope_for(request.user).is_director,
        "picker": picker(request, period=period, as_of=as_of, shown=result["as_of"]),
    }
    return render(request, "reports/scorecard.html", {**context, **result})


def _month_param(value: str | None) -> dt.date | None:
    """A month typed as YYYY-MM (what <input type="month"> sends); None when empty or not a month."""
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    require_role(request.user)
    return render(request, "reports/my_day.html", home_pages.my_day(user=request.user))


@login_required
def my_team(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    teams = visible_teams(request.user).order_by("path")
    team = _team_for(request, teams)
    return render(request, "reports/my_team.html", {"teams": teams, **home_pages.my_team(user=request.user, team=team)})


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user)
    filters = {
        "by": "rep" if request.GET.get("by") == "rep" else "cause",
        "kind": request.GET.get("kind", ""),
        "level": request.GET.get("level", ""),
        "state": request.GET.get("state", "current"),
    }
    groups = selectors.alert_groups(user=request.user, **filters)
    page = Paginator(groups, ALERT_GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/alerts.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "kinds": ALERT_KIND_CHOICES,
            "levels": Alert.Level.choices,
        },
    )


@login_required
@require_POST
def alerts_read(request: HttpRequest) -> HttpResponse:
    require_role(request.user)
    # A group's box carries the ids of its alerts, comma-separated.
    ids = [int(i) for value in request.POST.getlist("alert") for i in value.split(",") if i.strip().isdigit()]
    if request.POST.getlist("alert") and not ids:
        ids = [0]  # boxes sent but none usable: mark nothing rather than everything
    services.alert_mark_read(user=request.user, alert_ids=ids or None)
    return redirect(next_url(request, default=reverse("reports:alerts")))
