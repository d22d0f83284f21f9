from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sheets", "0010_column_width"),
    ]

    operations = [
        migrations.AddField(
            model_name="column",
            name="number_format",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
