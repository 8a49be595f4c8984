"""Refuse any UPDATE or DELETE of an audit row in the database itself.

The model already refuses to save an existing entry or delete one; this also stops
`QuerySet.update()`, `QuerySet.delete()` and raw SQL. TRUNCATE is left alone: the application
never runs it, and the test runner flushes tables with it between transactional tests.
"""

from django.db import migrations

# One statement each, run with no parameters: "%" is PL/pgSQL's, not a placeholder.
CREATE = [
    """
CREATE OR REPLACE FUNCTION clinic_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER clinic_auditentry_append_only
    BEFORE UPDATE OR DELETE ON clinic_auditentry
    FOR EACH ROW EXECUTE FUNCTION clinic_auditentry_append_only()
""",
]

DROP = [
    "DROP TRIGGER IF EXISTS clinic_auditentry_append_only ON clinic_auditentry",
    "DROP FUNCTION IF EXISTS clinic_auditentry_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
