from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sheets", "0012_column_number_format"),
    ]

    operations = [
        migrations.AddField(
            model_name="column",
            name="wrap",
            field=models.BooleanField(default=False),
        ),
    ]
