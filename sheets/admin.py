"""Operators look here; writes still go through services (delete only).

Sheets, rows, the change log and import jobs can be exported (django-import-
export's ExportMixin, CSV/XLSX/…); none can be imported here: an import must
go through `sheets.io.writer.sheet_import` (one op, validated, broadcast), which the
library's admin import would bypass. Every exported text is formula-escaped.
"""

import json

from django.contrib import admin, messages
from import_export import fields, resources
from import_export.admin import ExportMixin

from sheets import selectors, services
from sheets.io import export
from sheets.io.resources import escape_formula
from sheets.models import Change, ImportJob, Row, Sheet


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ExportAdmin(ExportMixin, ReadOnlyAdmin):
    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)


class EscapedResource(resources.ModelResource):
    """The library only strips one `=`: text that a spreadsheet app would run
    as a formula gets our `'` escape instead, on every admin export."""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return escape_formula(value) if isinstance(value, str) else value


class SheetInfoResource(EscapedResource):
    owner = fields.Field(attribute="owner__username", column_name="owner")
    rows = fields.Field(column_name="rows")

    class Meta:
        model = Sheet
        fields = ("id", "title", "owner", "version", "rows", "created_at", "updated_at")

    def dehydrate_rows(self, sheet: Sheet) -> int:
        return sheet.row_count


class RowResource(EscapedResource):
    values = fields.Field(column_name="values")

    class Meta:
        model = Row
        fields = ("id", "sheet", "order", "values")

    def dehydrate_values(self, row: Row) -> str:
        return json.dumps(row.values, ensure_ascii=False)


class ChangeResource(EscapedResource):
    user = fields.Field(attribute="user__username", column_name="user")
    type = fields.Field(column_name="type")
    summary = fields.Field(column_name="summary")

    class Meta:
        model = Change
        fields = ("sheet", "seq", "user", "client_id", "op_id", "type", "summary", "created_at")

    def dehydrate_type(self, change: Change) -> str:
        return (change.payload or {}).get("type", "")

    def dehydrate_summary(self, change: Change) -> str:
        return selectors.change_summary(change.payload) if change.payload else ""


@admin.register(Sheet)
class SheetAdmin(ExportAdmin):
    resource_classes = [SheetInfoResource]
    list_display = ("id", "title", "owner", "version", "updated_at")
    search_fields = ("title", "owner__username")
    actions = ["download_csv", "delete_selected"]

    def delete_model(self, request, obj: Sheet) -> None:
        services.sheet_delete(sheet=obj, user=obj.owner)

    def delete_queryset(self, request, queryset) -> None:
        for sheet in queryset:
            services.sheet_delete(sheet=sheet, user=sheet.owner)

    @admin.action(description="Download the selected sheet's rows as CSV")
    def download_csv(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one sheet.", messages.WARNING)
            return None
        sheet = queryset.get()
        return export.download(
            request,
            lambda: export.csv_chunks(sheet),
            content_type=export.CSV_TYPE,
            name=export.filename(sheet, "csv"),
            sheet_id=sheet.id,
        )


@admin.register(Row)
class RowAdmin(ExportAdmin):
    resource_classes = [RowResource]
    list_display = ("id", "sheet", "order")
    list_filter = ("sheet",)
    list_select_related = ("sheet",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Change)
class ChangeAdmin(ExportAdmin):
    resource_classes = [ChangeResource]
    list_display = ("sheet", "seq", "user", "client_id", "op_id", "created_at")
    list_filter = ("sheet",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "filename", "user", "sheet", "status", "progress", "total", "created_at")
    list_filter = ("status",)
    search_fields = ("filename", "user__username")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # jobs and their files are swept by sheets/io/jobs.py
