"""All-or-nothing files, and what every file target shares.

:class:`AtomicFile` writes to ``.<name>.<random>.part`` next to the final file and renames
it over the final name in :meth:`AtomicFile.commit` (after an ``fsync``), so readers see
either the old file or the complete new one, never a half-written file. :meth:`abort`
removes the temporary file and the folders it had to create.

:class:`FileTarget` is the base of the file targets (CSV, TSV, XLSX, JSON lines): it takes
the ``file`` option, opens the :class:`AtomicFile` and implements ``commit`` and ``abort``,
including the dry run (the file is written to the temporary name and then removed).
"""

from __future__ import annotations

import os
import secrets
import weakref
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from server.engine import log
from server.engine.base import Artefact, Row
from server.errors import TargetError
from server.textutil import short

if TYPE_CHECKING:
    from server.actions.model import Target
    from server.engine.base import RunContext

BUFFER_SIZE = 1 << 18

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def flag_option(target: Target, name: str, default: bool) -> bool:
    """Return a yes/no option of ``target`` (``true``/``false``, ``yes``/``no``, ``1``/``0``)."""
    text = target.option(name).strip().lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise TargetError(
        f"{target.kind} target: option {name!r} must be true or false, not {short(text)}",
        line=target.line or None,
    )


def _discard(file: IO[Any], temp: Path, folders: list[Path]) -> None:
    try:
        file.close()
    except (OSError, ValueError):
        pass
    try:
        temp.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not remove %s: %s", temp, exc.strerror)
    _discard_folders(folders)


def _discard_folders(folders: list[Path]) -> None:
    for folder in folders:  # deepest first; only folders we created, and only if empty
        try:
            folder.rmdir()
        except OSError:
            break


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicFile:
    """A file that appears under its final name only when committed.

    ``file`` is the open temporary file: binary unless ``encoding`` is given, in which case
    it is a text file with that encoding and ``newline``. The destination folder (and its
    parents) are created if missing. Call :meth:`commit` or :meth:`abort` exactly once;
    both are idempotent, and an object dropped without either removes its temporary file.
    Used as a context manager it commits on success and aborts on an exception.
    """

    def __init__(
        self,
        final: Path | str,
        *,
        encoding: str | None = None,
        newline: str | None = None,
    ) -> None:
        self.final = Path(final)
        folder = self.final.parent
        self.temp = folder / f".{self.final.name}.{secrets.token_hex(4)}.part"
        self.committed = False
        self._done = False
        created: list[Path] = []
        probe = folder
        while not probe.exists() and probe != probe.parent:
            created.append(probe)
            probe = probe.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if encoding is None:
                self.file: IO[Any] = open(self.temp, "xb", buffering=BUFFER_SIZE)  # noqa: SIM115
            else:
                self.file = open(  # noqa: SIM115
                    self.temp, "x", buffering=BUFFER_SIZE, encoding=encoding, newline=newline
                )
        except OSError as exc:
            _discard_folders(created)
            raise TargetError(
                f"cannot create {self.final}: {exc.strerror or exc}", file=str(self.final)
            ) from exc
        self._folders = created
        self._finalizer = weakref.finalize(self, _discard, self.file, self.temp, created)

    def commit(self) -> None:
        """Flush, ``fsync`` and rename the temporary file to the final name."""
        if self._done:
            return
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.replace(self.temp, self.final)
        except OSError as exc:
            self.abort()
            raise TargetError(
                f"cannot write {self.final}: {exc.strerror or exc}", file=str(self.final)
            ) from exc
        self._done = True
        self.committed = True
        self._finalizer.detach()
        _fsync_folder(self.final.parent)

    def abort(self) -> None:
        """Close and remove the temporary file (and the folders created for it)."""
        if self._done:
            return
        self._done = True
        self._finalizer()

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class FileTarget:
    """Base of the file targets: the ``file`` option, atomic writing, dry run, artefacts.

    Subclasses implement ``open`` (creating the file with :meth:`_create`) and ``write``,
    and may override :meth:`_finish` (called before the rename, e.g. to close a workbook)
    and :meth:`_discard` (called on abort).
    """

    def __init__(self, target: Target, ctx: RunContext) -> None:
        name = target.option("file").strip()
        if not name:
            raise TargetError(
                f"{target.kind} target needs a 'file' option", line=target.line or None
            )
        self.target = target
        self.ctx = ctx
        self.path = ctx.path(name)
        self.rows = 0
        self.columns: list[str] = []
        self._atomic: AtomicFile | None = None
        self._key_index: int | None = None

    # -- for subclasses ---------------------------------------------------------------

    def _create(self, encoding: str | None = None, newline: str | None = None) -> IO[Any]:
        self._atomic = AtomicFile(self.path, encoding=encoding, newline=newline)
        return self._atomic.file

    def _remember_columns(self, columns: list[str]) -> None:
        self.columns = list(columns)
        key = getattr(getattr(self.ctx, "task", None), "key", "")
        self._key_index = self.columns.index(key) if key in self.columns else None

    def _check_widths(self, rows: list[Row]) -> None:
        """Raise if a row does not have one value per column (a bug upstream)."""
        width = len(self.columns)
        if len(rows) and set(map(len, rows)) != {width}:
            for number, row in enumerate(rows, 1):
                if len(row) != width:
                    raise self.error(
                        f"row {self.rows + number} has {len(row)} values for {width} columns",
                        row,
                    )

    def error(self, message: str, row: Row | None = None) -> TargetError:
        """Return a TargetError about ``self.path`` (and the record of ``row``)."""
        key = None
        if row is not None and self._key_index is not None and self._key_index < len(row):
            key = row[self._key_index]
        return TargetError(
            f"{self.path}: {message}",
            file=str(self.path),
            line=self.target.line or None,
            record_key=None if key is None else str(key),
        )

    def _finish(self) -> None:
        """Complete the file before it is renamed (flush a writer, close a workbook)."""

    def _discard(self) -> None:
        """Release what the writer holds when the run is aborted."""

    # -- TargetWriter -----------------------------------------------------------------

    def open(self, columns: list[str]) -> None:
        raise NotImplementedError

    def write(self, rows: list[Row]) -> list[tuple[int, str]] | None:
        raise NotImplementedError

    def commit(self) -> list[Artefact]:
        if self._atomic is None:
            self.open([])  # never opened: an empty file
        assert self._atomic is not None
        try:
            self._finish()
        except BaseException:
            self.abort()
            raise
        if self.ctx.dry_run:
            self._atomic.abort()
            log.info("dry run: %s not written (%d rows)", self.path, self.rows)
            return []
        self._atomic.commit()
        return [Artefact(path=str(self.path), kind="file", rows=self.rows)]

    def abort(self) -> None:
        try:
            self._discard()
        finally:
            if self._atomic is not None:
                self._atomic.abort()
