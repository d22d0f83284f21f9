import asyncio

from django.core.management.base import BaseCommand

from sheets import clock


class Command(BaseCommand):
    help = "Send the server time to every open tab, every GRIDROOM_CLOCK_INTERVAL_MS."

    def handle(self, *args, **options) -> None:
        self.stdout.write("clock running")
        try:
            asyncio.run(clock.run_forever())
        except KeyboardInterrupt:
            pass
