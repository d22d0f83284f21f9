from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sheets", "0013_saved_view"),
    ]

    operations = [
        migrations.AddField(
            model_name="column",
            name="wrap",
            field=models.BooleanField(default=False),
        ),
    ]
