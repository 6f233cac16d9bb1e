from __future__ import annotations

from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2020, 2027


def seed(apps, schema_editor) -> None:
    # The years' sources and holiday names are filled in by the refresh that runs after every migrate.
    from org.calendar import package_calendar

    WorkCalendarDay = apps.get_model("org", "WorkCalendarDay")
    rows = [
        WorkCalendarDay(date=row.date, is_working=row.is_working, kind=row.kind)
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
        for row in package_calendar(year)
    ]
    WorkCalendarDay.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor) -> None:
    apps.get_model("org", "WorkCalendarDay").objects.filter(updated_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
