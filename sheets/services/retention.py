"""Change-log retention: old payloads are dropped, op records are kept longer.

Catch-up needs payloads; idempotent retries need only the op records (op_id,
answer). So payloads go first (older than CHANGE_LOG_KEEP_DAYS and beyond the
newest CHANGE_LOG_KEEP_COUNT of the sheet), and whole records only after
OP_RECORD_KEEP_DAYS. Each sheet remembers how far each went (`log_floor`,
`op_floor`), so catch-up from before the first answers "reload" and an op
based on a version before the second is refused rather than applied twice.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sheets.models import Change, Sheet


def change_log_prune(*, now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    payload_cutoff = now - datetime.timedelta(days=settings.CHANGE_LOG_KEEP_DAYS)
    record_cutoff = now - datetime.timedelta(days=settings.OP_RECORD_KEEP_DAYS)
    pruned = deleted = 0
    for sheet_id in Sheet.objects.values_list("id", flat=True).iterator():
        with transaction.atomic():
            sheet = Sheet.objects.select_for_update().filter(pk=sheet_id).first()
            if sheet is None:
                continue
            old = Change.objects.filter(
                sheet=sheet,
                created_at__lt=payload_cutoff,
                seq__lte=sheet.version - settings.CHANGE_LOG_KEEP_COUNT,
                payload__isnull=False,
            )
            floor = old.aggregate(Max("seq"))["seq__max"]
            if floor is not None:
                # Too old to undo as well: what it changed may be long gone.
                pruned += old.update(payload=None, undo=None)
                sheet.log_floor = max(sheet.log_floor, floor)
            gone = Change.objects.filter(sheet=sheet, created_at__lt=record_cutoff)
            floor = gone.aggregate(Max("seq"))["seq__max"]
            if floor is not None:
                deleted += gone.delete()[0]
                sheet.op_floor = max(sheet.op_floor, floor)
                sheet.log_floor = max(sheet.log_floor, floor)
            sheet.save(update_fields=["log_floor", "op_floor"])
    return {"payloads_pruned": pruned, "records_deleted": deleted}
