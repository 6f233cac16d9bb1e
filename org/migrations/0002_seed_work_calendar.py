from __future__ import annotations

from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2020, 2027


def seed(apps, schema_editor) -> None:
    from org.calendar import official_calendar

    WorkCalendarDay = apps.get_model("org", "WorkCalendarDay")
    rows = [
        WorkCalendarDay(date=day, is_working=working, kind=kind, note=note)
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
        for day, working, kind, note in official_calendar(year)
    ]
    WorkCalendarDay.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor) -> None:
    apps.get_model("org", "WorkCalendarDay").objects.filter(updated_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
