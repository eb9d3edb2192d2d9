"""An organisation's proposals by id (#18): the index a secretary's list and each organisation's share of a
coordinator's list read backwards from a cursor. It leads with the organisation, so it replaces the foreign
key's own index, which is dropped after the new one exists."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0018_organisation_tree"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(fields=["organisation", "id"], name="proposal_by_organisation"),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="proposals",
                to="proposals.organisation",
                verbose_name="organisation",
            ),
        ),
    ]
