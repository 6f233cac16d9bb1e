"""Index for the nightly job's late-data check: customers changed since the last night (bench/README.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("org", "0006_beat_flush_pending")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS customer_updated_at ON org_customer (updated_at)",
            "DROP INDEX IF EXISTS customer_updated_at",
        ),
    ]
