"""What the night tells people: alerts in the app, and the group robots (WeCom, DingTalk, Feishu) with the
messages sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from org.models import Team
from reports.models.snapshots import ProgressStatus
from salesops.formulas import Status


class Alert(models.Model):
    """An in-app notification: one per user, cause and day."""

    class Level(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        DANGER = "danger", _("Critical")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="report_alerts"
    )
    cause = models.CharField(_("cause"), max_length=100)
    day = models.DateField(_("day"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.WARNING)
    message = models.CharField(_("message"), max_length=300)
    # What the message is built from, so it is shown in the reader's language.
    params = models.JSONField(_("details"), default=dict, blank=True)
    subject_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("about"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set once the period the alert is about has ended: kept, but out of the list of current alerts.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "-created_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [models.UniqueConstraint(fields=["user", "cause", "day"], name="alert_one_per_cause_day")]
        indexes = [models.Index(fields=["user", "read_at"], name="alert_user_unread")]

    def __str__(self) -> str:
        return self.message

    @property
    def kind(self) -> str:
        return self.cause.split(":", 1)[0]

    @property
    def text(self) -> str:
        kind = self.kind
        if kind.startswith("escalation-"):
            from reports.escalation import escalation_text  # here: reports.escalation imports these models

            return escalation_text(self)
        if kind == "missing-sheet":
            return _("%(rep)s has not submitted the visit sheet of %(day)s.") % {
                "rep": self.params.get("rep", ""),
                "day": self.day,
            }
        if kind == "progress":
            return _("%(rep)s is %(status)s on %(metric)s this month: gap %(gap)s pp.") % {
                "rep": self.params.get("rep", ""),
                "status": ProgressStatus(self.params.get("status", Status.BEHIND)).label,
                "metric": _(self.params.get("metric", "")),
                "gap": self.params.get("gap", ""),
            }
        if kind == "pending-change":
            return _(
                "%(by)s changed the approved target of %(owner)s (%(metric)s) from %(old)s to %(new)s; "
                "it waits for your approval."
            ) % {
                "by": self.params.get("by", ""),
                "owner": self.params.get("owner", ""),
                "metric": _(self.params.get("metric", "")),
                "old": self.params.get("old", ""),
                "new": self.params.get("new", ""),
            }
        if kind == "held-correction":
            return _(
                "Sales or visits counted in %(month)s, a closed month, changed after it was closed (%(days)s days "
                "of a team). Its scores stay as they were shown until you reopen the month; the current periods "
                "already count the change."
            ) % {"month": self.params.get("month", ""), "days": self.params.get("days", "")}
        if kind == "night-failed":
            return _(
                "The figures of the night of %(night)s could not be computed (%(error)s). The reports show the "
                "last complete night until it is computed again."
            ) % {"night": self.params.get("night", ""), "error": self.params.get("error", "")}
        if kind == "change-decided":
            text = (
                _("%(by)s approved your change of the target of %(owner)s (%(metric)s).")
                if self.params.get("status") == "approved"
                else _("%(by)s rejected your change of the target of %(owner)s (%(metric)s).")
            )
            return text % {
                "by": self.params.get("by", ""),
                "owner": self.params.get("owner", ""),
                "metric": _(self.params.get("metric", "")),
            }
        return self.message


class Robot(models.Model):
    """A group chat's robot (企业微信 / 钉钉 / 飞书) that a unit's daily report and meeting reminders are posted to."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk custom robot")
        FEISHU = "feishu", _("Feishu custom bot")

    team = models.ForeignKey(
        Team, verbose_name=pgettext_lazy("org unit", "unit"), on_delete=models.CASCADE, related_name="robots"
    )
    kind = models.CharField(_("platform"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    # Shown once, when typed in: pages and the admin never display it again.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        ordering = ["team__path", "name"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class RobotMessage(models.Model):
    """One message for a robot, cut into the parts its platform takes; sent once per (robot, kind, key)."""

    class Kind(models.TextChoices):
        DAILY_REPORT = "daily", _("Daily report")
        MEETING_REMINDER = "meeting", _("Meeting reminder")
        TEST = "test", _("Test message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    robot = models.ForeignKey(Robot, verbose_name=_("robot"), on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=60)  # the night's date, the meeting, …
    title = models.CharField(_("title"), max_length=200)
    parts = models.JSONField(_("parts"), default=list)
    sent_parts = models.PositiveIntegerField(_("parts sent"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("robot message")
        verbose_name_plural = _("robot messages")
        constraints = [models.UniqueConstraint(fields=["robot", "kind", "key"], name="robot_message_once")]

    def __str__(self) -> str:
        return f"{self.robot} {self.kind} {self.key}"
