from __future__ import annotations

from django.db import migrations


def schedule(apps, schema_editor) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Send tasks kept while the broker was down",
        defaults={"task": "org.flush_pending_tasks", "interval": every_minute},
    )


def unschedule(apps, schema_editor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="org.flush_pending_tasks").delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0005_pending_task"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
