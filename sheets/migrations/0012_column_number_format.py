from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sheets", "0011_sheet_frozen_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="column",
            name="number_format",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
