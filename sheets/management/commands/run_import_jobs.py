"""A worker for import jobs: `manage.py run_import_jobs` runs uploaded and
confirmed jobs as they come (GRIDROOM_IMPORT_RUNNER=worker), `--once` runs
what is waiting and exits."""

import time

from django.core.management.base import BaseCommand

from sheets.io import jobs
from sheets.models import ImportJob


class Command(BaseCommand):
    help = "Run waiting import jobs (analysis and imports)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is waiting, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks")

    def handle(self, *args, once: bool = False, interval: float = 1.0, **options):
        while True:
            waiting = list(
                ImportJob.objects.filter(
                    status__in=[ImportJob.Status.UPLOADED, ImportJob.Status.QUEUED]
                )
                .order_by("updated_at")
                .values_list("id", flat=True)
            )
            for job_id in waiting:
                jobs.run_job(job_id)  # claims the job first: workers may run side by side
            if once:
                return
            if not waiting:
                time.sleep(interval)
