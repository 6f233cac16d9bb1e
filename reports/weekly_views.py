"""The page of the weekly review meeting: the week's KPIs per rep against their goals, problems, minutes."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import weekly
from meetings.forms import WeeklyReviewForm, WeeklyReviewScheduleForm
from org.models import Role
from org.scoping import require_role, visible_teams
from reports import weekly as weekly_page
from reports.selectors import default_team
from salesops.params import date_param, object_param


@login_required
def weekly_review(request: HttpRequest) -> HttpResponse:
    scope = require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    teams = visible_teams(request.user).order_by("path")
    params = request.POST if request.method == "POST" else request.GET
    team = object_param(params, "team", teams, default=None) or default_team(user=request.user)
    week_start = weekly.week_of(date_param(params, "week", default=None) or timezone.localdate())
    form = WeeklyReviewForm(prefix="minutes")
    schedule_form = None
    if request.method == "POST" and request.POST.get("action") == "schedule":
        schedule_form = WeeklyReviewScheduleForm(request.POST, prefix="schedule")
        if schedule_form.is_valid():
            weekly.weekly_review_schedule_set(team=team, by=request.user, **schedule_form.cleaned_data)
            messages.success(request, _("Weekly review time saved."))
            return redirect(f"{request.path}?team={team.pk}&week={week_start.isoformat()}")
    elif request.method == "POST":
        form = WeeklyReviewForm(request.POST, prefix="minutes")
        if form.is_valid():
            try:
                weekly.weekly_review_save(team=team, week_start=week_start, by=request.user, **form.cleaned_data)
                messages.success(request, _("Minutes saved."))
                return redirect(f"{request.path}?team={team.pk}&week={week_start.isoformat()}")
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    context = weekly_page.weekly_review_for(user=request.user, team=team, week_start=week_start)
    if request.method == "GET" and context["review"] is not None:
        form = WeeklyReviewForm(
            prefix="minutes",
            initial={"root_causes": context["review"].root_causes, "corrections": context["review"].corrections},
        )
    context.update(
        teams=teams,
        form=form,
        schedule_form=schedule_form or WeeklyReviewScheduleForm(instance=context["schedule"], prefix="schedule"),
        can_manage=scope.can_manage(team.pk),
        previous_week=week_start - dt.timedelta(days=7),
        next_week=week_start + dt.timedelta(days=7),
        section="weekly",
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/weekly.html", context, status=status)
