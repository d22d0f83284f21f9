from django.core.management.base import BaseCommand

from sheets.services import change_log_prune


class Command(BaseCommand):
    help = (
        "Prune the change log: payloads older than GRIDROOM_CHANGE_LOG_KEEP_DAYS (beyond the "
        "newest GRIDROOM_CHANGE_LOG_KEEP_COUNT per sheet), op records older than "
        "GRIDROOM_OP_RECORD_KEEP_DAYS. Run it daily (cron or a supervisor program)."
    )

    def handle(self, *args, **options) -> None:
        result = change_log_prune()
        self.stdout.write(
            f"{result['payloads_pruned']} payloads pruned, "
            f"{result['records_deleted']} op records deleted"
        )
