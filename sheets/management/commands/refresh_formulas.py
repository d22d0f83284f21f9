from django.core.management.base import BaseCommand, CommandError

from sheets.services import refresh_volatile_formulas


class Command(BaseCommand):
    help = (
        "Compute again the formulas that read TODAY() or NOW(), one op per sheet, for the "
        "sheets not refreshed for today's date. The clock process (manage.py run_clock, or "
        "the embedded server's clock) does it after midnight and when it starts; running it "
        "twice a day changes nothing."
    )

    def handle(self, *args, **options) -> None:
        result = refresh_volatile_formulas()
        self.stdout.write(
            f"{result['refreshed']} of {result['sheets']} sheets with date formulas refreshed"
        )
        if result["failed"]:
            raise CommandError(f"{result['failed']} sheets could not be refreshed (see the log)")
