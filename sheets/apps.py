from django.apps import AppConfig
from django.db.models.signals import post_delete


class SheetsConfig(AppConfig):
    name = "sheets"

    def ready(self) -> None:
        # Each op module registers its events and reverters when imported
        # (sheets/op_registry.py): the registry is complete before any request.
        from sheets import services, viewindex  # noqa: F401
        from sheets.models import Sheet

        # However a sheet goes (its delete op, its owner's account, the admin).
        post_delete.connect(
            viewindex.sheet_deleted, sender=Sheet, dispatch_uid="gridroom_view_indexes"
        )
