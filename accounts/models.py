from django.conf import settings
from django.db import models


class DateOrder(models.TextChoices):
    """How the user writes dates in a cell (frontend/src/typedinput.js reads them)."""

    AUTO = "auto", "As my browser's language writes them"
    DMY = "DMY", "Day first (15/03/2027)"
    MDY = "MDY", "Month first (03/15/2027)"
    YMD = "YMD", "Year first (2027-03-15)"


class DecimalMark(models.TextChoices):
    """How the user writes the decimal mark of a number in a cell."""

    AUTO = "auto", "As my browser's language writes it"
    POINT = "point", "A point (3.50)"
    COMMA = "comma", "A comma (3,50)"


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=50)
    colour = models.CharField(max_length=7, default="#3b82f6")
    time_zone = models.CharField(max_length=64, default="UTC")
    date_order = models.CharField(max_length=4, choices=DateOrder.choices, default=DateOrder.AUTO)
    decimal_mark = models.CharField(
        max_length=5, choices=DecimalMark.choices, default=DecimalMark.AUTO
    )

    def __str__(self) -> str:
        return self.display_name
