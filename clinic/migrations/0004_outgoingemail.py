# The one outbox for every email (clinic/outbox.py). Alerts (intake 0011) and follow-ups'
# sending state (followup 0004) are copied into it by the apps' own migrations.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0003_staff_account_events'),
        ('intake', '0010_patient_privacy'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OutgoingEmail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('alert', 'Safety alert'), ('escalation', 'Escalation'), ('followup', 'Follow-up')], max_length=12)),
                ('recipient', models.EmailField(max_length=254)),
                ('template', models.CharField(max_length=40)),
                ('context', models.JSONField(blank=True, default=dict)),
                ('dedupe_key', models.CharField(blank=True, max_length=100, null=True, unique=True)),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('unknown', 'Outcome unknown'), ('cancelled', 'Cancelled')], default='queued', max_length=10)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.CharField(blank=True, max_length=200)),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('message_id', models.CharField(blank=True, max_length=200)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='emails', to='intake.case')),
                ('recipient_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('status', 'queued')), fields=['kind', 'next_attempt_at', 'id'], name='outbox_due'), models.Index(condition=models.Q(('status', 'sending')), fields=['claimed_at'], name='outbox_in_flight'), models.Index(condition=models.Q(('status__in', ['failed', 'unknown'])), fields=['kind', 'case'], name='outbox_undelivered')],
            },
        ),
    ]
