"""Every user has a profile: make the missing ones (users created before
profiles were made with every user, e.g. by createsuperuser)."""

from django.conf import settings
from django.db import migrations

# The palette of accounts/services.py when this migration was written.
PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d"]


def make_missing_profiles(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Profile = apps.get_model("accounts", "Profile")
    missing = User.objects.filter(profile__isnull=True)
    Profile.objects.bulk_create(
        Profile(
            user=user,
            display_name=user.username[:50],
            colour=PALETTE[user.pk % len(PALETTE)],
        )
        for user in missing.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(make_missing_profiles, migrations.RunPython.noop)]
