"""Screenshots for docs/: the sheet page, the import preview and the history
panel, as two fresh users see them on a small realistic sheet.

    .venv/bin/python e2e/screenshots.py [--out docs/screenshots]

Starts the app the way the e2e suite does (scripts/run_embedded.bash on a free
port with a fresh data dir, e2e/conftest.py) and drives Debian's Chromium.
Rebuild the bundle first (`cd frontend && node build.mjs`).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, Page, expect, sync_playwright

from e2e import conftest, pages
from e2e.pages import SheetPage

OUT = conftest.REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 760}
COLUMNS = [
    ("Item", "Text"),
    ("Cost", "Number"),
    ("Date", "Date"),
    ("Booked", "Checkbox"),
    ("Who books", "Text"),
]
ROWS = [
    ("Train tickets", "184.40", "2027-05-12", "true", "Ann"),
    ("Hotel, 2 nights", "412", "2027-05-12", "true", "Ann"),
    ("Team dinner", "265.50", "2027-05-13", "false", "Bob"),
    ("Museum passes", "96", "2027-05-13", "false", "Bob"),
    ("Bike rental", "60", "2027-05-14", "false", "Ann"),
    ("Coffee & snacks", "38.20", "2027-05-14", "false", "Bob"),
]
# What the file adds: a header the sheet does not have (offered as a new
# column), a note per row, and a row with a cost that is not a number (skipped).
NEW_HEADER = "Notes"
NOTES = ["2nd class, bring cards", "", "Book for 9", "", "", "Ask for oat milk"]
BAD_ROW = ("Taxi to airport", "about 40", "2027-05-15", "false", "Bob", "")


class _TempDirs:
    """What conftest.embedded_server asks of pytest's tmp_path_factory."""

    def __init__(self, root: Path):
        self.root = root

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))


@contextmanager
def app() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="gridroom-shots-") as root:
        with conftest.embedded_server(_TempDirs(Path(root))) as server:
            yield server.url


def user_page(browser: Browser, base_url: str, name: str, colour: str) -> tuple[Page, str]:
    """A fresh user signed up in their own browser context, with a display name
    and colour: their page and username."""
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    context.set_default_timeout(conftest.TIMEOUT_MS)
    page = context.new_page()
    username = pages.unique_username(name.split()[0].lower())
    pages.signup(page, base_url, username)
    pages.update_profile(page, display_name=name, colour=colour)
    return page, username


def shape_columns(tab: SheetPage) -> None:
    for col, (name, type_label) in enumerate(COLUMNS):
        tab.rename_column(col, name)
        tab.expect_column_name(col, name)
        if type_label != "Text":
            tab.set_column_type(col, type_label)
    tab.expect_saved()


def import_preview(page: Page, sheet_id: int, folder: Path, out: Path) -> None:
    source = folder / "offsite-costs.csv"
    header = [name for name, _ in COLUMNS] + [NEW_HEADER]
    rows = [(*row, note) for row, note in zip(ROWS, NOTES, strict=True)]
    rows.insert(4, BAD_ROW)
    source.write_text("\n".join(",".join(_csv(v) for v in r) for r in [header, *rows]) + "\n")
    page.goto(f"/sheets/{sheet_id}/import/")
    page.get_by_label("File", exact=True).set_input_files(str(source))
    page.get_by_role("button", name="Preview").click()
    job = page.get_by_role("region", name=f"Import of {source.name}")
    expect(job.get_by_role("button", name="Import")).to_be_visible()
    job.get_by_label("Replace all rows").check()
    job.get_by_label(re.compile(r"Skip (it|them): import the good rows only")).check()
    job.get_by_label(f"Add “{NEW_HEADER}” as a new column").check()
    job.screenshot(path=str(out / "import-preview.png"))
    job.get_by_role("button", name="Import").click()
    expect(page.get_by_text(f"Imported {len(ROWS)} rows")).to_be_visible()


def _csv(value: str) -> str:
    return f'"{value}"' if "," in value else value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with app() as base_url, sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(
            executable_path=conftest.CHROMIUM, args=conftest.CHROMIUM_ARGS, headless=True
        )
        ann, _ = user_page(browser, base_url, "Ann Lee", "#1d4ed8")
        bob, bob_username = user_page(browser, base_url, "Bob Okafor", "#f59e0b")
        sheet_id = pages.create_sheet(ann, "Team offsite 2027")
        tab = SheetPage(ann, sheet_id)
        tab.wait_ready()
        tab.share_with(bob_username, "Editor")
        shape_columns(tab)

        import_preview(ann.context.new_page(), sheet_id, Path(tmp), out)

        theirs = SheetPage(bob, sheet_id).open()
        tab.reload()
        tab.type_cell(2, 1, "270")
        theirs.type_cell(4, 1, "72")
        theirs.select_cell(1, 1)
        tab.expect_present("Ann Lee", "Bob Okafor")
        expect(tab.outlined_by("Bob Okafor").first).to_be_visible()
        tab.select_cell(2, 0)
        tab.expect_saved()
        ann.screenshot(path=str(out / "sheet.png"))

        ann.get_by_role("link", name="History", exact=True).click()
        panel = tab.side_panel()
        expect(panel.get_by_role("heading").first).to_be_visible()
        expect(panel.get_by_text("Bob Okafor").first).to_be_visible()
        ann.screenshot(path=str(out / "history.png"))

        # A value the server refuses stays in its cell, with the reason in the status line.
        tab.type_cell(5, 1, "about 40")
        expect(tab.status()).to_have_attribute("data-state", "rejected")
        tab.select_cell(5, 0)
        ann.screenshot(path=str(out / "refused.png"))
        browser.close()
    for name in ("sheet.png", "import-preview.png", "history.png", "refused.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
