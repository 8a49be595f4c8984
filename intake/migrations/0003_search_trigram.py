"""Trigram index for staff search by name, email or phone."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS patient_search_trgm ON intake_patient "
    "USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS patient_search_trgm"]


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_roles")]

    operations = [TrigramExtension(), migrations.RunSQL(CREATE, DROP)]
