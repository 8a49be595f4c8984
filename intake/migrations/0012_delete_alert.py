# Alerts live in the outbox now (clinic.OutgoingEmail, copied there by 0011).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0011_alerts_into_outbox'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='alert',
            name='alert_unsent',
        ),
        migrations.RemoveConstraint(
            model_name='alert',
            name='alert_once_per_recipient',
        ),
        migrations.DeleteModel(
            name='Alert',
        ),
    ]
