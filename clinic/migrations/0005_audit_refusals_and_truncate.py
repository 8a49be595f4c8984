"""Refused requests (403) get their own audit action, and the audit table refuses TRUNCATE.

0002's trigger refuses UPDATE and DELETE row by row; TRUNCATE fires no row trigger, so a
statement trigger refuses it too. The test suite empties every table between transactional
tests with TRUNCATE: its connections alone set `clinic.allow_audit_truncate` (test settings,
DATABASES OPTIONS). In a deployment the app's own database role has no TRUNCATE, UPDATE or
DELETE on the table at all (`manage.py grant_app_role`), so the setting does not help it.
"""

from django.db import migrations, models

# One statement each, run with no parameters: "%" is PL/pgSQL's, not a placeholder.
CREATE = [
    """
CREATE OR REPLACE FUNCTION clinic_auditentry_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('clinic.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER clinic_auditentry_no_truncate
    BEFORE TRUNCATE ON clinic_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION clinic_auditentry_no_truncate()
""",
]

DROP = [
    "DROP TRIGGER IF EXISTS clinic_auditentry_no_truncate ON clinic_auditentry",
    "DROP FUNCTION IF EXISTS clinic_auditentry_no_truncate()",
]


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0004_outgoingemail'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('view', 'Viewed'), ('change', 'Changed'), ('export', 'Exported'), ('signin', 'Signed in'), ('signout', 'Signed out'), ('signinfail', 'Sign-in failed'), ('lockout', 'Locked out'), ('mfa', 'Second factor changed'), ('account', 'Account changed'), ('denied', 'Refused')], max_length=10),
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
