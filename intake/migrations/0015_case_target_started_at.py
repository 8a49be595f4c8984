"""When a case's current target clock started (due times counted from the opening made an old
case raised to emergency overdue at once). Existing cases take their last override, or else
their opening; their due times are left as they are."""

from django.db import migrations, models
from django.db.models.functions import Greatest


def from_opening_or_override(apps, schema_editor):
    Case = apps.get_model("intake", "Case")
    # PostgreSQL's GREATEST ignores a NULL: a case never overridden takes its opening.
    Case.objects.update(target_started_at=Greatest("opened_at", "overridden_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0014_case_recovered_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="target_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(from_opening_or_override, migrations.RunPython.noop),
    ]
