# The sending state lives on the follow-up's outbox row now (copied there by 0004).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('followup', '0004_followups_into_outbox'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='followup',
            name='followup_due',
        ),
        migrations.RemoveIndex(
            model_name='followup',
            name='followup_in_flight',
        ),
        migrations.RemoveIndex(
            model_name='followup',
            name='followup_status_due',
        ),
        migrations.RemoveField(
            model_name='followup',
            name='attempts',
        ),
        migrations.RemoveField(
            model_name='followup',
            name='claimed_at',
        ),
        migrations.RemoveField(
            model_name='followup',
            name='last_error',
        ),
        migrations.RemoveField(
            model_name='followup',
            name='message_id',
        ),
        migrations.RemoveField(
            model_name='followup',
            name='next_attempt_at',
        ),
        migrations.RemoveField(
            model_name='followup',
            name='sent_at',
        ),
        migrations.RemoveField(
            model_name='followup',
            name='status',
        ),
        migrations.AlterField(
            model_name='followup',
            name='email',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='followup', to='clinic.outgoingemail'),
        ),
    ]
