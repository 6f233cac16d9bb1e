# The idempotency key now lives in org (org 0012), on the same table: only Django's state changes here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0009_merge_photos_check_out_sync'),
        ('org', '0012_idempotency_key_from_visits'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='IdempotencyKey')],
        ),
    ]
