"""Group robots: the unit's daily report and meeting reminders pushed to WeCom, DingTalk and Feishu group chats.

Each platform's rules live in one ``Platform``: how a request is signed, how large one message may be, how many
messages a minute it takes and what its answers mean. A message is cut into parts that fit, kept as a
``RobotMessage`` and sent part by part by a Celery task, which resumes where it stopped: a retry never sends a part
twice, a platform's rate limit is respected before it is hit, and a failure shows on the robot's settings page.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meetings.models import Meeting
from meetings.selectors import problem_list_for
from org import outbox
from org.models import Team
from org.scoping import scope_for
from reports.daily_report import daily_report
from reports.models import Robot, RobotMessage
from reports.selectors import default_metric
from salesops.formatting import display_name, long_date, percent
from salesops.transactions import entry_point
from visits.selectors import team_day_for

SENT, RETRY, FAILED = "sent", "retry", "failed"


@dataclass(frozen=True)
class Answer:
    """What a platform's answer means: sent, try again later (after ``wait`` seconds) or failed for good."""

    outcome: str
    error: str = ""
    wait: float = 0


@dataclass(frozen=True)
class Platform:
    max_bytes: int  # one message's text, UTF-8
    per_window: int  # messages a robot may send in one window
    window: float  # seconds
    body: Callable[[str, str], dict]  # (title, text) → the JSON body
    rate_limited: frozenset[int]  # error codes that mean "too many, wait"


def _wecom_body(title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": text}}


def _dingtalk_body(title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def _feishu_body(title: str, text: str) -> dict:
    return {
        "msg_type": "interactive",
        "card": {
            "header": {"title": {"tag": "plain_text", "content": title}},
            "elements": [{"tag": "markdown", "content": text}],
        },
    }


PLATFORMS = {
    # 企业微信群机器人: markdown.content ≤ 4096 bytes, 20 messages a minute (45009 past it).
    Robot.Kind.WECOM: Platform(4096, 20, 60, _wecom_body, frozenset({45009})),
    # 钉钉自定义机器人: 20 messages a minute (130101 "send too fast"); a message body up to 20 KB.
    Robot.Kind.DINGTALK: Platform(18000, 20, 60, _dingtalk_body, frozenset({130101})),
    # 飞书自定义机器人 v2: 5 requests a second (11232 "frequency limited"); a request body up to 20 KB.
    Robot.Kind.FEISHU: Platform(18000, 5, 1, _feishu_body, frozenset({11232, 9499})),
}


# --- signing -------------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: base64 of HMAC-SHA256 keyed by the secret over ``timestamp\\nsecret``, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu/Lark: base64 of HMAC-SHA256 keyed by ``timestamp\\nsecret`` over an empty message."""
    return base64.b64encode(hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()


def signed_request(robot: Robot, body: dict, *, now: float | None = None) -> tuple[str, dict]:
    """The URL and JSON body to post for ``robot``, signed as its platform wants when it has a secret."""
    now = time.time() if now is None else now
    url, body = robot.webhook_url, dict(body)
    if robot.kind == Robot.Kind.DINGTALK and robot.secret:
        stamp = int(now * 1000)
        separator = "&" if "?" in url else "?"
        url = f"{url}{separator}timestamp={stamp}&sign={dingtalk_sign(robot.secret, stamp)}"
    elif robot.kind == Robot.Kind.FEISHU and robot.secret:
        stamp = int(now)
        body = {"timestamp": str(stamp), "sign": feishu_sign(robot.secret, stamp), **body}
    return url, body


# --- messages ------------------------------------------------------------------------------------


def split_text(text: str, max_bytes: int) -> list[str]:
    """Cut ``text`` at line ends into parts of at most ``max_bytes`` UTF-8 bytes; a longer line is cut by characters."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line.encode()) > max_bytes:
            cut = len(line)
            while len(line[:cut].encode()) > max_bytes:
                cut -= 1
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) > max_bytes:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def interpret(kind: str, status: int, payload: dict | None) -> Answer:
    """A platform's HTTP answer: code 0 is sent; its rate-limit codes and 5xx are tried again; the rest fail."""
    platform = PLATFORMS[kind]
    if status >= 500 or status == 429:
        return Answer(RETRY, f"HTTP {status}", 30)
    if payload is None:
        return Answer(FAILED, f"HTTP {status}")
    code = payload.get("errcode", payload.get("code", payload.get("StatusCode", 0)))
    message = payload.get("errmsg") or payload.get("msg") or payload.get("StatusMessage") or ""
    if status < 300 and code == 0:
        return Answer(SENT)
    if code in platform.rate_limited:
        return Answer(RETRY, f"{code} {message}".strip(), platform.window)
    return Answer(FAILED, f"{code} {message}".strip() if code else f"HTTP {status}")


def _take_a_place(robot: Robot, *, now: float) -> float:
    """0 when the robot may send now (the place is taken), else the seconds until its next window opens."""
    platform = PLATFORMS[robot.kind]
    window = int(now // platform.window)
    key = f"robot-rate:{robot.pk}:{window}"
    try:
        cache.add(key, 0, timeout=int(platform.window) + 1)
        used = cache.incr(key)
    except ValueError:  # the cache lost the key between add and incr (or is down): do not block the send
        return 0
    if used > platform.per_window:
        return (window + 1) * platform.window - now
    return 0


def _post(url: str, body: dict) -> tuple[int, dict | None]:
    response = requests.post(url, json=body, timeout=settings.ROBOT_TIMEOUT)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def deliver(message: RobotMessage) -> float:
    """Send the parts of ``message`` not sent yet, in order. Returns 0 when done (sent or failed for good), else the
    seconds to wait before trying again (a rate limit, the platform or the network down)."""
    robot = message.robot
    platform = PLATFORMS[robot.kind]
    while message.sent_parts < len(message.parts):
        wait = _take_a_place(robot, now=time.time())
        if wait:
            return wait
        url, body = signed_request(robot, platform.body(message.title, message.parts[message.sent_parts]))
        try:
            answer = interpret(robot.kind, *_post(url, body))
        except requests.RequestException as error:
            answer = Answer(RETRY, type(error).__name__, 30)
        if answer.outcome == SENT:
            message.sent_parts += 1
            message.save(update_fields=["sent_parts"])
            continue
        message.attempts += 1
        message.error = answer.error[:300]
        if answer.outcome == RETRY and message.attempts < settings.ROBOT_MAX_ATTEMPTS:
            message.save(update_fields=["attempts", "error"])
            return max(answer.wait, 2**message.attempts)
        message.status = RobotMessage.Status.FAILED
        message.save(update_fields=["attempts", "error", "status"])
        Robot.objects.filter(pk=robot.pk).update(last_error=message.error, last_error_at=timezone.now())
        return 0
    message.status = RobotMessage.Status.SENT
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "sent_at"])
    Robot.objects.filter(pk=robot.pk).update(last_sent_at=message.sent_at, last_error="")
    return 0


def message_queue(*, robot: Robot, kind: str, key: str, title: str, text: str) -> RobotMessage | None:
    """Keep a message for ``robot`` and send it after commit; once per (robot, kind, key): None if already kept."""
    message, created = RobotMessage.objects.get_or_create(
        robot=robot,
        kind=kind,
        key=key,
        defaults={"title": title, "parts": split_text(text, PLATFORMS[robot.kind].max_bytes)},
    )
    if not created:
        return None
    outbox.enqueue("reports.tasks.robot_deliver_task", args=[message.pk])
    return message


# --- what is sent --------------------------------------------------------------------------------


def daily_report_text(*, robot: Robot, as_of: dt.date) -> tuple[str, str]:
    """The unit's daily report as markdown, in the robot's language: the total, the ranking with who is behind,
    the sheets missing that day and the open problems; read with the rights of the robot's owner."""
    with translation.override(robot.language):
        metric = default_metric()
        report = daily_report(user=robot.created_by, team=robot.team, metric=metric, as_of=as_of)
        title = _("Daily report · %(unit)s · as of %(date)s") % {"unit": robot.team.name, "date": long_date(as_of)}
        lines = [f"**{title}**", ""]
        if report.total is not None:
            total = report.total
            lines.append(
                _("%(metric)s: achievement %(achievement)s, time progress %(time)s, gap %(gap)s pp")
                % {
                    "metric": metric.name,
                    "achievement": percent(total.achievement),
                    "time": percent(total.time_progress),
                    "gap": f"{total.gap_pp:+.1f}" if total.gap_pp is not None else "—",
                }
            )
        if report.rows:
            ranking = _("Ranking")
            lines += ["", f"**{ranking}**"]
            for number, row in enumerate(sorted(report.rows, key=lambda r: -(r.snapshot.gap_pp or 0)), start=1):
                snapshot = row.snapshot
                lines.append(
                    f"{number}. {row.name} {percent(snapshot.achievement)} "
                    f"({snapshot.gap_pp:+.1f} pp · {snapshot.get_status_display()})"
                    if snapshot.gap_pp is not None
                    else f"{number}. {row.name} —"
                )
            behind = [row.name for row in report.rows if row.snapshot.status in ("behind", "critical")]
            lines.append(_("Behind: %(names)s") % {"names": "、".join(behind) if behind else "—"})
        missing = [
            display_name(row.rep)
            for row in team_day_for(user=robot.created_by, day=as_of, team=robot.team)
            if row.summary.sheet_status not in ("submitted", "reviewed")
        ]
        lines += [
            "",
            _("Sheets missing on %(date)s: %(names)s") % {"date": long_date(as_of), "names": "、".join(missing) or "—"},
        ]
        problems = problem_list_for(user=robot.created_by).filter(
            Q(team__path__startswith=robot.team.path), resolved_at__isnull=True
        )
        lines.append(_("Open problems: %(count)d") % {"count": problems.count()})
        return title, "\n".join(lines)


def after_night(*, as_of: dt.date) -> int:
    """Queue the night's daily report for every active robot; once per robot and night. Returns how many."""
    queued = 0
    for robot in Robot.objects.filter(active=True).select_related("team", "created_by"):
        if RobotMessage.objects.filter(
            robot=robot, kind=RobotMessage.Kind.DAILY_REPORT, key=as_of.isoformat()
        ).exists():
            continue
        title, text = daily_report_text(robot=robot, as_of=as_of)
        with transaction.atomic():
            queued += bool(
                message_queue(
                    robot=robot, kind=RobotMessage.Kind.DAILY_REPORT, key=as_of.isoformat(), title=title, text=text
                )
            )
    return queued


def meeting_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind each team's robots of its meetings starting in the next ten minutes; once per robot and meeting."""
    now = now or timezone.now()
    meetings = Meeting.objects.filter(scheduled_at__gt=now, scheduled_at__lte=now + dt.timedelta(minutes=10))
    robots = Robot.objects.filter(active=True, team_id__in=meetings.values("team_id")).select_related("team")
    queued = 0
    for robot in robots:
        for meeting in meetings.filter(team_id=robot.team_id):
            with translation.override(robot.language):
                title = _("%(meeting)s at %(time)s") % {
                    "meeting": meeting.get_slot_display(),
                    "time": timezone.localtime(meeting.scheduled_at).strftime("%H:%M"),
                }
                text = f"**{title}** · {robot.team.name}\n" + _("Check in on your phone before it starts.")
            with transaction.atomic():
                queued += bool(
                    message_queue(
                        robot=robot,
                        kind=RobotMessage.Kind.MEETING_REMINDER,
                        key=f"meeting:{meeting.pk}",
                        title=title,
                        text=text,
                    )
                )
    return queued


# --- settings ------------------------------------------------------------------------------------


def webhook_url_check(url: str) -> None:
    """Only the platforms' own hosts (settings.ROBOT_WEBHOOK_HOSTS): the server never posts to an address of its
    own network that someone typed in."""
    parts = urllib.parse.urlsplit(url)
    allowed = settings.ROBOT_WEBHOOK_HOSTS
    if parts.scheme not in ("https", "http") or (parts.hostname or "") not in allowed:
        raise ValidationError(
            {
                "webhook_url": _("Use the webhook address the platform gave you (a host of: %(hosts)s).")
                % {"hosts": ", ".join(allowed)}
            }
        )


@entry_point
def robot_create(*, by, team: Team, kind: str, name: str, webhook_url: str, secret: str, language: str) -> Robot:
    if not scope_for(by).can_manage(team.pk):
        raise ValidationError({"team": _("You can add robots only to units you manage.")})
    webhook_url_check(webhook_url)
    robot = Robot(
        team=team, kind=kind, name=name, webhook_url=webhook_url, secret=secret, language=language, created_by=by
    )
    robot.full_clean()
    robot.save()
    return robot


@entry_point
def robot_test(*, robot: Robot) -> RobotMessage | None:
    with translation.override(robot.language):
        title = _("SalesOps is connected")
        text = f"**{title}**\n" + _("The daily report of %(unit)s will be posted here after each night.") % {
            "unit": robot.team.name
        }
    return message_queue(
        robot=robot, kind=RobotMessage.Kind.TEST, key=timezone.now().isoformat(), title=title, text=text
    )
