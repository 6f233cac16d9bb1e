"""A director finds 2027 marked as estimated, imports the State Council's arrangement and sees the days change."""

from __future__ import annotations

import pytest

from org.models import WorkCalendarYear
from org.services import calendar_seed
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.org.test_calendar_years import NOTICE_2027
from tests.targets.conftest import ensure_shipped_data, make_sales_team

pytestmark = pytest.mark.django_db(transaction=True)

LABOUR_DAY_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//holidays//EN\r\n"
    "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20270501\r\nDTEND;VALUE=DATE:20270506\r\n"
    "SUMMARY:Labour Day (day off)\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20270425\r\nSUMMARY:Labour Day make-up working day\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


@pytest.fixture
def director(transactional_db):
    ensure_shipped_data()
    calendar_seed(years=[2027])
    return make_sales_team().director


def cell(page, day: str):
    return page.locator(f"td[data-date='{day}']")


def background(page, day: str) -> str:
    return cell(page, day).evaluate("td => getComputedStyle(td).backgroundColor")


def test_a_director_imports_the_official_2027_arrangement_in_chinese(new_page, director) -> None:
    page = new_page(locale="zh-CN")
    login(page, director.username, PASSWORD)
    page.goto("/calendar/?year=2027")
    notice = page.get_by_test_id("calendar-estimated")
    assert "2027 年为预估日历——国务院放假安排通知尚未发布。" in notice.inner_text()
    assert page.get_by_test_id("year-working-days").inner_text() == "248 个工作日"
    # Holidays and weekends are coloured (the table's own background used to hide them).
    assert background(page, "2027-10-01") == "rgb(255, 205, 210)"
    assert background(page, "2027-10-09") == "rgb(236, 239, 241)"
    assert cell(page, "2027-10-01").get_attribute("title") == "国庆节"
    assert "1–5 国庆节" in page.get_by_test_id("month-10").inner_text()
    screenshot(page, "calendar-2027-estimated-zh")

    page.fill("#id_text", NOTICE_2027)
    page.get_by_test_id("import-preview-button").click()
    preview = page.get_by_test_id("import-preview")
    assert "清单列出 19 天，其中 8 天将变更" in preview.inner_text()
    assert cell(page, "2027-10-06").get_attribute("data-kind") == "workday", "a preview changes nothing"
    screenshot(page, "calendar-2027-import-preview-zh")

    page.get_by_test_id("import-apply").click()
    page.wait_for_selector("text=2027 年官方放假安排已导入（列出 19 天，变更 8 天）。")
    assert cell(page, "2027-10-06").get_attribute("data-kind") == "holiday"
    assert cell(page, "2027-10-09").get_attribute("data-kind") == "makeup"
    assert background(page, "2027-10-09") == "rgb(200, 230, 201)"
    assert cell(page, "2027-10-11").get_attribute("data-kind") == "workday"  # not named: unchanged
    assert "1–7 国庆节" in page.get_by_test_id("month-10").inner_text()
    assert "9 国庆节 · 调休补班" in page.get_by_test_id("month-10").inner_text()
    assert page.get_by_test_id("calendar-estimated").count() == 0
    assert "官方放假安排，由" in page.get_by_test_id("calendar-source").inner_text()
    assert WorkCalendarYear.objects.get(year=2027).source == WorkCalendarYear.Source.IMPORTED
    screenshot(page, "calendar-2027-imported-zh")


def test_a_director_uploads_an_ics_arrangement_in_english(new_page, director) -> None:
    page = new_page(locale="en")
    login(page, director.username, PASSWORD)
    page.goto("/calendar/?year=2027")
    assert (
        "2027: estimated — the State Council's notice is not in yet."
        in page.get_by_test_id("calendar-estimated").inner_text()
    )
    assert cell(page, "2027-01-01").get_attribute("title") == "New Year's Day"
    assert cell(page, "2027-05-05").get_attribute("data-kind") == "workday"
    assert cell(page, "2027-04-25").get_attribute("data-kind") == "weekend"

    page.set_input_files(
        "#id_file", files=[{"name": "2027.ics", "mimeType": "text/calendar", "buffer": LABOUR_DAY_ICS.encode()}]
    )
    page.get_by_test_id("import-preview-button").click()
    assert "The list names 6 days; 2 will change." in page.get_by_test_id("import-preview").inner_text()
    screenshot(page, "calendar-2027-import-preview-en")
    page.get_by_test_id("import-apply").click()
    page.wait_for_selector("text=2027: the official arrangement is imported (6 days named, 2 changed).")
    assert cell(page, "2027-05-05").get_attribute("data-kind") == "holiday"
    assert cell(page, "2027-04-25").get_attribute("data-kind") == "makeup"
    assert cell(page, "2027-05-06").get_attribute("data-kind") == "workday"
    assert "25 Labour Day · make-up working day" in page.get_by_test_id("month-4").inner_text()
    assert "1–5 Labour Day" in page.get_by_test_id("month-5").inner_text()
    screenshot(page, "calendar-2027-imported-en")
