from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("uploads", "0002_upload_unchanged_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="upload",
            name="worker",
            field=models.CharField(
                blank=True,
                help_text="The process running it (host:pid), once the worker took it.",
                max_length=300,
            ),
        ),
    ]
