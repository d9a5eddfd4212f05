"""The actions of an instance: find, load, export and import them.

Each action is one file ``<id>.xml`` in the instance's ``actions/`` folder. Export writes a
copy that carries no secret; import checks a file first, refuses to overwrite an existing
action unless told to, and can give the copy a new id (the easy way to duplicate one).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from server.actions import xmlfile
from server.actions.editor import ActionDocument
from server.actions.loader import action_files, load_action, load_action_bytes
from server.actions.model import Action
from server.errors import ActionError, ActionNotFound, ActionXmlError
from server.textutil import did_you_mean

ID_PATTERN = re.compile(r"[a-z][a-z0-9_\-]{0,99}")
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^:/@\s\"'<>]+:)[^@\s\"'<>]+@", re.I)
REDACTED = "***"


@dataclass(frozen=True)
class Entry:
    """An action file of the instance: loaded, or the error that prevents it."""

    path: Path
    action: Action | None
    error: ActionError | None

    @property
    def id(self) -> str:
        return self.action.id if self.action else self.path.stem


class ActionRepository:
    """The action files of one folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def entries(self) -> list[Entry]:
        result = []
        for path in action_files(self.folder):
            try:
                result.append(Entry(path, load_action(path), None))
            except ActionError as exc:
                result.append(Entry(path, None, exc))
        return result

    def ids(self) -> list[str]:
        return [p.stem for p in action_files(self.folder)]

    def path(self, action_id: str) -> Path:
        path = self.folder / f"{action_id}.xml"
        if ID_PATTERN.fullmatch(action_id) and path.is_file():
            return path
        known = self.ids()
        raise ActionNotFound(
            f"no action {action_id!r} in {self.folder}{did_you_mean(action_id, known)}; "
            f"actions: {', '.join(known) or 'none'}", action_id=action_id)

    def load(self, action_id: str) -> Action:
        path = self.path(action_id)
        action = load_action(path)
        if action.id != action_id:
            raise ActionError(f"{path}: the file holds action id {action.id!r}; an action's "
                              f"file must be named after its id ({action.id}.xml)",
                              file=str(path), action_id=action_id)
        return action

    def export(self, action_id: str, destination: str | os.PathLike[str],
               secrets: Iterable[str] = ()) -> Path:
        """Write action ``action_id`` to ``destination`` without any secret in it."""
        data = redact(xmlfile.read_bytes(self.path(action_id)), secrets)
        load_action_bytes(data, str(destination))  # what we hand out must load
        destination = Path(destination)
        _write_atomically(destination, data)
        return destination

    def import_file(self, source: str | os.PathLike[str], new_id: str | None = None, *,
                    overwrite: bool = False) -> Path:
        """Check the action file ``source`` and add it, under ``new_id`` if given."""
        document = ActionDocument.open(source)
        action = load_action_bytes(document.original, str(source))  # validates first
        action_id = new_id or action.id
        if not ID_PATTERN.fullmatch(action_id):
            raise ActionError(f"{action_id!r} is not a valid action id: use lowercase "
                              "letters, digits, '-' and '_', starting with a letter",
                              action_id=action_id)
        target = self.folder / f"{action_id}.xml"
        if target.exists() and not overwrite:
            raise ActionError(f"an action {action_id!r} exists already ({target}); give the "
                              "copy a new id with --id NEW_ID, or replace it with --force",
                              action_id=action_id)
        if action_id != action.id:
            document.set_attribute("/a:action", "id", action_id)
        data = document.serialize()
        try:
            load_action_bytes(data, str(target))
        except ActionXmlError as exc:  # e.g. the new id collides with a task id
            raise ActionError(f"the copy with id {action_id!r} is not valid:\n{exc}",
                              action_id=action_id) from None
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, data)
        return target


def redact(data: bytes, secrets: Iterable[str]) -> bytes:
    """Replace known secret values and passwords inside URLs with ``***``."""
    text = data.decode("utf-8")
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED + "@", text)
    return text.encode("utf-8")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.part")
    temp.write_bytes(data)
    os.replace(temp, path)
