from django.core.management.base import BaseCommand

from sheets.services import refresh_volatile_formulas


class Command(BaseCommand):
    help = (
        "Compute again the formulas that read TODAY() or NOW(), one op per sheet, for the "
        "sheets not refreshed since midnight. Run it daily just after midnight (the clock "
        "process, cron or a supervisor program); running it twice a day changes nothing."
    )

    def handle(self, *args, **options) -> None:
        result = refresh_volatile_formulas()
        self.stdout.write(
            f"{result['refreshed']} of {result['sheets']} sheets with date formulas refreshed"
        )
