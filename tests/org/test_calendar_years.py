"""Calendar years have a source: official from the published arrangement, or estimated until it is out."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from org import services
from org.calendar import is_working_day, working_dates, working_days_between
from org.calendar_import import parse_arrangement
from org.models import AuditEvent, WorkCalendarDay, WorkCalendarYear

pytestmark = pytest.mark.django_db

D = dt.date

# A made-up State Council notice for 2027 (the real one is not out): the Spring Festival 5–12 February with
# make-up Saturdays on 30 January and 20 February; National Day 1–7 October with 26 September and 9 October.
NOTICE_2027 = """日期,类型,名称
2027-02-05~2027-02-12,休,春节
2027-01-30,班,春节
2027-02-20,班,春节
2027-10-01~2027-10-07,休,国庆节
2027-09-26,班,国庆节
2027-10-09,班,国庆节
"""


@pytest.fixture(autouse=True)
def _calendar() -> None:
    # Transactional tests flush tables, migration data included: load the years these tests read.
    services.calendar_seed(years=[2026, 2027])


def _year(year: int) -> dict[dt.date, tuple[bool, str]]:
    return {day.date: (day.is_working, day.kind) for day in WorkCalendarDay.objects.filter(date__year=year)}


def test_2027_is_seeded_as_an_estimate_with_the_statutory_holidays_off() -> None:
    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.ESTIMATED
    new_years_day = WorkCalendarDay.objects.get(date=D(2027, 1, 1))
    assert (new_years_day.is_working, new_years_day.kind, new_years_day.holiday) == (False, "holiday", "new_years_day")
    # The Spring Festival: the eve (Fri 5 Feb) to the third day, the weekend days made up on Tue 9 and Wed 10.
    assert working_dates(D(2027, 2, 1), D(2027, 2, 12)) == [
        D(2027, 2, 1),
        D(2027, 2, 2),
        D(2027, 2, 3),
        D(2027, 2, 4),
        D(2027, 2, 11),
        D(2027, 2, 12),
    ]
    assert WorkCalendarDay.objects.get(date=D(2027, 2, 8)).holiday == "spring_festival"
    # National Day: Fri 1 October to Tue 5 October.
    assert working_dates(D(2027, 10, 1), D(2027, 10, 8)) == [D(2027, 10, 6), D(2027, 10, 7), D(2027, 10, 8)]
    # 261 weekdays less 13 weekday holidays; make-up Saturdays are unknown, so there are none.
    assert working_days_between(D(2027, 1, 1), D(2027, 12, 31)) == 248
    assert not WorkCalendarDay.objects.filter(date__year=2027, kind=WorkCalendarDay.Kind.MAKEUP).exists()


def test_2026_is_official_with_its_make_up_saturdays() -> None:
    assert WorkCalendarYear.objects.get(year=2026).source == WorkCalendarYear.Source.OFFICIAL
    assert WorkCalendarDay.objects.get(date=D(2026, 2, 14)).kind == WorkCalendarDay.Kind.MAKEUP
    assert WorkCalendarDay.objects.get(date=D(2026, 2, 14)).holiday == "spring_festival"


def test_an_import_changes_exactly_the_days_it_names(company) -> None:
    before = _year(2027)
    preview = services.calendar_import(by=company.director, year=2027, text=NOTICE_2027, apply=False)
    assert _year(2027) == before, "a preview stores nothing"
    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.ESTIMATED

    changes = services.calendar_import(by=company.director, year=2027, text=NOTICE_2027, apply=True)
    assert changes == preview
    after = _year(2027)
    named = {change.date for change in changes}
    assert len(named) == 8 + 2 + 7 + 2
    assert {day for day in after if after[day] != before[day]} == {
        D(2027, 1, 30),
        D(2027, 2, 11),
        D(2027, 2, 12),
        D(2027, 2, 20),
        D(2027, 9, 26),
        D(2027, 10, 6),
        D(2027, 10, 7),
        D(2027, 10, 9),
    }
    assert {change.date for change in changes if change.changes} == {day for day in after if after[day] != before[day]}
    assert after[D(2027, 1, 30)] == (True, WorkCalendarDay.Kind.MAKEUP)
    assert after[D(2027, 10, 7)] == (False, WorkCalendarDay.Kind.HOLIDAY)
    assert WorkCalendarDay.objects.get(date=D(2027, 10, 7)).holiday == "national_day"
    # Four more days off, four make-up days: the same 248 working days, in other places.
    assert working_days_between(D(2027, 1, 1), D(2027, 12, 31)) == 248
    # February: 20 weekdays, six of them off (Fri 5, Mon 8 – Fri 12), Saturday 20 made up.
    assert working_days_between(D(2027, 2, 1), D(2027, 2, 28)) == 20 - 6 + 1
    year = WorkCalendarYear.objects.get(year=2027)
    assert (year.source, year.imported_by) == (WorkCalendarYear.Source.IMPORTED, company.director)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CALENDAR_CHANGED, object_id=str(year.pk)).exists()


def test_imported_and_hand_set_days_survive_a_refresh(company) -> None:
    services.calendar_import(by=company.director, year=2027, text=NOTICE_2027, apply=True)
    services.calendar_day_set(by=company.director, date=D(2027, 3, 8), is_working=False, note="Offsite")
    # A day the old Monday–Friday seed stored (no director): the refresh puts the package's answer back.
    WorkCalendarDay.objects.filter(date=D(2027, 1, 1)).update(is_working=True, kind="workday", holiday="")

    results = services.calendar_refresh()

    assert D(2027, 1, 1) not in working_dates(D(2027, 1, 1), D(2027, 1, 1))
    assert is_working_day(D(2027, 1, 30)) and not is_working_day(D(2027, 10, 7))
    assert not is_working_day(D(2027, 3, 8))
    assert WorkCalendarDay.objects.get(date=D(2027, 3, 8)).note == "Offsite"
    row_2027 = next(row for row in results if row.year == 2027)
    assert (row_2027.source, row_2027.changed, row_2027.kept) == ("imported", 1, 20)
    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.IMPORTED


def test_a_refresh_with_overwrite_goes_back_to_the_estimate(company) -> None:
    estimate = _year(2027)
    services.calendar_import(by=company.director, year=2027, text=NOTICE_2027, apply=True)
    services.calendar_seed(years=[2027], overwrite=True)
    assert _year(2027) == estimate
    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.ESTIMATED


def test_the_refresh_command_runs_after_migrate_and_reports_each_year() -> None:
    WorkCalendarDay.objects.filter(date__year=2027).delete()
    WorkCalendarYear.objects.filter(year=2027).delete()
    call_command("migrate", verbosity=0)
    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.ESTIMATED
    assert not is_working_day(D(2027, 10, 1))

    out = io.StringIO()
    call_command("calendar_refresh", "--year", "2027", stdout=out)
    assert out.getvalue().strip() == "2027: estimated, 0 day(s) refreshed, 0 kept as a director set them"


def test_a_bad_list_is_refused_line_by_line_and_nothing_is_stored(company) -> None:
    before = _year(2027)
    text = "2027-10-01,休,国庆节\n2027-13-01,休\n2027-10-02,国庆节\n2026-12-31,休\n2027-10-03,休\n2027-10-03,班\n"
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.calendar_import(by=company.director, year=2027, text=text, apply=True)
    messages = error.value.message_dict["text"]
    assert len(messages) == 4
    assert messages[0].startswith("Line 2:") and "2027-13-01" in messages[0]
    assert messages[1].startswith("Line 3:")
    assert messages[2].startswith("Line 4:") and "2026-12-31" in messages[2]
    assert messages[3].startswith("Line 6:")
    assert _year(2027) == before
    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.ESTIMATED


def test_only_a_director_imports(company) -> None:
    with pytest.raises(PermissionDenied):
        services.calendar_import(by=company.manager_a, year=2027, text=NOTICE_2027, apply=True)
    response = company.client_for(company.manager_a).post("/calendar/import/", {"year": 2027, "text": NOTICE_2027})
    assert response.status_code == 403
    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.ESTIMATED


def test_an_ics_holiday_calendar_is_read_with_its_folded_lines_and_exclusive_end() -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20271001\r\nDTEND;VALUE=DATE:20271008\r\n"
        "SUMMARY:国庆节 \r\n 休\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270926\r\nSUMMARY:国庆节调休\r\nCATEGORIES:上班\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nDTSTART:20261231T160000Z\r\nSUMMARY:元旦（休）\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    days = parse_arrangement(ics, year=2027)
    assert [(day.date, day.is_working, day.holiday) for day in days] == [
        (D(2027, 1, 1), False, "new_years_day"),  # 16:00 UTC on 31 December is New Year's Day in Shanghai
        (D(2027, 9, 26), True, "national_day"),
        *[(D(2027, 10, n), False, "national_day") for n in range(1, 8)],
    ]


def test_english_kinds_and_names_and_a_note_for_an_unknown_name() -> None:
    days = parse_arrangement("2027/1/1\tholiday\tNew Year's Day\n20270102;make-up;Company picnic\n", year=2027)
    assert [(day.date, day.is_working, day.holiday, day.note) for day in days] == [
        (D(2027, 1, 1), False, "new_years_day", ""),
        (D(2027, 1, 2), True, "", "Company picnic"),
    ]


def _page(client, year: int, language: str) -> str:
    response = client.get(f"/calendar/?year={year}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_calendar_page_says_2027_is_an_estimate_in_the_pages_language(company) -> None:
    client = company.client_for(company.rep_a)
    english, chinese = _page(client, 2027, "en"), _page(client, 2027, "zh-hans")
    assert "2027: estimated — the State Council's notice is not in yet." in english
    assert "2027 年为预估日历——国务院放假安排通知尚未发布。" in chinese
    assert 'data-testid="calendar-estimated"' not in _page(client, 2026, "en")
    for name in ("New Year&#x27;s Day", "Spring Festival", "National Day"):
        assert name in english
    for name in ("元旦", "春节", "国庆节"):
        assert name in chinese
    assert "Spring Festival" not in chinese and "春节" not in english
    assert 'data-date="2027-10-01" data-kind="holiday" title="国庆节"' in chinese


def test_a_director_previews_then_imports_an_uploaded_file_on_the_page(company) -> None:
    client = company.client_for(company.director)
    upload = SimpleUploadedFile("2027.csv", NOTICE_2027.encode("gb18030"), content_type="text/csv")
    preview = client.post("/calendar/import/", {"year": 2027, "file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "The list names 19 days; 8 will change." in body
    assert 'data-testid="preview-2027-02-11"' in body
    assert is_working_day(D(2027, 2, 11))

    imported = client.post("/calendar/import/", {"year": 2027, "text": NOTICE_2027, "apply": "1"})
    assert imported.status_code == 302
    assert not is_working_day(D(2027, 2, 11))
    page = _page(client, 2027, "en")
    assert 'data-testid="calendar-estimated"' not in page
    assert "Official arrangement, imported by" in page


def test_a_bad_list_on_the_page_names_the_line_and_answers_400(company) -> None:
    client = company.client_for(company.director)
    response = client.post(
        "/calendar/import/", {"year": 2027, "text": "2027-10-01,国庆节"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "第 1 行" in response.content.decode()
    assert is_working_day(D(2027, 10, 6))
    empty = client.post("/calendar/import/", {"year": 2027, "text": " "}, HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 400
    assert "Paste or upload the list of holidays and make-up working days." in empty.content.decode()


def test_pages_that_use_2027s_working_days_carry_the_warning(company) -> None:
    client = company.client_for(company.manager_a)
    grid_2027 = client.get(f"/targets/?team={company.team_a.pk}&year=2027", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "2027 年为预估日历——国务院放假安排通知尚未发布。" in grid_2027.content.decode()
    grid_2026 = client.get(f"/targets/?team={company.team_a.pk}&year=2026", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-testid="calendar-estimated"' not in grid_2026.content.decode()
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC), tick=False):
        # (signed in again: the session of before the travel has expired)
        page = company.client_for(company.manager_a).get("/reports/my-team/", HTTP_ACCEPT_LANGUAGE="en")
        page = page.content.decode()
        assert "2027: estimated — the State Council's notice is not in yet." in page
    services.calendar_import(by=company.director, year=2027, text=NOTICE_2027, apply=True)
    grid_2027 = client.get(f"/targets/?team={company.team_a.pk}&year=2027", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-testid="calendar-estimated"' not in grid_2027.content.decode()


def test_a_year_not_refreshed_yet_is_estimated_by_the_packages(company) -> None:
    WorkCalendarYear.objects.filter(year=2031).delete()
    page = _page(company.client_for(company.rep_a), 2031, "en")
    assert "2031: estimated — the State Council's notice is not in yet." in page
    assert 'data-date="2031-01-01" data-kind="holiday" title="New Year&#x27;s Day"' in page


@pytest.fixture
def package_publishes_2027(monkeypatch):
    """As after an upgrade of chinese-calendar to a version with the 2027 notice: National Day 1–7 October,
    Saturday 9 October made up."""
    from org import calendar

    estimated = calendar._estimated_rows

    def published(year: int) -> list:
        rows = {row.date: row for row in estimated(year)}
        for day in (D(2027, 10, 6), D(2027, 10, 7)):
            rows[day] = calendar.CalendarRow(day, False, WorkCalendarDay.Kind.HOLIDAY, "national_day")
        rows[D(2027, 10, 9)] = calendar.CalendarRow(D(2027, 10, 9), True, WorkCalendarDay.Kind.MAKEUP, "national_day")
        return list(rows.values())

    monkeypatch.setattr(calendar, "official_data_covers", lambda year: year <= 2027)
    monkeypatch.setattr(calendar, "_official_rows", published)
    calendar._package_year.cache_clear()
    yield
    calendar._package_year.cache_clear()


def test_after_a_package_upgrade_the_refresh_makes_2027_official_and_keeps_the_directors_days(
    company, package_publishes_2027
) -> None:
    services.calendar_day_set(by=company.director, date=D(2027, 10, 8), is_working=False, note="Team trip")
    assert is_working_day(D(2027, 10, 6)), "the stored estimate stands until the refresh"

    services.calendar_refresh()

    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.OFFICIAL
    assert working_dates(D(2027, 10, 1), D(2027, 10, 10)) == [D(2027, 10, 9)]
    assert WorkCalendarDay.objects.get(date=D(2027, 10, 8)).note == "Team trip"
    assert 'data-testid="calendar-estimated"' not in _page(company.client_for(company.rep_a), 2027, "en")


def test_the_api_names_each_holiday_in_the_requests_language(company) -> None:
    client = company.client_for(company.rep_a)
    chinese = client.get("/api/v1/calendar/2027-02-08/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert (chinese["is_working"], chinese["holiday"], chinese["name"]) == (False, "spring_festival", "春节")
    english = client.get("/api/v1/calendar/2027-02-08/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["name"] == "Spring Festival"
