"""A rep's session lasts the working day on a phone; a form posted after it ended never leads to a 405."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from meetings.models import Attendance, CheckIn, Meeting, Slot
from meetings.services import meetings_ensure_for_day
from tests.factories import PASSWORD
from tests.meetings.factories import DAY
from tests.meetings.factories import local as meeting_local
from tests.visits.conftest import TODAY, local, shops  # noqa: F401 - the reps' customers
from visits.models import Visit
from visits.services import rep_day

pytestmark = pytest.mark.django_db


def logged_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_reps_session_survives_a_long_visit_and_slides_with_each_request(company, settings) -> None:
    settings.REP_SESSION_HOURS = 14
    with time_machine.travel(local(TODAY, 8), tick=False) as clock:
        client = logged_in("rep_a")
        clock.move_to(local(TODAY, 11))  # three hours at one customer: past the two-hour idle limit of others
        assert client.get("/customers/").status_code == 200
        clock.move_to(local(TODAY, 23, 30))  # 12.5 h later, 15.5 h after the login: the lifetime slid
        assert client.get("/customers/").status_code == 200
        clock.move_to(local(TODAY, 23, 30) + dt.timedelta(hours=14, minutes=2))
        response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/customers/")


def test_a_managers_session_keeps_the_idle_limit(company, settings) -> None:
    settings.SESSION_IDLE_TIMEOUT = 2 * 3600
    with time_machine.travel(local(TODAY, 8), tick=False) as clock:
        client = logged_in("manager_a")
        clock.move_to(local(TODAY, 10, 5))
        assert client.get("/customers/").status_code == 302


def test_the_reps_lifetime_comes_from_the_setting(company, settings) -> None:
    settings.REP_SESSION_HOURS = 3
    with time_machine.travel(local(TODAY, 8), tick=False) as clock:
        client = logged_in("rep_a")
        clock.move_to(local(TODAY, 11, 2))
        assert client.get("/customers/").status_code == 302


def test_deactivation_ends_a_reps_session_at_once(company) -> None:
    client = logged_in("rep_a")
    assert client.get("/customers/").status_code == 200
    company.rep_a.is_active = False
    company.rep_a.save()
    assert client.get("/customers/").status_code == 302


def test_a_password_change_ends_the_reps_other_sessions(company) -> None:
    phone, laptop = logged_in("rep_a"), logged_in("rep_a")
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Quite-new-2026!", "new_password2": "Quite-new-2026!"},
    )
    assert response.status_code == 302
    assert laptop.get("/customers/").status_code == 200  # the session that changed it stays
    assert phone.get("/customers/").status_code == 302


# --- a write after the session ended ------------------------------------------------------------------------------


@pytest.fixture
def checked_in(company, shops):  # noqa: F811
    with time_machine.travel(local(TODAY, 9), tick=False) as clock:
        sheet = rep_day.sheet_open(rep=company.rep_a)
        visit = rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shops["a1"])
        rep_day.visit_check_in(by=company.rep_a, visit=visit)
        yield visit, clock


def test_a_form_posted_after_the_session_ended_leads_back_to_the_sheet_after_the_login(
    company, settings, checked_in
) -> None:
    visit, clock = checked_in
    settings.REP_SESSION_HOURS = 1
    client = logged_in("rep_a")
    sheet_url = reverse("visits:sheet", args=[visit.sheet_id])
    clock.move_to(local(TODAY, 10, 30))
    response = client.post(
        reverse("visits:check_out", args=[visit.pk]),
        {"outcome": "Good"},
        HTTP_REFERER=f"http://testserver{sheet_url}",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={sheet_url}"
    after_login = client.post(response["Location"], {"username": "rep_a", "password": PASSWORD})
    assert after_login["Location"] == sheet_url
    assert client.get(after_login["Location"]).status_code == 200
    assert Visit.objects.get(pk=visit.pk).check_out_at is None  # nothing was half-stored


def test_a_form_posted_without_a_session_from_elsewhere_leads_home(company, checked_in) -> None:
    visit, _clock = checked_in
    response = Client().post(
        reverse("visits:check_out", args=[visit.pk]), {"outcome": "Good"}, HTTP_REFERER="https://elsewhere.example/x"
    )
    assert response["Location"] == "/accounts/login/?next=/"


def test_a_queued_write_without_a_session_is_told_to_log_in_and_kept(company, settings, checked_in) -> None:
    visit, clock = checked_in
    settings.REP_SESSION_HOURS = 1
    client = logged_in("rep_a")
    sheet_url = reverse("visits:sheet", args=[visit.sheet_id])
    clock.move_to(local(TODAY, 10, 30))
    response = client.post(
        reverse("visits:check_out", args=[visit.pk]),
        {"outcome": "Good"},
        HTTP_REFERER=f"http://testserver{sheet_url}",
        HTTP_X_QUEUED_WRITE="1",
        HTTP_IDEMPOTENCY_KEY="after-expiry",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 401
    assert response.json()["login"] == f"/accounts/login/?next={sheet_url}"
    assert "Log in again" in response.json()["detail"]
    # After the login the queue sends it again with the same key, and it is recorded.
    logged = client.post("/accounts/login/", {"username": "rep_a", "password": PASSWORD})
    assert logged.status_code == 302
    sent = client.post(
        reverse("visits:check_out", args=[visit.pk]),
        {"outcome": "Good", "acted_at": local(TODAY, 10, 29).isoformat()},
        HTTP_X_QUEUED_WRITE="1",
        HTTP_IDEMPOTENCY_KEY="after-expiry",
    )
    assert sent.status_code == 200
    assert Visit.objects.get(pk=visit.pk).check_out_at == local(TODAY, 10, 29)


# --- the meeting check-in -----------------------------------------------------------------------------------------


def test_a_meeting_check_in_sent_twice_is_one_check_in_at_the_time_of_the_tap(company) -> None:
    with time_machine.travel(meeting_local(DAY, 8, 20), tick=False) as clock:
        meetings_ensure_for_day(day=DAY)
        morning = Meeting.objects.get(team=company.team_a, date=DAY, slot=Slot.MORNING)
        client = company.client_for(company.rep_a)
        clock.move_to(meeting_local(DAY, 8, 50))  # sent after the grace period, tapped within it
        form = {"planned_visits": "6", "acted_at": meeting_local(DAY, 8, 25).isoformat()}
        url = reverse("meetings:checkin", args=[morning.pk])
        first = client.post(url, form, HTTP_IDEMPOTENCY_KEY="morning", HTTP_X_QUEUED_WRITE="1")
        again = client.post(url, form, HTTP_IDEMPOTENCY_KEY="morning", HTTP_X_QUEUED_WRITE="1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    checkin = CheckIn.objects.get()
    assert checkin.checked_in_at == meeting_local(DAY, 8, 25)
    assert checkin.attendance == Attendance.PRESENT


def test_logging_out_leads_to_a_plain_login_page(company) -> None:
    client = logged_in("rep_a")
    response = client.post(reverse("logout"), HTTP_REFERER="http://testserver/visits/today/")
    assert response["Location"] == "/accounts/login/"
