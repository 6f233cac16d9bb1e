"""Indexes for the nightly job's late-data check: records created or visits changed since the last night.

Without them each shard of a night scans every sale record and every visit (bench/README.md, "Indexes").
Plain SQL (IF NOT EXISTS) keeps them out of the models' state, so the app's models stay as they are.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("visits", "0003_beat_purge_idempotency_keys")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS sale_created_at ON visits_salerecord (created_at)",
            "DROP INDEX IF EXISTS sale_created_at",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS visit_updated_at ON visits_visit (updated_at)",
            "DROP INDEX IF EXISTS visit_updated_at",
        ),
    ]
