"""A case's recovery as a column of its own (the came-back figure read it from the JSON of
timeline lines): existing recovered cases take the time of their last status line to recovered."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def from_timeline(apps, schema_editor):
    Case = apps.get_model("intake", "Case")
    CaseEvent = apps.get_model("intake", "CaseEvent")
    recoveries = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind="status", data__to="recovered"
    ).order_by("-at", "-pk")
    Case.objects.filter(Exists(recoveries)).update(
        recovered_at=Subquery(recoveries.values("at")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0013_escalation"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="recovered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(from_timeline, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("recovered_at__isnull", False)),
                fields=["recovered_at"],
                name="case_recovered",
            ),
        ),
    ]
