import django.db.models.deletion
from django.db import migrations, models

# Rows are written far more than they are added: every cell edit, and a formula
# changed on a big sheet rewrites every row (bench/README.md, "Formula columns").
#
# The (sheet, order, id) index serves every lookup of a sheet's rows; this one only
# cost a write per row written. Dropped by name (the same on SQLite and
# PostgreSQL): Django's own AlterField would copy the rows table on SQLite and
# check the foreign key of every row again on PostgreSQL.
INDEX = "sheets_row_sheet_id_7ea155d2"
# PostgreSQL: pages filled to 70 %, so that a row's new version fits in its own
# page and the update touches no index (a "HOT" update). Pages written from
# now on; docs/operations.md says how to repack older ones.
FILLFACTOR = 70


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE sheets_row SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE sheets_row RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("sheets", "0008_row_count_and_window_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="row",
                    name="sheet",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rows",
                        to="sheets.sheet",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "sheets_row" ("sheet_id")',
                ),
            ],
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]
