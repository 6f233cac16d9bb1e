"""Names, money, counts, percentages, months, days and typed numbers as Chinese readers expect them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from salesops import formatting
from salesops.formatting import (
    display_name,
    export_text,
    long_date,
    money,
    month_label,
    name_sort_key,
    parse_number,
    percent,
    short_day,
    sorted_by_name,
)


def person(given: str, family: str, username: str = "u") -> SimpleNamespace:
    return SimpleNamespace(first_name=given, last_name=family, get_username=lambda: username, username=username)


@pytest.mark.parametrize(
    ("given", "family", "shown"),
    [
        ("芳", "王", "王芳"),
        ("娜娜", "欧阳", "欧阳娜娜"),
        ("Anna", "Smith", "Anna Smith"),
        ("Anna", "", "Anna"),
        ("", "", "u"),
        (" 芳 ", " 王 ", "王芳"),
    ],
)
def test_it_shows_chinese_names_family_first_without_a_space_and_latin_names_given_first(given, family, shown):
    assert display_name(person(given, family)) == shown


def test_nobody_shows_as_a_dash():
    assert display_name(None) == "—"


def test_people_sort_by_the_pinyin_of_the_family_name():
    people = [
        person("芳", "王", "wang"),
        person("Anna", "Smith", "anna"),
        person("娜娜", "欧阳", "ouyang"),
        person("伟", "陈", "chen"),
        person("静", "安", "an"),
        person("强", "曾", "zeng"),  # 曾 as a family name reads Zēng, so after 王 (not Céng, before 陈)
        person("", "", "zz"),
    ]
    assert [p.username for p in sorted_by_name(people)] == ["an", "chen", "ouyang", "anna", "wang", "zeng", "zz"]


def test_a_compound_surname_typed_in_one_field_sorts_by_the_compound():
    assert name_sort_key(person("欧阳娜娜", ""))[0] == "ouyang"
    assert name_sort_key(person("司马光", ""))[0] == "sima"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234567.89"), "¥1,234,567.89"),
        (Decimal("175000"), "¥175,000.00"),
        (Decimal("3771.765"), "¥3,771.77"),
        (Decimal("-1234.5"), "-¥1,234.50"),
        (Decimal("0"), "¥0.00"),
        (None, "—"),
    ],
)
def test_money_has_the_yen_sign_and_thousands_separators_in_both_languages(value, shown):
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert money(value) == shown


def test_large_figures_read_in_units_of_ten_thousand():
    with translation.override("zh-hans"):
        assert money(Decimal("1234567.89"), wan=True) == "¥123.46万"
        assert money(Decimal("80000000"), wan=True) == "¥8,000.00万"


def test_counts_are_whole_numbers_and_percentages_have_one_decimal():
    with translation.override("zh-hans"):
        assert formatting.count(Decimal("15.00")) == "15"
        assert formatting.count(Decimal("12345")) == "12,345"
        assert percent(Decimal("0.40909")) == "40.9%"
        assert percent(Decimal("1")) == "100.0%"
        assert percent(None) == "—"


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("1,234.5", Decimal("1234.5")),
        ("7,000,000.00", Decimal("7000000.00")),
        ("１２３４．５", Decimal("1234.5")),
        ("１，２３４", Decimal("1234")),
        ("80万", Decimal("800000")),
        ("¥80万元", Decimal("800000")),
        ("1.5万", Decimal("15000.0")),
        (" 42 ", Decimal("42")),
        ("-3", Decimal("-3")),
        ("¥1,234", Decimal("1234")),
    ],
)
def test_it_reads_the_numbers_people_type(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize("typed", ["", "abc", "1,23", "12,34.5", "1.2.3", "万", "1e5", "１２ａ"])
def test_it_refuses_what_is_not_a_number(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


def test_wan_can_be_refused_where_it_makes_no_sense():
    with pytest.raises(ValueError):
        parse_number("3万", allow_wan=False)


def test_months_and_days_read_the_same_everywhere():
    with translation.override("zh-hans"):
        assert [month_label(m) for m in (1, 5, 12)] == ["1月", "5月", "12月"]
        assert long_date(dt.date(2026, 12, 1)) == "2026年12月1日"
        assert short_day(dt.date(2026, 12, 1)) == "12-01 (周二)"
    with translation.override("en"):
        assert month_label(dt.date(2026, 5, 3)) == "May"
        assert short_day(dt.date(2026, 12, 1)) == "12-01 (Tue)"


@pytest.mark.parametrize(
    ("text", "exported"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+86 138", "'+86 138"),
        ("-1+2", "'-1+2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("王芳", "王芳"),
        ("a=b", "a=b"),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_exported_as_text(text, exported):
    assert export_text(text) == exported


def test_numbers_are_not_touched_by_the_export_guard():
    assert export_text(Decimal("-5")) == Decimal("-5")


def test_the_template_filters_are_built_in():
    with translation.override("zh-hans"):
        rendered = Template("{{ user|person }} {{ amount|money }} {{ amount|money:True }} {{ n|count }}").render(
            Context({"user": person("芳", "王"), "amount": Decimal("1234567.89"), "n": Decimal("15.00")})
        )
    assert rendered == "王芳 ¥1,234,567.89 ¥123.46万 15"
