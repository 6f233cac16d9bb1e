"""The group robots' settings page: add a robot to a unit, send a test, remove it, see what failed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org.models import Role
from org.scoping import require_role
from reports import robots
from reports.forms import RobotForm
from reports.models import Robot, RobotMessage


def _robots_for(request: HttpRequest):
    scope = require_role(request.user, Role.DIRECTOR, Role.MANAGER)
    mine = Robot.objects.all() if scope.is_director else Robot.objects.filter(team_id__in=scope.managed_team_ids)
    return mine.select_related("team")


@login_required
def robot_list(request: HttpRequest) -> HttpResponse:
    queryset = _robots_for(request)
    form = RobotForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            robots.robot_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Robot added. Send a test message to check it."))
            return redirect("reports:robots")
    recent = RobotMessage.objects.order_by("-created_at")
    rows = [
        (robot, robot.recent[:5])
        for robot in queryset.prefetch_related(Prefetch("messages", queryset=recent, to_attr="recent"))
    ]
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/robots.html", {"rows": rows, "form": form}, status=status)


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_object_or_404(_robots_for(request), pk=pk)
    robots.robot_test(robot=robot)
    messages.success(request, _("A test message is on its way to %(name)s.") % {"name": robot.name})
    return redirect("reports:robots")


@login_required
@require_POST
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_object_or_404(_robots_for(request), pk=pk)
    robot.delete()
    messages.success(request, _("Robot removed."))
    return redirect("reports:robots")
