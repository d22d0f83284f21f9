"""The preview's row cache: a previewed file's rows, cleaned and JSON-encoded
once, kept beside the upload, so the import streams them into the table
instead of reading and validating the whole file a second time.

The file holds one row per line: exactly the `Row.values` text the import
would write (sheets/io/cleaning.py `encode_rows`). What those rows depend on, the
target columns' ids and types, is kept in the job's preview (`"cache"`),
with the file's size and CRC-32. The import uses the file only if it is still
the one the preview wrote and the columns are unchanged (checked under the
sheet's lock, sheets/io/writer.py); otherwise it reads the upload again, as
if there were no cache. The CRC-32 is checked as the import reads the rows
(a million rows' cache is a GiB: read once, not twice); a mismatch found
after the last row undoes what was written from it (a savepoint) and the
upload is read instead. Jobs remove the file with the upload.
"""

import itertools
import logging
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

# Bump when the cleaning rules or the encoding change what a cached row holds:
# a cache written by older code is then not used.
FORMAT = 2

# In front of a row with an error (its bad cells empty): the import skips it
# or writes it as it is, as the user chose (sheets/io/writer.py).
BAD = "!"


def mark_bad(encoded: list[str], numbers: list[int], bad: Iterable[int]) -> list[str]:
    """`encoded` rows (numbered in the file by `numbers`), those in `bad` marked."""
    if bad:
        for position, number in enumerate(numbers):
            if number in bad:
                encoded[position] = BAD + encoded[position]
    return encoded


# Per position of a file's row: [column id, column type], or None (not imported).
Fingerprint = list[list[str] | None]


def cache_path(upload: str | Path) -> Path:
    """The cache beside an upload (never an upload's own name: uploads are
    named `<job id><one suffix>`)."""
    return Path(f"{upload}.rows")


def fingerprint(columns: Iterable[tuple[Any, str] | None]) -> Fingerprint:
    """What cached rows depend on, from (column id, type) per position."""
    return [None if c is None else [str(c[0]), str(c[1])] for c in columns]


class RowCache:
    """Writes the cache while the preview reads the file. A failure to write
    it (a full disk) drops the cache, never the preview."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._crc = 0
        self._file: BinaryIO | None = None
        try:
            self._file = path.open("wb")  # replaces the cache of an earlier reading
        except OSError:
            log.warning("cannot write the import row cache %s", path, exc_info=True)

    @property
    def active(self) -> bool:
        return self._file is not None

    def write(self, encoded: list[str]) -> None:
        if self._file is None or not encoded:
            return
        data = ("\n".join(encoded) + "\n").encode()  # JSON text never holds a raw newline
        try:
            self._file.write(data)
        except OSError:
            log.warning("cannot write the import row cache %s", self.path, exc_info=True)
            self.discard()
            return
        self._crc = zlib.crc32(data, self._crc)
        self.rows += len(encoded)

    def restart(self) -> None:
        """Empty the cache, to write every row again."""
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            self.rows, self._crc = 0, 0

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)

    def finish(self, columns: Fingerprint) -> dict | None:
        """Close the file; what the preview keeps about it (None: no cache)."""
        if self._file is None:
            return None
        try:
            self._file.close()
        except OSError:
            self._file = None
            self.discard()
            return None
        self._file = None
        return {
            "format": FORMAT,
            "columns": columns,
            "rows": self.rows,
            "bytes": self.path.stat().st_size,
            "crc32": self._crc,
        }

    def __enter__(self) -> "RowCache":
        return self

    def __exit__(self, kind: Any, *rest: Any) -> None:
        # A failed preview keeps nothing; an unfinished cache is no cache.
        if kind is not None or self._file is not None:
            self.discard()


class CacheDamaged(Exception):
    """The cache's rows, once all read, are not the ones the preview wrote."""


class CachedRows:
    """A cache found, for one import: its rows and what they depend on."""

    def __init__(self, path: Path, info: dict) -> None:
        self.path = path
        self.columns: Fingerprint = info["columns"]
        self.rows: int = info["rows"]
        self.bad_rows: int = info.get("bad_rows", 0)
        self._size, self._crc = info.get("bytes"), info.get("crc32")
        self.used = False  # the import took its rows from here
        self.skipped = 0

    def matches(self, columns: Fingerprint) -> bool:
        return columns == self.columns

    def batches(self, size: int, *, skip_bad: bool) -> Iterator[list[str]]:
        """The encoded rows, `size` lines at a time: never the whole file in
        memory. Rows with an error are left out (`skip_bad`, counted in
        `skipped`) or written with their bad cells empty. The file is read
        once: its CRC-32 is checked as it goes, and CacheDamaged raised after
        the last batch if it is not the preview's (the caller undoes what it
        wrote from it)."""
        self.used = True
        crc, read = 0, 0
        with self.path.open("rb") as lines:
            while chunk := b"".join(itertools.islice(lines, size)):
                crc = zlib.crc32(chunk, crc)
                read += len(chunk)
                try:
                    batch = chunk.decode().split("\n")[:-1]
                except UnicodeDecodeError:
                    raise CacheDamaged(self.path) from None
                if self.bad_rows:
                    kept = [row for row in batch if row[0] != BAD]
                    if skip_bad:
                        self.skipped += len(batch) - len(kept)
                        batch = kept
                    elif len(kept) != len(batch):
                        batch = [row.removeprefix(BAD) for row in batch]
                yield batch
        if (read, crc) != (self._size, self._crc):
            raise CacheDamaged(self.path)


def open_cached(info: dict | None, upload: str | Path) -> CachedRows | None:
    """The cache the preview described, if it is there with the size and
    format the preview wrote (its CRC-32 is checked as the import reads it);
    else None."""
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        return None
    path = cache_path(upload)
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size != info.get("bytes"):
        log.warning("import row cache %s is not the one previewed: reading the upload", path)
        return None
    return CachedRows(path, info)
