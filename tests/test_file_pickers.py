"""Every file field is drawn as a translated button beside the chosen file's name (includes/file_picker.html):
the browser's own control would say "Choose File / No file chosen" whatever the page's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import CustomerFactory
from visits.services import rep_day

pytestmark = pytest.mark.django_db

WORDS = {
    "en": {"file": ("Choose a file", "No file chosen"), "photo": ("Choose a photo", "No photo chosen")},
    "zh-hans": {"file": ("选择文件", "未选择文件"), "photo": ("选择照片", "未选择照片")},
}
FILE_INPUT = re.compile(r"<input\b[^>]*\btype=\"file\"[^>]*>")


def pages(company) -> list[tuple[object, str, str]]:
    """(who, address, kind of file) of each page with a file field."""
    shop = CustomerFactory(name="Alpha Mart", team=company.team_a, owner=company.rep_a)
    sheet = rep_day.sheet_open(rep=company.rep_a)
    rep_day.visit_check_in(by=company.rep_a, visit=rep_day.visit_plan(by=company.rep_a, sheet=sheet, customer=shop))
    return [
        (company.rep_a, reverse("visits:sheet", args=[sheet.pk]), "photo"),
        (company.manager_a, reverse("visits:import"), "file"),
        (company.manager_a, reverse("targets:import") + f"?team={company.team_a.pk}&metric=sales", "file"),
        (company.director, reverse("org:calendar"), "file"),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_file_field_is_a_hidden_input_with_a_translated_button_and_name(company, language) -> None:
    for user, address, kind in pages(company):
        response = company.client_for(user).get(address, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, address
        page = response.content.decode()
        inputs = FILE_INPUT.findall(page)
        assert inputs, address
        button, empty = WORDS[language][kind]
        for tag in inputs:
            assert "visually-hidden" in tag and "data-file-picker-input" in tag, (address, tag)
            assert "form-control" not in tag, (address, tag)  # the browser's control, styled, would show
            input_id = re.search(r'\bid="([^"]+)"', tag).group(1)
            label = re.search(rf'<label class="btn[^"]*file-picker-button"[^>]*for="{input_id}"[^>]*>([^<]*)', page)
            assert label and label.group(1).strip() == button, (address, input_id)
            chosen = re.search(rf'id="{input_id}-chosen"[^>]*>([^<]*)<', page)
            assert chosen and chosen.group(1) == empty, (address, input_id)
            assert f"{input_id}-chosen" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)


def test_no_template_draws_a_file_input_of_its_own() -> None:
    """A file input written into a template is a picker too (forms' fields use salesops.widgets.FilePickerInput)."""
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for tag in FILE_INPUT.findall(template.read_text()):
            assert "data-file-picker-input" in tag and "visually-hidden" in tag, (template, tag)
