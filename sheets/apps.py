from django.apps import AppConfig


class SheetsConfig(AppConfig):
    name = "sheets"

    def ready(self) -> None:
        # Each op module registers its events and reverters when imported
        # (sheets/op_registry.py): the registry is complete before any request.
        from sheets import services  # noqa: F401
