from django.urls import path

from sheets import api, views, views_sharing
from sheets.io import views as io_views

urlpatterns = [
    path("sheets/", views.sheet_list, name="sheet_list"),
    path("sheets/new/", views.sheet_create, name="sheet_create"),
    path("sheets/<int:sheet_id>/", views.sheet_detail, name="sheet_detail"),
    path("sheets/<int:sheet_id>/rename/", views.sheet_rename, name="sheet_rename"),
    path("sheets/<int:sheet_id>/delete/", views.sheet_delete, name="sheet_delete"),
    path("sheets/<int:sheet_id>/share/", views_sharing.sheet_share, name="sheet_share"),
    path(
        "sheets/<int:sheet_id>/share/<int:user_id>/remove/",
        views_sharing.share_remove,
        name="share_remove",
    ),
    path("sheets/<int:sheet_id>/transfer/", views_sharing.sheet_transfer, name="sheet_transfer"),
    path("sheets/<int:sheet_id>/history/", views_sharing.sheet_history, name="sheet_history"),
    path("api/initial_state", api.initial_state, name="api_initial_state"),
    path("api/sheets/<int:sheet_id>/", api.sheet_snapshot, name="api_sheet_snapshot"),
    path("api/sheets/<int:sheet_id>/changes", api.sheet_changes, name="api_sheet_changes"),
    path("api/sheets/<int:sheet_id>/values", api.column_values, name="api_column_values"),
    path(
        "api/sheets/<int:sheet_id>/formula/check",
        api.formula_check,
        name="api_formula_check",
    ),
    path("api/sheets/<int:sheet_id>/rows", api.sheet_rows, name="api_sheet_rows"),
    path("api/sheets/<int:sheet_id>/find", api.sheet_find, name="api_sheet_find"),
]
# Import and export (docs/import-export.md).
urlpatterns += [
    path("sheets/import/", io_views.import_new, name="import_new"),
    path("sheets/<int:sheet_id>/import/", io_views.import_into, name="sheet_import"),
    path("imports/<uuid:job_id>/", io_views.import_job, name="import_job"),
    path("imports/<uuid:job_id>/confirm/", io_views.import_confirm, name="import_confirm"),
    path("imports/<uuid:job_id>/reread/", io_views.import_reread, name="import_reread"),
    path("imports/<uuid:job_id>/skipped.csv", io_views.import_skipped, name="import_skipped"),
    path(
        "sheets/<int:sheet_id>/export.csv",
        io_views.sheet_export,
        {"fmt": "csv"},
        name="sheet_export_csv",
    ),
    path(
        "sheets/<int:sheet_id>/export.xlsx",
        io_views.sheet_export,
        {"fmt": "xlsx"},
        name="sheet_export_xlsx",
    ),
]
urlpatterns += [
    path(f"api/sheets/<int:sheet_id>/{op}", api.sheet_op, {"op": op}, name=f"api_sheet_{op}")
    for op in api.OPS
]
