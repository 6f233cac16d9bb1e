from __future__ import annotations

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION org_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER org_auditevent_append_only
    BEFORE UPDATE OR DELETE ON org_auditevent
    FOR EACH ROW EXECUTE FUNCTION org_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS org_auditevent_append_only ON org_auditevent;
DROP FUNCTION IF EXISTS org_auditevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("org", "0003_audit_event")]
    operations = [migrations.RunSQL(APPEND_ONLY, DROP)]
