"""API tokens expire. A token issued before has until 90 days after it was made
(its creation time is now set by the model, so the two agree to the microsecond)."""

import datetime as dt
from typing import Any

import django.utils.timezone
from django.db import migrations, models

DAYS = 90


def _expire_earlier_tokens(apps: Any, schema_editor: Any) -> None:
    token_model = apps.get_model("accounts", "Token")
    for token in token_model.objects.all():
        token.expires_at = token.created_at + dt.timedelta(days=DAYS)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="token",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(_expire_earlier_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="token",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.AlterField(
            model_name="token",
            name="expires_at",
            field=models.DateTimeField(help_text="After this the token is refused."),
        ),
    ]
