from django.db import migrations

from targets.migrations._shipped import ship


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
