"""Group robots against a fake webhook server on 127.0.0.1 that checks each platform's documented rules: DingTalk's
and Feishu's signatures, WeCom's 4,096-byte markdown, the rate limits, and answers with the platforms' error codes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from meetings.models import Slot
from reports import robots
from reports.models import Robot, RobotMessage
from reports.night.run import night_compute
from salesops.formatting import display_name
from tests.factories import PASSWORD
from tests.meetings.factories import MeetingFactory
from tests.reports import fixtures

night = fixtures.night
sales_metric = fixtures.sales_metric

SECRET = "SEC0123456789abcdef"


class FakePlatforms(ThreadingHTTPServer):
    """WeCom at /cgi-bin/webhook/send, DingTalk at /robot/send, Feishu at /open-apis/bot/v2/hook/<id>."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: dict[str, list[dict]] = defaultdict(list)
        self.refused: list[dict] = []
        self.sent_in_window: dict[tuple, int] = defaultdict(int)
        self.answer_next: dict[str, dict] = {}  # a canned answer for the next request of a platform

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakePlatforms

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/cgi-bin/webhook/send":
            answer = self.wecom(body)
        elif parts.path == "/robot/send":
            answer = self.dingtalk(body, query)
        else:
            answer = self.feishu(body)
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _rate(self, platform: str, per: int, seconds: int) -> bool:
        window = (platform, int(time.time() // seconds))
        self.server.sent_in_window[window] += 1
        return self.server.sent_in_window[window] > per

    def _canned(self, platform: str, body: dict) -> dict | None:
        answer = self.server.answer_next.pop(platform, None)
        if answer is not None:
            self.server.refused.append({"platform": platform, "body": body, "answer": answer})
        return answer

    def wecom(self, body: dict) -> dict:
        canned = self._canned("wecom", body)
        if canned:
            return canned
        content = body["markdown"]["content"]
        if len(content.encode()) > 4096:
            return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        if self._rate("wecom", 20, 60):
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        self.server.received["wecom"].append(body)
        return {"errcode": 0, "errmsg": "ok"}

    def dingtalk(self, body: dict, query: dict) -> dict:
        stamp = int(query.get("timestamp", 0))
        expected = base64.b64encode(
            hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
        ).decode()
        if query.get("sign") != expected or abs(time.time() * 1000 - stamp) > 3600_000:
            return {"errcode": 310000, "errmsg": "sign not match"}
        if self._rate("dingtalk", 20, 60):
            return {"errcode": 130101, "errmsg": "send too fast"}
        self.server.received["dingtalk"].append(body)
        return {"errcode": 0, "errmsg": "ok"}

    def feishu(self, body: dict) -> dict:
        stamp = int(body.get("timestamp", 0))
        key = f"{stamp}\n{SECRET}".encode()
        if body.get("sign") != base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode():
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
        if self._rate("feishu", 5, 1):
            return {"code": 11232, "msg": "frequency limited"}
        self.server.received["feishu"].append(body)
        return {"code": 0, "msg": "success", "data": {}}


@pytest.fixture
def platforms(settings):
    server = FakePlatforms()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ROBOT_WEBHOOK_HOSTS = ["127.0.0.1"]
    yield server
    server.shutdown()
    server.server_close()


PATHS = {
    Robot.Kind.WECOM: "/cgi-bin/webhook/send?key=abc",
    Robot.Kind.DINGTALK: "/robot/send?access_token=abc",
    Robot.Kind.FEISHU: "/open-apis/bot/v2/hook/abc",
}


def make_robot(company, platforms, kind, *, secret: str = SECRET, language: str = "zh-hans") -> Robot:
    return robots.robot_create(
        by=company.manager_a,
        team=company.team_a,
        kind=kind,
        name=f"{kind} group",
        webhook_url=platforms.base + PATHS[kind],
        secret="" if kind == Robot.Kind.WECOM else secret,
        language=language,
    )


def queue(robot: Robot, text: str, key: str = "k") -> RobotMessage:
    return robots.message_queue(robot=robot, kind=RobotMessage.Kind.TEST, key=key, title="标题", text=text)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Robot.Kind.WECOM, Robot.Kind.DINGTALK, Robot.Kind.FEISHU])
def test_each_platform_takes_the_message_signed_as_it_documents(company, platforms, kind) -> None:
    robot = make_robot(company, platforms, kind)
    message = queue(robot, "**日报**\n1. 王芳 92.0%")
    assert robots.deliver(message) == 0
    message.refresh_from_db()
    assert message.status == RobotMessage.Status.SENT and message.sent_parts == 1
    [body] = platforms.received[kind]
    shown = json.dumps(body, ensure_ascii=False)
    assert "王芳 92.0%" in shown
    robot.refresh_from_db()
    assert robot.last_sent_at is not None and robot.last_error == ""


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "code"), [(Robot.Kind.DINGTALK, "310000"), (Robot.Kind.FEISHU, "19021")])
def test_a_wrong_secret_fails_for_good_and_shows_on_the_settings_page(company, platforms, client, kind, code) -> None:
    robot = make_robot(company, platforms, kind, secret="SECwrong")
    message = queue(robot, "hello")
    assert robots.deliver(message) == 0  # not tried again: the platform said no
    message.refresh_from_db()
    assert message.status == RobotMessage.Status.FAILED and message.error.startswith(code)
    assert platforms.received[kind] == []
    client.login(username=company.manager_a.username, password=PASSWORD)
    page = client.get("/reports/robots/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{code} " in page and 'data-testid="robot-error"' in page
    assert "SECwrong" not in page  # the secret is never shown again


@pytest.mark.django_db
def test_a_long_report_is_cut_at_line_ends_to_fit_wecoms_4096_bytes(company, platforms) -> None:
    robot = make_robot(company, platforms, Robot.Kind.WECOM)
    lines = [f"{n}. 业务员{n:03d} 达成率 {n}.0% 落后" for n in range(400)]
    message = queue(robot, "\n".join(lines))
    assert len(message.parts) > 1
    assert robots.deliver(message) == 0
    received = [body["markdown"]["content"] for body in platforms.received["wecom"]]
    assert len(received) == len(message.parts)
    assert all(len(part.encode()) <= 4096 for part in received)
    assert "\n".join(received).split("\n") == lines  # nothing lost, nothing cut inside a line


def test_a_line_longer_than_the_limit_is_cut_by_characters() -> None:
    parts = robots.split_text("短\n" + "长" * 3000 + "\n尾", 4096)
    assert all(len(p.encode()) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "") == "短" + "长" * 3000 + "尾"


@pytest.mark.django_db
def test_twenty_messages_a_minute_are_kept_and_the_rest_wait_for_the_next_minute(company, platforms) -> None:
    robot = make_robot(company, platforms, Robot.Kind.WECOM)
    with time_machine.travel(dt.datetime(2026, 12, 2, 20, 0, 5, tzinfo=dt.UTC), tick=False) as clock:
        message = queue(robot, "\n".join(f"line {n}" for n in range(25)), key="many")
        message.parts = [f"part {n}" for n in range(25)]
        message.save()
        wait = robots.deliver(message)
        assert 0 < wait <= 55
        assert len(platforms.received["wecom"]) == 20 and platforms.refused == []
        message.refresh_from_db()
        assert message.status == RobotMessage.Status.PENDING and message.sent_parts == 20
        clock.shift(wait)
        assert robots.deliver(message) == 0
    assert [b["markdown"]["content"] for b in platforms.received["wecom"]] == [f"part {n}" for n in range(25)]


@pytest.mark.django_db
def test_a_rate_limit_answer_is_tried_again_later_from_the_part_that_failed(company, platforms) -> None:
    robot = make_robot(company, platforms, Robot.Kind.WECOM)
    message = queue(robot, "one")
    platforms.answer_next["wecom"] = {"errcode": 45009, "errmsg": "api freq out of limit"}
    assert robots.deliver(message) >= 60
    message.refresh_from_db()
    assert message.status == RobotMessage.Status.PENDING and message.attempts == 1 and "45009" in message.error
    assert robots.deliver(message) == 0
    assert len(platforms.received["wecom"]) == 1


@pytest.mark.django_db
def test_an_unreachable_platform_is_tried_again_then_given_up(company, platforms, settings) -> None:
    settings.ROBOT_MAX_ATTEMPTS = 2
    robot = make_robot(company, platforms, Robot.Kind.WECOM)
    robot.webhook_url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=abc"  # nothing listens on port 9
    robot.save()
    message = queue(robot, "one")
    assert robots.deliver(message) > 0
    assert robots.deliver(message) == 0
    message.refresh_from_db()
    assert message.status == RobotMessage.Status.FAILED and message.attempts == 2


@pytest.mark.django_db
def test_a_webhook_must_point_at_a_platform(company) -> None:
    with pytest.raises(ValidationError) as error:
        robots.robot_create(
            by=company.manager_a,
            team=company.team_a,
            kind=Robot.Kind.WECOM,
            name="x",
            webhook_url="http://10.0.0.1/cgi-bin/webhook/send?key=abc",
            secret="",
            language="zh-hans",
        )
    assert "webhook_url" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        robots.robot_create(
            by=company.manager_a,
            team=company.team_b,
            kind=Robot.Kind.WECOM,
            name="x",
            webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            secret="",
            language="zh-hans",
        )
    assert "team" in error.value.message_dict
    assert not Robot.objects.exists()


@pytest.mark.django_db
def test_a_manager_adds_a_robot_on_the_page_and_its_secret_is_not_shown_again(company, client) -> None:
    client.login(username=company.manager_a.username, password=PASSWORD)
    form = {
        "team": company.team_a.pk,
        "kind": Robot.Kind.DINGTALK,
        "name": "华东一组",
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "secret": "SECtyped-once",
        "language": "zh-hans",
    }
    response = client.post("/reports/robots/", form, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    robot = Robot.objects.get()
    assert robot.secret == "SECtyped-once" and robot.created_by == company.manager_a
    page = response.content.decode()
    assert "华东一组" in page and "SECtyped-once" not in page
    refused = client.post("/reports/robots/", {**form, "team": company.team_b.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and Robot.objects.count() == 1


@pytest.mark.django_db
def test_after_the_night_each_robot_gets_its_units_daily_report_once(company, night, platforms) -> None:
    night_compute(as_of=night["as_of"])
    robot = make_robot(company, platforms, Robot.Kind.WECOM)
    english = make_robot(company, platforms, Robot.Kind.FEISHU, language="en")
    assert robots.after_night(as_of=night["as_of"]) == 2
    assert robots.after_night(as_of=night["as_of"]) == 0  # a night run again posts nothing twice
    chinese = RobotMessage.objects.get(robot=robot)
    text = "\n".join(chinese.parts)
    with translation.override("zh-hans"):
        assert chinese.title.startswith("日报 · Team A · 数据截至 2026年3月16日")
    assert "排名" in text and "落后" in text and "未交拜访表" in text and "待解决问题" in text
    assert display_name(company.rep_a) in text and display_name(company.rep_a2) in text
    assert "Daily report" in RobotMessage.objects.get(robot=english).title


@pytest.mark.django_db
def test_a_teams_robots_announce_its_meetings_ten_minutes_before_once(company, platforms) -> None:
    robot = make_robot(company, platforms, Robot.Kind.WECOM)
    now = timezone.now()
    today = timezone.localdate()
    soon = MeetingFactory(
        team=company.team_a, date=today, slot=Slot.MORNING, scheduled_at=now + dt.timedelta(minutes=8)
    )
    MeetingFactory(team=company.team_a, date=today, slot=Slot.NOON, scheduled_at=now + dt.timedelta(minutes=30))
    MeetingFactory(team=company.team_b, date=today, slot=Slot.MORNING, scheduled_at=now + dt.timedelta(minutes=8))
    assert robots.meeting_reminders(now=now) == 1
    assert robots.meeting_reminders(now=now) == 0
    reminder = RobotMessage.objects.get(robot=robot)
    assert reminder.key == f"meeting:{soon.pk}" and "早会" in reminder.title
