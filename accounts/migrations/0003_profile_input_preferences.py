from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_for_every_user"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="date_order",
            field=models.CharField(
                choices=[
                    ("auto", "As my browser's language writes them"),
                    ("DMY", "Day first (15/03/2027)"),
                    ("MDY", "Month first (03/15/2027)"),
                    ("YMD", "Year first (2027-03-15)"),
                ],
                default="auto",
                max_length=4,
            ),
        ),
        migrations.AddField(
            model_name="profile",
            name="decimal_mark",
            field=models.CharField(
                choices=[
                    ("auto", "As my browser's language writes it"),
                    ("point", "A point (3.50)"),
                    ("comma", "A comma (3,50)"),
                ],
                default="auto",
                max_length=5,
            ),
        ),
    ]
