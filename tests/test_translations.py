"""The zh_Hans catalogues stay complete: CI fails on an untranslated, fuzzy or obsolete entry, on a catalogue
out of date with the sources and on a string translated two ways."""

from __future__ import annotations

import json
from pathlib import Path

import polib
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from salesops.catalogs import catalog_problems


def test_every_chinese_catalogue_is_complete_and_up_to_date():
    assert catalog_problems(Path(settings.BASE_DIR)) == []


def _tiny_project(tmp_path: Path, *, translated: bool) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '{% load i18n %}<h1>{% translate "Plan a visit" %}</h1><p>{% translate "Submit the sheet" %}</p>\n'
    )
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "zh_Hans"}
    for msgid, msgstr in (("Plan a visit", "计划拜访"), ("Submit the sheet", "提交拜访表" if translated else "")):
        catalogue.append(polib.POEntry(msgid=msgid, msgstr=msgstr, occurrences=[("templates/page.html", "1")]))
    messages = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    catalogue.save(str(messages / "django.po"))
    catalogue.save_as_mofile(str(messages / "django.mo"))
    js = polib.POFile()
    js.metadata = catalogue.metadata
    js.save(str(messages / "djangojs.po"))
    js.save_as_mofile(str(messages / "djangojs.mo"))
    return tmp_path


def test_a_complete_catalogue_passes(tmp_path):
    assert catalog_problems(_tiny_project(tmp_path, translated=True)) == []


def test_an_untranslated_string_fails_the_check(tmp_path):
    problems = catalog_problems(_tiny_project(tmp_path, translated=False))
    assert problems == ["locale/zh_Hans/LC_MESSAGES/django.po: 'Submit the sheet' is untranslated"]


def test_a_fuzzy_or_obsolete_entry_fails_the_check(tmp_path):
    root = _tiny_project(tmp_path, translated=True)
    path = root / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path))
    catalogue.find("Plan a visit").flags.append("fuzzy")
    catalogue.append(polib.POEntry(msgid="Old words", msgstr="旧词", obsolete=True))
    catalogue.save(str(path))
    problems = catalog_problems(root)
    assert "locale/zh_Hans/LC_MESSAGES/django.po: 'Plan a visit' is fuzzy" in problems
    assert "locale/zh_Hans/LC_MESSAGES/django.po: 'Old words' is obsolete (#~): delete it" in problems


def test_a_string_added_to_the_sources_without_make_messages_fails_the_check(tmp_path):
    root = _tiny_project(tmp_path, translated=True)
    (root / "templates" / "other.html").write_text('{% load i18n %}{% translate "Check out" %}\n')
    assert catalog_problems(root) == [
        "locale/zh_Hans/LC_MESSAGES/django.po: 'Check out' is in the sources but not in the catalogue: "
        "run make messages"
    ]


def test_the_visit_sheet_words_read_in_chinese():
    with translation.override("zh-hans"):
        assert translation.gettext("Plan a visit") != "Plan a visit"
        assert translation.gettext("Submit the sheet") != "Submit the sheet"
        assert translation.pgettext("row number", "Line") == "行号"
        assert translation.pgettext("problem status", "Open") == "待解决"
        assert translation.gettext("Follow-up date") == "跟进日期"
        assert translation.gettext("Visits") == "拜访"


@override_settings(ROOT_URLCONF="salesops.urls")
def test_the_javascript_catalogue_serves_the_chart_labels(client):
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert json.dumps("实际累计") in response.content.decode()
