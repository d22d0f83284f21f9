"""Every `=formula` → result example in docs/formulas.md gives what the page says."""

import re
from pathlib import Path

import pytest

from sheets.formulas import ErrorValue
from sheets.formulas.values import to_text
from sheets.tests.formula_helpers import calc

DOC = Path(__file__).resolve().parents[2] / "docs" / "formulas.md"
EXAMPLES = re.findall(r"`(=[^`]+)` → (`[^`]*`|[^|,\n]+)", DOC.read_text())


def test_the_page_has_examples():
    assert len(EXAMPLES) > 50


@pytest.mark.parametrize(("text", "shown"), EXAMPLES)
def test_documented_example(text, shown):
    result = calc(text)
    written = result.code if isinstance(result, ErrorValue) else to_text(result)
    assert written == shown.strip().strip("`")
