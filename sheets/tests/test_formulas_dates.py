"""Date functions and date arithmetic: ordinary, blank, wrong-type and error
arguments, as a spreadsheet answers (a blank date is the spreadsheet's day 0).

The sample row (formula_helpers): [Due] 2024-03-15 (a Friday),
[Start] 2024-01-31, [Empty] blank, [Note] "abc", [Oops] #DIV/0!;
today is 2024-03-20 and now 14:30 that day."""

import datetime

import pytest

from sheets.tests.formula_helpers import check

D = datetime.date

CASES = [
    ("=TODAY()", D(2024, 3, 20)),
    ("=TODAY() + 1", D(2024, 3, 21)),
    ("=TODAY() - [Due]", 5),
    ("=NOW()", datetime.datetime(2024, 3, 20, 14, 30)),
    ("=NOW() + 1", datetime.datetime(2024, 3, 21, 14, 30)),
    ("=NOW() - TODAY()", 14.5 / 24),
    ("=[Due] + 1.9", D(2024, 3, 16)),
    ("=[Due] * 2", 90732),  # a date in other arithmetic is its serial number
    # DATE
    ("=DATE(2024, 3, 15)", D(2024, 3, 15)),
    ("=DATE(2024, 13, 1)", D(2025, 1, 1)),
    ("=DATE(2024, 1, 0)", D(2023, 12, 31)),
    ("=DATE(2024, 2, 30)", D(2024, 3, 1)),
    ("=DATE(2024, 0, 1)", D(2023, 12, 1)),
    ("=DATE(24, 1, 1)", D(1924, 1, 1)),
    ('=DATE("2024", 1, 1)', D(2024, 1, 1)),
    ("=DATE([Empty], 1, 1)", D(1900, 1, 1)),
    ("=DATE(-1, 1, 1)", "#NUM!"),
    ("=DATE(10000, 1, 1)", "#NUM!"),
    ('=DATE("x", 1, 1)', "#VALUE!"),
    ("=DATE([Oops], 1, 1)", "#DIV/0!"),
    # YEAR, MONTH, DAY
    ("=YEAR([Due])", 2024),
    ('=YEAR("2024-03-15")', 2024),
    ("=YEAR(45366)", 2024),
    ("=YEAR([Empty])", 1900),
    ('=YEAR("abc")', "#VALUE!"),
    ("=YEAR(-1)", "#NUM!"),
    ("=YEAR([Oops])", "#DIV/0!"),
    ("=MONTH([Due])", 3),
    ("=MONTH([Empty])", 1),
    ("=MONTH([Note])", "#VALUE!"),
    ("=MONTH([Oops])", "#DIV/0!"),
    ("=DAY([Due])", 15),
    ("=DAY([Empty])", 0),
    ("=DAY([Note])", "#VALUE!"),
    ("=DAY([Oops])", "#DIV/0!"),
    # WEEKDAY
    ("=WEEKDAY([Due])", 6),
    ("=WEEKDAY([Due], 2)", 5),
    ("=WEEKDAY([Due], 3)", 4),
    ("=WEEKDAY([Due], 11)", 5),
    ("=WEEKDAY([Due], 17)", 6),
    ("=WEEKDAY([Empty])", 7),
    ("=WEEKDAY([Due], 4)", "#NUM!"),
    ('=WEEKDAY("abc")', "#VALUE!"),
    ("=WEEKDAY([Oops])", "#DIV/0!"),
    # EDATE, EOMONTH
    ('=EDATE("2024-01-31", 1)', D(2024, 2, 29)),
    ("=EDATE([Due], -3)", D(2023, 12, 15)),
    ("=EDATE([Due], [Empty])", D(2024, 3, 15)),
    ('=EDATE([Due], "x")', "#VALUE!"),
    ("=EDATE([Note], 1)", "#VALUE!"),
    ("=EDATE([Oops], 1)", "#DIV/0!"),
    ("=EOMONTH([Due], 0)", D(2024, 3, 31)),
    ("=EOMONTH([Due], -1)", D(2024, 2, 29)),
    ("=EOMONTH([Start], 1)", D(2024, 2, 29)),
    ('=EOMONTH("x", 0)', "#VALUE!"),
    ("=EOMONTH([Oops], 0)", "#DIV/0!"),
    # DAYS
    ("=DAYS([Due], [Start])", 44),
    ('=DAYS("2024-01-01", "2024-01-31")', -30),
    ("=DAYS([Due], [Empty])", 45366),
    ('=DAYS("x", [Due])', "#VALUE!"),
    ("=DAYS([Oops], [Due])", "#DIV/0!"),
    # DATEDIF
    ('=DATEDIF([Start], [Due], "D")', 44),
    ('=DATEDIF([Start], [Due], "M")', 1),
    ('=DATEDIF([Start], [Due], "Y")', 0),
    ('=DATEDIF("2020-05-10", [Due], "Y")', 3),
    ('=DATEDIF("2020-05-10", [Due], "ym")', 10),
    ('=DATEDIF("2020-05-10", [Due], "MD")', 5),
    ('=DATEDIF("2023-05-10", [Due], "YD")', 310),
    ('=DATEDIF([Due], [Start], "D")', "#NUM!"),
    ('=DATEDIF([Start], [Due], "W")', "#NUM!"),
    ('=DATEDIF([Note], [Due], "D")', "#VALUE!"),
    ('=DATEDIF([Oops], [Due], "D")', "#DIV/0!"),
    # NETWORKDAYS (holidays: one date)
    ("=NETWORKDAYS(DATE(2024, 1, 1), DATE(2024, 1, 31))", 23),
    ("=NETWORKDAYS([Due], [Due])", 1),
    ('=NETWORKDAYS("2024-03-16", "2024-03-17")', 0),
    ("=NETWORKDAYS([Due], DATE(2024, 3, 11))", -5),
    ("=NETWORKDAYS(DATE(2024, 1, 1), DATE(2024, 1, 31), DATE(2024, 1, 1))", 22),
    ("=NETWORKDAYS(DATE(2024, 1, 1), DATE(2024, 1, 31), [Empty])", 23),
    ('=NETWORKDAYS("x", [Due])', "#VALUE!"),
    ("=NETWORKDAYS([Oops], [Due])", "#DIV/0!"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_date_functions(text, expected):
    check(text, expected)
