from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import selectors, services
from meetings.forms import (
    AllowLateForm,
    CheckInForm,
    CoachingNoteForm,
    CorrectiveActionForm,
    ExcuseForm,
    ProblemForm,
    ResolveForm,
    ScheduleForm,
)
from meetings.live_table import live_table_poll, live_table_response
from meetings.models import CheckIn, Meeting, Problem
from org.action_time import acted_at, action_time
from org.calendar import is_working_day
from org.idempotency import idempotent_page
from org.models import Role
from org.scoping import require_role, scope_keys
from org.selectors import rep_choices_for
from salesops.params import date_param
from salesops.routers import reading_from_replica

LEADERS = (Role.DIRECTOR, Role.MANAGER)


def _errors_to_form(form, error: ValidationError) -> None:
    """Show a service's errors on the form: on their field when the form has it, above the form otherwise."""
    for field, texts in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
        form.add_error(field if field in form.fields else None, texts)


def _errors_to_messages(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The day's meetings of the user's teams: check-in buttons for reps, dashboards for managers."""
    scope = require_role(request.user)
    day = date_param(request.GET, "day", default=timezone.localdate())
    meetings = list(
        selectors.meeting_list_for(user=request.user, day=day)
        .annotate(
            checked_in=Count("checkins", filter=Q(checkins__checked_in_at__isnull=False)),
            excused=Count("checkins", filter=Q(checkins__attendance="excused")),
        )
        .order_by("team__path", "scheduled_at")
    )
    mine = {c.meeting_id: c for c in CheckIn.objects.filter(rep=request.user, meeting__in=[m.pk for m in meetings])}
    now = timezone.now()
    rows = [
        {
            "meeting": m,
            "checkin": mine.get(m.pk),
            "attendance": selectors.attendance_of(meeting=m, checkin=mine.get(m.pk), now=now),
            "closed": m.is_closed(now),
            "started": now >= m.scheduled_at,
            "can_manage": scope.can_manage(m.team_id),
        }
        for m in meetings
    ]
    return render(
        request,
        "meetings/index.html",
        {
            "rows": rows,
            "day": day,
            "scope": scope,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "is_today": day == timezone.localdate(),
            "can_create": scope.role in LEADERS and is_working_day(day),
        },
    )


@login_required
@require_POST
def create_day(request: HttpRequest) -> HttpResponse:
    """A manager creates the day's meetings of their teams (the schedule job creates them every night)."""
    require_role(request.user, *LEADERS)
    day = date_param(request.POST, "day", default=timezone.localdate())
    try:
        created = services.meetings_create_for_day(day=day, by=request.user)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("%(count)d meetings created.") % {"count": created})
    return redirect(f"{reverse('meetings:index')}?day={day.isoformat()}")


@login_required
@idempotent_page
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """A rep checks in to a meeting of their team and fills in the slot's content."""
    require_role(request.user, Role.REP)
    meeting = get_object_or_404(selectors.meeting_list_for(user=request.user), pk=pk)
    existing = CheckIn.objects.filter(meeting=meeting, rep=request.user).first()
    initial = selectors.checkin_prefill(meeting=meeting, rep=request.user, checkin=existing)
    form = CheckInForm(request.POST or None, slot=meeting.slot, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            # A check-in kept on the phone while offline counts from the tap, not from its arrival.
            now = action_time(acted_at(request.POST), field_name="acted_at")
            services.checkin_submit(meeting=meeting, rep=request.user, by=request.user, now=now, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Checked in to the %(meeting)s.") % {"meeting": meeting.get_slot_display()})
            return redirect("meetings:checkin", pk=meeting.pk)
    now = timezone.now()
    return render(
        request,
        "meetings/checkin.html",
        {
            "meeting": meeting,
            "form": form,
            "checkin": existing,
            "attendance": selectors.attendance_of(meeting=meeting, checkin=existing, now=now),
            "closed": meeting.is_closed(now),
            "not_open_yet": not meeting.is_open_yet(now),
            "problem_form": ProblemForm(team=meeting.team, initial={"owner": request.user}),
        },
        status=400 if request.method == "POST" else 200,
    )


def _leader_meeting(request: HttpRequest, pk: int) -> Meeting:
    require_role(request.user, *LEADERS)
    return get_object_or_404(selectors.meeting_list_for(user=request.user).select_related("team"), pk=pk)


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting-room screen of one meeting; its table refreshes itself every 30 seconds. With ``?screen=1`` it is
    the table alone at large type for a TV or a shared call, without the forms.

    Read from the primary: the excuse, late check-in and problem forms come back here and must show their change.
    """
    meeting = _leader_meeting(request, pk)
    screen = request.GET.get("screen") == "1"
    data = selectors.dashboard_for(meeting=meeting)
    rep_queryset = rep_choices_for(user=request.user).filter(pk__in=[row.rep.pk for row in data.rows])
    excuse_form, late_form = ExcuseForm(reps=rep_queryset), AllowLateForm(reps=rep_queryset)
    can_manage = require_role(request.user).can_manage(meeting.team_id)
    if can_manage and not screen:  # the forms are shown: one read of the reps for both
        reps = list(rep_queryset)
        excuse_form.fields["rep"].show_users(reps)
        late_form.fields["rep"].show_users(reps)
    siblings = Meeting.objects.filter(team_id=meeting.team_id, date=meeting.date).order_by("scheduled_at")
    return render(
        request,
        "meetings/dashboard.html",
        {
            "d": data,
            "meeting": meeting,
            "siblings": siblings,
            "can_manage": can_manage,
            "screen": screen,
            "problem_form": ProblemForm(team=meeting.team),
            "excuse_form": excuse_form,
            "late_form": late_form,
        },
    )


@login_required
@reading_from_replica()
def dashboard_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The dashboard's table alone, for htmx polling (every open screen, every 30 seconds): rendered once per change
    of its data for all its viewers, 304 for a screen that has it (meetings/live_table.py); from the replica when
    there is one, which may lag a moment behind."""
    # A repeat poll reads no table: the role and scope, the meeting's team and the versions come from the cache, in
    # one round trip.
    poll = live_table_poll(request, meeting_id=pk, also=scope_keys(request.user))
    scope = require_role(request.user, *LEADERS, read=poll.found)
    if poll.team_id is None or not scope.can_read(poll.team_id):
        raise Http404
    return live_table_response(
        request,
        poll=poll,
        team_id=poll.team_id,
        render_data=lambda: {"d": selectors.dashboard_for(meeting=_leader_meeting(request, pk))},
    )


@login_required
@require_POST
def excuse(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _leader_meeting(request, pk)
    form = ExcuseForm(request.POST, reps=rep_choices_for(user=request.user))
    if form.is_valid():
        try:
            services.checkin_excuse(
                meeting=meeting, rep=form.cleaned_data["rep"], by=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Excused."))
        except ValidationError as error:
            _errors_to_messages(request, error)
    else:
        messages.error(request, _("Choose a rep and give a reason for the excuse."))
    return redirect("meetings:dashboard", pk=meeting.pk)


@login_required
@require_POST
def allow_late(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _leader_meeting(request, pk)
    form = AllowLateForm(request.POST, reps=rep_choices_for(user=request.user))
    if form.is_valid():
        try:
            services.checkin_allow_late(meeting=meeting, rep=form.cleaned_data["rep"], by=request.user)
            messages.success(request, _("The rep may now check in late."))
        except ValidationError as error:
            _errors_to_messages(request, error)
    return redirect("meetings:dashboard", pk=meeting.pk)


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    """Open problems first with their age, then resolved ones with their resolution time."""
    require_role(request.user)
    problems = list(selectors.problem_list_for(user=request.user)[:200])
    return render(request, "meetings/problem_list.html", {"problems": problems, "now": timezone.now()})


@login_required
@require_POST
def problem_create(request: HttpRequest) -> HttpResponse:
    """Raise a problem from a dashboard (meeting) or from the user's own check-in."""
    require_role(request.user)
    checkin_obj = None
    if request.POST.get("checkin"):
        checkin_id = request.POST["checkin"]
        checkin_obj = get_object_or_404(
            selectors.checkin_list_for(user=request.user).filter(rep=request.user),
            pk=int(checkin_id) if checkin_id.isdigit() else 0,
        )
        meeting = checkin_obj.meeting
    else:
        meeting_id = request.POST.get("meeting", "")
        meeting = get_object_or_404(
            selectors.meeting_list_for(user=request.user), pk=int(meeting_id) if meeting_id.isdigit() else 0
        )
    form = ProblemForm(request.POST, team=meeting.team)
    back = (
        reverse("meetings:checkin", args=[meeting.pk])
        if checkin_obj
        else reverse("meetings:dashboard", args=[meeting.pk])
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(back)
    try:
        services.problem_raise(
            by=request.user,
            team=meeting.team,
            meeting=meeting,
            checkin=checkin_obj,
            source=Problem.Source.CHECKIN if checkin_obj else Problem.Source.DASHBOARD,
            **form.cleaned_data,
        )
        messages.success(request, _("Problem raised."))
    except ValidationError as error:
        _errors_to_messages(request, error)
    return redirect(back)


@login_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user)
    problem = get_object_or_404(selectors.problem_list_for(user=request.user), pk=pk)
    return render(
        request,
        "meetings/problem_detail.html",
        {
            "problem": problem,
            "actions": problem.actions.select_related("owner"),
            "resolve_form": ResolveForm(),
            "action_form": CorrectiveActionForm(team=problem.team),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def problem_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user)
    problem = get_object_or_404(selectors.problem_list_for(user=request.user), pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid() and "resolution" in form.errors and request.POST.get("resolution", "").strip():
        for text in form.errors["resolution"]:
            messages.error(request, f"{form.fields['resolution'].label}: {text}")
        return redirect("meetings:problem", pk=problem.pk)
    try:
        services.problem_resolve(problem=problem, by=request.user, resolution=request.POST.get("resolution", ""))
        messages.success(request, _("Problem resolved."))
    except ValidationError as error:
        _errors_to_messages(request, error)
    return redirect("meetings:problem", pk=problem.pk)


@login_required
@require_POST
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user)
    problem = get_object_or_404(selectors.problem_list_for(user=request.user), pk=pk)
    form = CorrectiveActionForm(request.POST, team=problem.team)
    if form.is_valid():
        try:
            services.corrective_action_add(problem=problem, by=request.user, **form.cleaned_data)
            messages.success(request, _("Action assigned."))
        except ValidationError as error:
            _errors_to_messages(request, error)
    else:
        messages.error(request, _("Describe the action and choose its owner."))
    return redirect("meetings:problem", pk=problem.pk)


@login_required
@require_POST
def action_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    require_role(request.user)
    action = get_object_or_404(selectors.corrective_action_list_for(user=request.user), pk=pk)
    if step == "start":
        services.corrective_action_start(action=action, by=request.user)
    elif step == "done":
        services.corrective_action_done(action=action, by=request.user)
    else:
        raise Http404
    return redirect("meetings:problem", pk=action.problem_id)


@login_required
def coaching(request: HttpRequest) -> HttpResponse:
    """Coaching notes: a manager writes them for their reps; a rep reads their own."""
    scope = require_role(request.user)
    form = None
    if not scope.is_rep:
        reps = rep_choices_for(user=request.user)
        form = CoachingNoteForm(request.POST or None, reps=reps)
        if request.method == "POST" and form.is_valid():
            try:
                services.coaching_note_create(by=request.user, **form.cleaned_data)
                messages.success(request, _("Coaching note saved."))
                return redirect("meetings:coaching")
            except ValidationError as error:
                _errors_to_form(form, error)
    elif request.method == "POST":
        raise Http404
    notes = selectors.coaching_note_list_for(user=request.user)[:200]
    return render(request, "meetings/coaching.html", {"notes": notes, "form": form})


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    """The meeting times of the teams the user manages."""
    scope = require_role(request.user, *LEADERS)
    schedules = [s for s in selectors.schedule_list_for(user=request.user) if scope.can_manage(s.team_id)]
    rows = [{"schedule": s, "form": ScheduleForm(instance=s, prefix=f"s{s.pk}")} for s in schedules]
    if request.method == "POST":
        pk = request.POST.get("schedule", "")
        pk = int(pk) if pk.isdigit() else 0
        for row in rows:
            if row["schedule"].pk != pk:
                continue
            row["form"] = form = ScheduleForm(request.POST, instance=row["schedule"], prefix=f"s{pk}")
            if form.is_valid():
                try:
                    services.meeting_schedule_update(schedule=row["schedule"], by=request.user, **form.cleaned_data)
                    messages.success(request, _("Schedule saved."))
                    return redirect("meetings:schedule")
                except ValidationError as error:
                    _errors_to_form(form, error)
    return render(request, "meetings/schedule.html", {"rows": rows})
