from __future__ import annotations

from django.contrib import admin

from meetings.models import CheckIn, CoachingNote, CorrectiveAction, Meeting, MeetingSchedule, Problem


@admin.register(MeetingSchedule)
class MeetingScheduleAdmin(admin.ModelAdmin):
    list_display = ["team", "slot", "time", "grace_minutes", "close_after_minutes", "active"]
    list_filter = ["slot", "active"]
    autocomplete_fields = ["team"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["date", "team", "slot", "scheduled_at", "late_after", "closes_at"]
    list_filter = ["slot", "team"]
    date_hierarchy = "date"
    autocomplete_fields = ["team"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["meeting", "rep", "checked_in_at", "attendance"]
    list_filter = ["attendance", "meeting__slot"]
    search_fields = ["rep__username", "rep__first_name", "rep__last_name"]
    raw_id_fields = ["meeting", "rep", "excused_by", "late_allowed_by"]


class CorrectiveActionInline(admin.TabularInline):
    model = CorrectiveAction
    extra = 0
    raw_id_fields = ["owner"]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["description", "team", "owner", "source", "due_date", "created_at", "resolved_at"]
    list_filter = ["source", "team"]
    search_fields = ["description", "resolution"]
    raw_id_fields = ["raised_by", "owner", "resolved_by", "meeting", "checkin"]
    inlines = [CorrectiveActionInline]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(admin.ModelAdmin):
    list_display = ["description", "problem", "owner", "assigned_at", "started_at", "done_at"]
    raw_id_fields = ["problem", "owner"]


@admin.register(CoachingNote)
class CoachingNoteAdmin(admin.ModelAdmin):
    list_display = ["rep", "manager", "topic", "follow_up_date", "created_at"]
    list_filter = ["team"]
    search_fields = ["topic", "agreed_actions"]
    raw_id_fields = ["manager", "rep"]
