"""The calendar feed's secret is kept only as its SHA-256: each stored secret is hashed in place, so every
address already subscribed keeps working."""

import hashlib

from django.db import migrations


def hash_tokens(apps, schema_editor):
    User = apps.get_model("proposals", "User")
    for pk, token in User.objects.exclude(calendar_token_hash=None).values_list("pk", "calendar_token_hash"):
        User.objects.filter(pk=pk).update(calendar_token_hash=hashlib.sha256(token.encode()).hexdigest())


def forget_tokens(apps, schema_editor):
    """A hash gives no secret back: going back, everyone makes a new address."""
    apps.get_model("proposals", "User").objects.update(calendar_token_hash=None)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0007_input_validators")]

    operations = [
        migrations.RenameField(model_name="user", old_name="calendar_token", new_name="calendar_token_hash"),
        migrations.RunPython(hash_tokens, forget_tokens),
    ]
