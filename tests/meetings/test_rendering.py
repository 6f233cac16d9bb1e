"""The dashboard's rendering shortcuts write exactly what Django's templates wrote."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from meetings.forms import ListSelect
from meetings.templatetags.meetings_tags import attendance_badge, sheet_filing
from visits.selectors import DaySummary

CHOICES = [("", "---------"), (1, "A & B <Ltd>"), (2, 'Zoë "Q"'), ("Region", [(3, "Manager"), (4, "Director")])]


@pytest.mark.parametrize("value", [None, "", 2, "2", 4])
def test_the_list_select_writes_the_markup_of_djangos_select(value) -> None:
    attrs = {"class": "form-select", "required": True, "data-off": False}
    expected = forms.Select(attrs=attrs, choices=CHOICES).render("rep", value, attrs={"id": "id_rep"})
    assert ListSelect(attrs=attrs, choices=CHOICES).render("rep", value, attrs={"id": "id_rep"}) == expected


ATTENDANCE_TEMPLATE = Template(
    '{% load i18n %}{% if attendance == "present" %}<span class="badge text-bg-success" data-attendance="present">'
    '{% translate "Present" context "attendance" %}</span>{% elif attendance == "late" %}'
    '<span class="badge text-bg-warning" data-attendance="late">{% translate "Late" context "attendance" %}</span>'
    '{% elif attendance == "absent" %}<span class="badge text-bg-danger" data-attendance="absent">'
    '{% translate "Absent" context "attendance" %}</span>{% elif attendance == "excused" %}'
    '<span class="badge text-bg-info" data-attendance="excused">{% translate "Excused" context "attendance" %}</span>'
    '{% else %}<span class="badge text-bg-light border" data-attendance="waiting">'
    '{% translate "Not yet" context "attendance" %}</span>{% endif %}'
)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("attendance", ["present", "late", "absent", "excused", "", None])
def test_the_attendance_badge_is_the_former_included_template(language, attendance) -> None:
    with translation.override(language):
        assert attendance_badge(attendance) == ATTENDANCE_TEMPLATE.render(Context({"attendance": attendance}))


def test_the_sheet_filing_badge_says_missing_late_or_on_time() -> None:
    with translation.override("zh-hans"):
        assert sheet_filing(DaySummary(rep_id=1, sheet_status=None)) == (
            '<span class="badge text-bg-danger">未提交</span>'
        )
        assert "迟交" in sheet_filing(DaySummary(rep_id=1, sheet_status="submitted", is_late=True))
        assert "按时" in sheet_filing(DaySummary(rep_id=1, sheet_status="submitted"))
    assert sheet_filing(None) == ""
