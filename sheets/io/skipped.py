"""The rows of an import that have a problem, as a CSV the user can download:
the file's row number, the row's cells as the file holds them and the reason.

The preview (sheets/io/preview.py) writes it beside the upload while it reads
the file; the job's page links to it (sheets/io/views.py `import_skipped`,
owner only) while the job is kept. Cells and reasons are text from the file:
they get the export's formula escape (sheets/io/resources.py), so a
spreadsheet app opening the download runs nothing.
"""

import csv
import io
import logging
from collections import defaultdict
from pathlib import Path

from sheets.io.resources import escape_formula

log = logging.getLogger(__name__)


def skipped_path(upload: str | Path) -> Path:
    """Beside the upload (uploads are named `<job id><one suffix>`)."""
    return Path(f"{upload}.skipped.csv")


def reasons_by_row(errors: list[dict]) -> dict[int, str]:
    """One reason per row number from a batch's errors (several cells: joined)."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        column = error.get("column")
        message = error["message"]
        reasons[error["row"]].append(f"{column}: {message}" if column else message)
    return {number: " ".join(parts) for number, parts in reasons.items()}


class SkippedRows:
    """Writes the CSV while the preview reads the file. A failure to write it
    (a full disk) loses the download, never the preview or the import."""

    def __init__(self, path: Path, headers: list[str]) -> None:
        self.path = path
        self.rows = 0
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer)
        self._file = None
        try:
            self._file = path.open("w", encoding="utf-8-sig", newline="")
        except OSError:
            log.warning("cannot write the skipped rows %s", path, exc_info=True)
        self._write([["Row", *headers, "Reason"]])

    def add(self, numbers: list[int], cells: list[list[str]], reasons: dict[int, str]) -> None:
        """The rows of a batch (`numbers` and `cells` side by side) that have a reason."""
        self._write(
            [number, *row, reasons[number]]
            for number, row in zip(numbers, cells, strict=True)
            if number in reasons
        )

    def _write(self, rows) -> None:
        if self._file is None:
            return
        self._buffer.seek(0)
        self._buffer.truncate()
        before = self.rows
        for row in rows:
            self._csv.writerow([escape_formula(v) if isinstance(v, str) else v for v in row])
            self.rows += 1
        try:
            self._file.write(self._buffer.getvalue())
        except OSError:
            log.warning("cannot write the skipped rows %s", self.path, exc_info=True)
            self.rows = before
            self.discard()

    def finish(self) -> int:
        """Close the file; how many rows it lists (the header not counted).
        A file that lists none is removed."""
        listed = max(self.rows - 1, 0)
        if self._file is not None:
            self._file.close()
            self._file = None
            if not listed:
                self.path.unlink(missing_ok=True)
        return listed

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)
