"""Image servers reached by SFTP (asyncssh, run in a thread of its own).

The server's host key is checked against ``known_hosts`` (a file, relative to the instance;
default ``~/.ssh/known_hosts``) unless ``host_key_check = false``. Login is by password or
by a key file (``key_file``, with ``key_passphrase``); with neither, the user's default
keys and agent are tried.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

from server.images import log
from server.images.errors import ImageLoginRefused, ImageServerDown, ImageServerError
from server.images.servers import TIMEOUT, ImageServer, Settings

T = TypeVar("T")
MIN_RATE = 100_000  # bytes per second an upload may not fall under before it times out


class SftpServer(ImageServer):
    """A folder on an SFTP server; uploads go to a temporary name, then are renamed."""

    kind = "sftp"

    def __init__(self, settings: Settings, home: Path) -> None:
        super().__init__(settings)
        self.host = settings.text("host", required=True)
        self.port = int(settings.number("port", 22))
        self.user = settings.text("user", required=True)
        self._password = settings.text("password")
        key_file = settings.text("key_file")
        self.key_file = (home / key_file).expanduser() if key_file else None
        self._passphrase = settings.text("key_passphrase")
        known_hosts = settings.text("known_hosts")
        self.known_hosts = (home / known_hosts).expanduser() if known_hosts else None
        self.host_key_check = settings.flag("host_key_check", True)
        self.folder = settings.text("folder", "").rstrip("/")
        self.timeout = settings.number("timeout", TIMEOUT)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._connection: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None

    @property
    def where(self) -> str:
        folder = self.folder if self.folder.startswith("/") else "/" + self.folder
        return f"sftp://{self.user}@{self.host}:{self.port}{folder}"

    def _path(self, name: str) -> str:
        return f"{self.folder}/{name}" if self.folder else name

    # -- operations ---------------------------------------------------------------------

    def upload(self, name: str, data: bytes, content_type: str) -> None:
        path = self._path(name)
        temporary = self._path(f".{name}.{secrets.token_hex(4)}.tmp")

        async def put(sftp: asyncssh.SFTPClient) -> None:
            attrs = asyncssh.SFTPAttrs(permissions=0o644)
            try:
                async with sftp.open(temporary, "wb", attrs) as file:
                    await file.write(data)
                try:
                    await sftp.posix_rename(temporary, path)
                except asyncssh.SFTPOpUnsupported:
                    if await sftp.exists(path):
                        await sftp.remove(path)
                    await sftp.rename(temporary, path)
            except BaseException:
                try:
                    await sftp.remove(temporary)
                except (asyncssh.Error, OSError):
                    pass
                raise

        self._call(f"upload {name}", put, self.timeout + len(data) / MIN_RATE)
        log.debug("uploaded %s to %s", name, self.where)

    def exists(self, name: str) -> bool:
        async def look(sftp: asyncssh.SFTPClient) -> bool:
            return await sftp.isfile(self._path(name))

        return self._call(f"look for {name}", look, self.timeout)

    def delete(self, name: str) -> None:
        async def remove(sftp: asyncssh.SFTPClient) -> None:
            try:
                await sftp.remove(self._path(name))
            except asyncssh.SFTPNoSuchFile:
                pass

        self._call(f"delete {name}", remove, self.timeout)

    def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return

        async def disconnect() -> None:
            if self._sftp is not None:
                self._sftp.exit()
            if self._connection is not None:
                self._connection.close()
                await self._connection.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(disconnect(), loop).result(self.timeout)
        except (Exception, FutureTimeout):  # closing: nothing more to do about it
            pass
        self._sftp = self._connection = None
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        loop.close()

    # -- connection ---------------------------------------------------------------------

    def _call(self, what: str, operation: Callable[[asyncssh.SFTPClient], Awaitable[T]],
              timeout: float) -> T:
        async def run() -> T:
            sftp = await self._connect()
            return await asyncio.wait_for(operation(sftp), timeout)

        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                            name=f"sftp-{self.name}")
            self._thread.start()
        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        try:
            return future.result(timeout + self.timeout + 5)
        except ImageServerError:
            raise
        except (TimeoutError, FutureTimeout):
            future.cancel()
            self._forget()
            raise self.error(ImageServerDown, f"cannot {what}: no answer within "
                             f"{timeout:.0f} s") from None
        except asyncssh.SFTPError as exc:
            raise self.error(ImageServerError, f"cannot {what}: {exc.reason}") from None
        except (asyncssh.Error, OSError) as exc:
            self._forget()
            raise self.error(ImageServerDown, f"cannot {what}: the connection was lost "
                             f"({_text(exc)})") from None

    def _forget(self) -> None:
        connection, self._connection, self._sftp = self._connection, None, None
        if connection is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(connection.abort)

    async def _connect(self) -> asyncssh.SFTPClient:
        if self._sftp is not None:
            return self._sftp
        options: dict[str, Any] = {
            "username": self.user,
            "known_hosts": self._known_hosts(),
            "connect_timeout": self.timeout,
            "login_timeout": self.timeout,
        }
        if self._password is not None:
            options["password"] = self._password
            options["client_keys"] = None
            options["agent_path"] = None
        if self.key_file is not None:
            options["client_keys"] = [str(self.key_file)]
            options["passphrase"] = self._passphrase
        try:
            connection = await asyncssh.connect(self.host, self.port, **options)
        except asyncssh.PermissionDenied:
            raise self.error(ImageLoginRefused, f"login refused for user {self.user}; "
                             "check the user name and the password or key") from None
        except asyncssh.HostKeyNotVerifiable as exc:
            where = self.known_hosts or "~/.ssh/known_hosts"
            raise self.error(ImageServerError, f"its host key is not trusted ({exc.reason}); "
                             f"add it to {where}, e.g. with ssh-keyscan -p {self.port} "
                             f"{self.host}") from None
        except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
            raise self.error(ImageServerError, f"cannot read the key file {self.key_file}: "
                             f"{_text(exc)}") from None
        except TimeoutError:
            raise self.error(ImageServerDown, f"no answer within {self.timeout:.0f} s"
                             ) from None
        except ConnectionRefusedError:
            raise self.error(ImageServerDown, "connection refused: is the SSH server "
                             "running on that port?") from None
        except (asyncssh.Error, OSError) as exc:
            raise self.error(ImageServerDown, f"cannot connect: {_text(exc)}") from None
        try:
            sftp = await connection.start_sftp_client()
            if self.folder:
                await sftp.makedirs(self.folder, exist_ok=True)
        except (asyncssh.Error, OSError) as exc:
            connection.close()
            reason = exc.reason if isinstance(exc, asyncssh.Error) else _text(exc)
            raise self.error(ImageServerError, f"cannot open the folder {self.folder!r}: "
                             f"{reason}") from None
        log.debug("connected to %s", self.where)
        self._connection, self._sftp = connection, sftp
        return sftp

    def _known_hosts(self) -> Any:
        if not self.host_key_check:
            log.warning("[images.%s] host_key_check = false: the server's identity is not "
                        "checked", self.name)
            return None
        if self.known_hosts is None:
            return ()  # asyncssh's default: ~/.ssh/known_hosts
        if not self.known_hosts.is_file():
            raise self.error(ImageServerError, f"known_hosts file {self.known_hosts} not "
                             "found")
        return str(self.known_hosts)


def _text(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc).strip() or type(exc).__name__
