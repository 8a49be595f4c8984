# A follow-up points at the outbox row that carries it (filled in by 0004). The old sending
# state stays until 0004 has copied it; next_attempt_at becomes nullable so that 0005 can be
# undone (its reverse adds the column back before 0004's reverse fills it).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0004_outgoingemail'),
        ('followup', '0002_checkin'),
    ]

    operations = [
        migrations.AddField(
            model_name='followup',
            name='email',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='followup', to='clinic.outgoingemail'),
        ),
        migrations.AlterField(
            model_name='followup',
            name='next_attempt_at',
            field=models.DateTimeField(null=True),
        ),
    ]
