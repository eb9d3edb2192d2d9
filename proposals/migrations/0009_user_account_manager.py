"""The accounts' manager: createsuperuser makes an operator (role admin). No change to the tables."""

import proposals.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0008_calendar_token_hash'),
    ]

    operations = [
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', proposals.models.AccountManager()),
            ],
        ),
    ]
