"""Trigram index for staff search by name, email or phone (PostgreSQL only)."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS patient_search_trgm ON intake_patient "
    "USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS patient_search_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        # SQLite (make run's default) searches by a plain scan; fine at demo sizes.
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_roles")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
