import uuid

from django.conf import settings
from django.db import models


class Sheet(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    # Bumped by every committed op; the seq of the op's event and change-log entry.
    version = models.BigIntegerField(default=0)
    # Change-log retention: payloads up to log_floor were pruned (catch-up from
    # before it means "reload the snapshot"); op records up to op_floor were
    # deleted (an op based on a version before it is refused, not re-applied).
    log_floor = models.BigIntegerField(default=0)
    op_floor = models.BigIntegerField(default=0)
    # How many rows the sheet has, kept by the op runner from each committed
    # event (op_registry.row_count_after), so opening a sheet counts nothing.
    row_count = models.BigIntegerField(default=0)
    # The first N columns stay in place while the grid scrolls sideways, for everyone.
    frozen_columns = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The token of the "Create sheet" form that made it: the same form sent twice
    # (a double click, a resubmitted page) opens this sheet instead of a second one.
    create_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "create_token"], name="sheet_create_token_once_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ColumnType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHECKBOX = "checkbox", "Checkbox"


# A formula column (docs/formulas.md) computes its cells; it is no value type:
# a file's column, a conversion target or a cell value is never "formula".
FORMULA = "formula"
COLUMN_TYPES = [*ColumnType.values, FORMULA]


class Column(models.Model):
    # Made by the tab that creates the column, so it can be used before the server answers.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="columns")
    position = models.FloatField()
    name = models.CharField(max_length=100)
    type = models.CharField(
        max_length=10, choices=[*ColumnType.choices, (FORMULA, "Formula")], default=ColumnType.TEXT
    )
    # A formula column's formula in its stored form (references by column id,
    # sheets.formulas.Formula.stored) and the type its results have.
    formula = models.TextField(blank=True, default="")
    result_type = models.CharField(max_length=10, blank=True, default="")
    # The footer total chosen for everyone ("" none; sheets/services/totals.py),
    # and the running aggregates that keep it without reading every row.
    summary = models.CharField(max_length=20, blank=True, default="")
    aggregates = models.JSONField(null=True, blank=True)
    # Its width in the grid for everyone, in pixels (null: the grid's default;
    # bounds in sheets/services/column_update.py).
    width = models.PositiveSmallIntegerField(null=True, blank=True)
    # How its numbers are shown, for everyone (null: as stored; the shape is
    # sheets/number_format.py's). The values themselves never change.
    number_format = models.JSONField(null=True, blank=True)
    # Long text wraps and its row grows to fit, for everyone (only the rows a
    # tab draws are measured: off, every row keeps the grid's fixed height).
    wrap = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["sheet", "position"])]

    def __str__(self) -> str:
        return self.name


class Row(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    # No index of its own: the (sheet, order, id) index below serves every lookup
    # by sheet, and each index is one more write per row written.
    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="rows", db_index=False)
    # Fractional order key: an insert writes one row, never every row below it.
    order = models.FloatField()
    # {column id (str): value}; an empty cell is absent.
    values = models.JSONField(default=dict)

    class Meta:
        ordering = ["order"]
        # Rows in order, the id breaking ties: the keyset the row windows read
        # (sheets/windows.py) walks this index from any row, in either direction.
        indexes = [models.Index(fields=["sheet", "order", "id"], name="row_sheet_order_id")]

    def __str__(self) -> str:
        return str(self.id)


class Change(models.Model):
    """One committed op: the change log that catch-up and idempotent retries read."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="changes")
    seq = models.BigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_id = models.CharField(max_length=64, blank=True)
    op_id = models.UUIDField(null=True)
    # The event as broadcast (docs/protocol.md), replayed by catch-up; None once pruned.
    payload = models.JSONField(null=True)
    # The HTTP answer, returned again when the same op_id is retried.
    response = models.JSONField(default=dict)
    # Per-user undo (services/undo.py): an ordinary change ("do"), the undo of
    # one, or the redo of an undo; `undo_of` is the change this one reverted. A
    # revert from the history panel is "do" with `undo_of` (the reverting
    # user's new change, which their undo takes back; its event says "revert").
    kind = models.CharField(max_length=4, default="do")
    undo_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How to revert this change (None: it cannot be, e.g. an import or a pruned entry).
    undo = models.JSONField(null=True, blank=True)
    # Reverted already, or its revert was refused: off the user's undo/redo stack.
    reverted = models.BooleanField(default=False)
    # The op_id of an undo/redo refused on this change, so its retry gets the same answer.
    refused_op = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "seq"], name="change_unique_seq"),
            models.UniqueConstraint(fields=["sheet", "op_id"], name="change_unique_op"),
        ]
        indexes = [models.Index(fields=["sheet", "user", "seq"], name="change_user_seq")]

    def __str__(self) -> str:
        return f"{self.sheet_id}#{self.seq}"


class Role(models.TextChoices):
    """A user's role on a sheet. The owner is the sheet's `owner`; a share
    (SheetShare) makes a viewer or an editor."""

    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# The roles a share can give, in the order the share form offers them.
SHARE_ROLES = [(Role.VIEWER.value, Role.VIEWER.label), (Role.EDITOR.value, Role.EDITOR.label)]


def can_edit(role: str | None) -> bool:
    """The one rule of who may change a sheet's contents: its owner and its editors."""
    return role in (Role.OWNER, Role.EDITOR)


def can_manage(role: str | None) -> bool:
    """Share, change roles, transfer, delete: the owner only."""
    return role == Role.OWNER


def role_label(role: str | None) -> str:
    """What the sheet page's badge says about the user's role."""
    if not can_edit(role):
        return "View only"
    return Role(role).label


class SheetShare(models.Model):
    """Another user's access to a sheet. The owner is not listed here."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=SHARE_ROLES, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "user"], name="share_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} on {self.sheet_id}"


class ImportJob(models.Model):
    """One uploaded file on its way into a sheet (docs/import-export.md):
    analysed into a preview, confirmed once, imported outside the request."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        ANALYSING = "analysing", "Reading the file"
        READY = "ready", "Ready to import"
        REFUSED = "refused", "Refused"
        QUEUED = "queued", "Waiting to import"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    # Also the op_id of the import: a job is applied to its sheet at most once.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The sheet imported into; None until done for an import into a new sheet.
    sheet = models.ForeignKey(
        Sheet, null=True, blank=True, on_delete=models.CASCADE, related_name="import_jobs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    filename = models.CharField(max_length=200)
    # The upload, kept until the job ends (settings.IMPORT_DIR).
    file_path = models.CharField(max_length=500, blank=True)
    # {"delimiter": "" (sniff) or one of , ; tab |, "mode": append/replace/new}
    options = models.JSONField(default=dict)
    # What analysis found (sheets/io/preview.py `analyse`): shown, then followed by the import.
    preview = models.JSONField(default=dict)
    progress = models.IntegerField(default=0)
    total = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class SavedView(models.Model):
    """A named way to look at a sheet (sort, filters, hidden columns, column
    order) that everyone who can read the sheet may choose
    (services/saved_views.py). `spec` names columns by id; one deleted since
    is left out when the view is shown (saved_views.view_info), so undoing
    the delete brings it back into the view."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=100)
    spec = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "name"], name="saved_view_name_once_per_sheet")
        ]

    def __str__(self) -> str:
        return self.name
