"""Import and export through the pages: preview, confirm, the rows reaching
another tab of the sheet without a reload, the download matching the source,
a hostile file refused, a large import's progress, and a file with problems
imported anyway (bad rows skipped and downloaded, a new column added)."""

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.pages import SheetPage, create_sheet

# Every column of a new sheet (A–E, text), a quoted newline, and a value our
# export escapes: written the way the export writes, so the download must match.
SOURCE = (
    b"A,B,C,D,E\r\n"
    b"Rent,900,'=1+2,,\r\n"
    b'"Food\nand drink",12.5,x,,last\r\n'
    b"Heating,'-3,,,\r\n"  # a text column: "-3" is text, escaped like a formula
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def open_import_page(page: Page, sheet_id: int) -> None:
    page.goto(f"/sheets/{sheet_id}/")
    page.get_by_role("link", name="Import…").click()
    expect(page.get_by_role("heading", name=re.compile("Import into"))).to_be_visible()


def preview(page: Page, path: Path) -> None:
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()


def test_import_preview_confirm_reaches_other_tab_and_export_matches(new_user, tmp_path):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Imported")
    other = SheetPage(ann.new_page(), sheet_id).open()
    other.page.evaluate("() => { window.__notReloaded = true; }")

    page = ann.new_page()
    open_import_page(page, sheet_id)
    source = tmp_path / "budget.csv"
    source.write_bytes(SOURCE)
    preview(page, source)

    # The preview: what was found, the first rows as they will land, nothing written yet.
    job = page.get_by_role("region", name="Import of budget.csv")
    expect(job.get_by_text("comma (detected)")).to_be_visible()
    rows = job.get_by_role("table", name="First rows")
    expect(rows.get_by_role("cell", name="=1+2", exact=True)).to_be_visible()
    expect(rows.get_by_role("cell", name="Heating")).to_be_visible()
    other.expect_cell(0, 0, "")

    job.get_by_label("Replace all rows").check()
    job.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status").filter(has_text="Imported 3 rows")).to_be_visible()

    # The other tab shows the new rows without a reload.
    other.expect_rows(3)
    other.expect_cell(0, 0, "Rent")
    other.expect_cell(0, 2, "=1+2")
    other.expect_cell(1, 0, "Food\nand drink")
    other.expect_cell(1, 4, "last")
    other.expect_cell(2, 1, "-3")
    assert other.page.evaluate("() => window.__notReloaded === true")

    # The download is the source again (plus the BOM that tells spreadsheet apps it is UTF-8).
    with other.page.expect_download() as download:
        other.page.get_by_role("link", name="Export CSV").click()
    data = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == "imported.csv"
    assert data == b"\xef\xbb\xbf" + SOURCE

    with other.page.expect_download() as download:
        other.page.get_by_role("link", name="Export XLSX").click()
    assert download.value.suggested_filename == "imported.xlsx"
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"


def test_a_hostile_file_is_refused_in_the_page(new_user, tmp_path):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Safe")
    tab = SheetPage(ann.new_page(), sheet_id).open()
    tab.type_cell(0, 0, "kept")
    page = ann.new_page()
    open_import_page(page, sheet_id)
    fake = tmp_path / "photo.csv"
    fake.write_bytes(PNG)
    preview(page, fake)
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("This is a PNG image, not a CSV file.")
    expect(page.get_by_text("Nothing was changed.")).to_be_visible()
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    # Nothing changed: the sheet still has what it had.
    tab.reload()
    tab.expect_cell(0, 0, "kept")
    tab.expect_rows(20)


def test_a_large_import_shows_progress_and_lands_as_a_new_sheet(new_user, tmp_path):
    ann = new_user("ann")
    page = ann.new_page()
    page.goto("/sheets/")
    big = tmp_path / "Big list.csv"
    # Large enough that the import itself takes seconds: a progress poll lands mid-way.
    big.write_text("n,label,when\n" + "".join(f"{i},row {i},2027-01-01\n" for i in range(250_000)))
    # Every value the import's progress bar shows, as the polls replace the panel.
    page.evaluate(
        """() => {
            window.__progress = [];
            const panel = document.getElementById('import-panel');
            new MutationObserver(() => {
                const bar = panel.querySelector('progress[aria-label="Import progress"]');
                if (bar) window.__progress.push(Number(bar.value));
            }).observe(panel, {subtree: true, childList: true});
        }"""
    )
    preview(page, big)
    panel = page.locator("#import-panel")
    expect(panel.get_by_role("table", name="Columns")).to_be_visible(timeout=60_000)
    expect(panel.get_by_text("250000", exact=True)).to_be_visible()
    panel.get_by_role("button", name="Import").click()
    expect(panel.get_by_role("status").filter(has_text="Imported 250000 rows")).to_be_visible(
        timeout=120_000
    )
    seen = page.evaluate("() => window.__progress")
    assert any(0 < v < 100 for v in seen), f"no progress bar was shown mid-way: {seen}"
    assert seen == sorted(seen), f"the progress went back: {seen}"
    # The page stayed usable meanwhile, and the list now shows the new sheet.
    sheets = page.get_by_role("region", name="Sheets")
    expect(sheets.get_by_role("link", name="Big list", exact=True)).to_be_visible()
    page.get_by_role("link", name="Open the sheet").click()
    sheet = SheetPage(page, int(re.search(r"/sheets/(\d+)/", page.url).group(1)))
    sheet.wait_ready()
    sheet.expect_rows(250_000)
    sheet.expect_cell(0, 1, "row 0")


# Rows 2 and 5 have values their column refuses (one of them a formula a
# spreadsheet app would run); "Colour" is not a column of the sheet; the blank
# line is not a row.
MORE = b"Item,Amount,Colour\r\nFood,abc,red\r\nGas,12.5,blue\r\n\r\n=cmd(),x,green\r\n"
SKIPPED = [
    ["Row", "Item", "Amount", "Colour", "Reason"],
    ["2", "Food", "abc", "red", "Amount: “abc” is not a number."],
    ["5", "'=cmd()", "x", "green", "Amount: “x” is not a number."],
]


def read_downloaded_csv(download) -> list[list[str]]:
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode(), newline="")))


def test_import_skips_bad_rows_adds_a_new_column_and_lists_the_skipped_rows(new_user, tmp_path):
    ann = new_user("ann")
    page = ann.new_page()
    # A sheet with a number column, made by an import from the list.
    page.goto("/sheets/")
    stock = tmp_path / "Stock.csv"
    stock.write_bytes(b"Item,Amount\r\nRent,900\r\n")
    preview(page, stock)
    panel = page.locator("#import-panel")
    panel.get_by_role("button", name="Import", exact=True).click()
    expect(panel.get_by_role("status").filter(has_text="Imported 1 row")).to_be_visible()
    page.get_by_role("link", name="Open the sheet").click()
    sheet_id = int(re.search(r"/sheets/(\d+)/", page.url).group(1))

    # A file with problems: the preview lists them and offers the choices; cancel first.
    open_import_page(page, sheet_id)
    more = tmp_path / "more.csv"
    more.write_bytes(MORE)
    preview(page, more)
    job = page.get_by_role("region", name="Import of more.csv")
    expect(job.get_by_role("alert")).to_contain_text("2 rows of the file have problems")
    job.get_by_role("button", name="Cancel").click()
    cancelled = page.get_by_role("status").filter(has_text="Import cancelled")
    expect(cancelled).to_have_text("Import cancelled. Nothing was changed.")

    page.get_by_role("link", name="Import another file").click()
    preview(page, more)
    job = page.get_by_role("region", name="Import of more.csv")
    errors = job.get_by_role("table", name="Errors")
    expect(errors.get_by_role("row")).to_have_count(3)  # the header and two problems
    with page.expect_download() as download:
        job.get_by_role("link", name=re.compile("Download the rows with problems")).click()
    assert download.value.suggested_filename == "more-skipped-rows.csv"
    assert read_downloaded_csv(download.value) == SKIPPED

    job.get_by_label("Append rows").check()
    job.get_by_label("Skip them: import the good rows only").check()
    job.get_by_label("Add “Colour” as a new column").check()
    colour_type = job.get_by_label("Type of “Colour”")
    expect(colour_type).to_have_value("text")  # the guess, shown and changeable
    job.get_by_role("button", name="Import", exact=True).click()
    outcome = page.get_by_role("list", name="What the import did")
    expect(page.get_by_role("status").filter(has_text="Imported 1 row")).to_be_visible()
    expect(outcome).to_contain_text("Skipped 2 rows with problems")
    expect(outcome).to_contain_text("New column: Colour")
    with page.expect_download() as download:
        outcome.get_by_role("link", name="download the skipped rows (CSV)").click()
    assert read_downloaded_csv(download.value) == SKIPPED

    page.get_by_role("link", name="Open the sheet").click()
    sheet = SheetPage(page, sheet_id)
    sheet.wait_ready()
    sheet.expect_rows(2)
    sheet.expect_column_name(2, "Colour")
    sheet.expect_cell(0, 0, "Rent")
    sheet.expect_cell(1, 0, "Gas")
    sheet.expect_cell(1, 1, "12.5")
    sheet.expect_cell(1, 2, "blue")
