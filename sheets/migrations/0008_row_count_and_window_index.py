from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_rows(apps, schema_editor):
    """Each existing sheet's row count, counted once here; ops keep it after."""
    Sheet = apps.get_model("sheets", "Sheet")
    Row = apps.get_model("sheets", "Row")
    counted = (
        Row.objects.filter(sheet=OuterRef("pk"))
        .order_by()
        .values("sheet")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Sheet.objects.update(row_count=Coalesce(Subquery(counted), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("sheets", "0007_formula_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="sheet",
            name="row_count",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(count_rows, migrations.RunPython.noop),
        # The new index first: rows are never without one in between.
        migrations.AddIndex(
            model_name="row",
            index=models.Index(fields=["sheet", "order", "id"], name="row_sheet_order_id"),
        ),
        migrations.RemoveIndex(
            model_name="row",
            name="sheets_row_sheet_i_7f6cdf_idx",
        ),
    ]
