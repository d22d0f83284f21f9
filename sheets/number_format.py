"""How a number column shows its numbers: decimals, thousands separator,
percent or a currency. One definition, read by the column update op (what it
accepts), the sheet page (the currencies it offers) and the XLSX export (the
cell format it writes). The stored value never changes; null is "as typed".

The browser formats with Intl.NumberFormat (frontend/src/numberformat.js);
the tables below follow what Intl (CLDR) does in en-US, so a workbook shows
what the grid shows.
"""

from typing import Any

# Circulating ISO 4217 currencies (funds, metals and test codes left out).
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
    BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF
    IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
    LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF
    XPF YER ZAR ZMW ZWG
    """.split()
)
STYLES = ("plain", "percent", "currency")
KEYS = frozenset({"decimals", "thousands", "style", "currency"})
MAX_DECIMALS = 10
# Intl's (CLDR's) decimals of a currency when none are chosen; every other has 2.
_CURRENCY_DECIMALS = {
    **dict.fromkeys(
        "AFN ALL BIF CLP COP DJF GNF HUF IDR IQD IRR ISK JPY KMF KPW KRW LAK LBP MGA MMK "
        "PKR PYG RWF SOS SYP UGX VND VUV XAF XOF XPF YER".split(),
        0,
    ),
    **dict.fromkeys("BHD JOD KWD LYD OMR TND".split(), 3),
}
# The symbols Intl writes in en-US; any other currency is written as its code.
_SYMBOLS = {
    "AUD": "A$", "BRL": "R$", "CAD": "CA$", "CNY": "CN¥", "EUR": "€", "GBP": "£",
    "HKD": "HK$", "ILS": "₪", "INR": "₹", "JPY": "¥", "KRW": "₩", "MXN": "MX$",
    "NZD": "NZ$", "PHP": "₱", "TWD": "NT$", "USD": "$", "VND": "₫",
}  # fmt: skip


class InvalidNumberFormat(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean(raw: Any) -> dict | None:
    """The stored number format of `raw`: an object with any of `decimals`
    (0-10 or null: as many as the value has), `thousands` (bool), `style`
    (plain, percent, currency) and `currency` (an ISO 4217 code, with the
    currency style only). Null, or an object that asks for nothing, is null."""
    if raw is None:
        return None
    if raw.__class__ is not dict:
        raise InvalidNumberFormat("A number format is null or an object.")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise InvalidNumberFormat(
            f"A number format has only {', '.join(sorted(KEYS))}; not {', '.join(unknown)}."
        )
    decimals = raw.get("decimals")
    if decimals is not None and (
        decimals.__class__ is not int or not 0 <= decimals <= MAX_DECIMALS
    ):
        raise InvalidNumberFormat(f"decimals is null or a whole number from 0 to {MAX_DECIMALS}.")
    thousands = raw.get("thousands", False)
    if thousands.__class__ is not bool:
        raise InvalidNumberFormat("thousands is true or false.")
    style = raw.get("style", "plain")
    if style not in STYLES or style.__class__ is not str:
        raise InvalidNumberFormat(f"style is one of: {', '.join(STYLES)}.")
    currency = raw.get("currency")
    if style == "currency":
        if currency.__class__ is not str or currency not in CURRENCIES:
            raise InvalidNumberFormat(
                "currency is an ISO 4217 currency code in capitals, such as USD or EUR."
            )
    elif currency is not None:
        raise InvalidNumberFormat('currency goes with style "currency" only.')
    if (decimals, thousands, style) == (None, False, "plain"):
        return None
    return {"decimals": decimals, "thousands": thousands, "style": style, "currency": currency}


def applies_to(column_type: str, result_type: str | None) -> bool:
    """Whether a column's values are numbers a format can show."""
    return column_type == "number" or (column_type == "formula" and result_type == "number")


def excel_format(fmt: dict, value: float) -> str:
    """The XLSX number format showing `value` as the grid does. Without
    chosen decimals the grid shows as many as the value has (up to 10): a
    whole number gets none, so no lone decimal point is left in the app."""
    decimals = fmt["decimals"]
    if fmt["style"] == "currency":
        if decimals is None:
            decimals = _CURRENCY_DECIMALS.get(fmt["currency"], 2)
    elif decimals is None:
        shown = value * 100 if fmt["style"] == "percent" else value
        decimals = 0 if float(shown).is_integer() else -MAX_DECIMALS
    digits = "#,##0" if fmt["thousands"] else "0"
    if decimals > 0:
        digits += "." + "0" * decimals
    elif decimals < 0:
        digits += "." + "#" * -decimals  # optional digits: only those the value has
    if fmt["style"] == "percent":
        return digits + "%"
    if fmt["style"] == "currency":
        symbol = _SYMBOLS.get(fmt["currency"])
        label = symbol if symbol else fmt["currency"] + " "
        return f'"{label}"{digits}'
    return digits
