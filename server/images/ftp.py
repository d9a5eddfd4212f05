"""Image servers reached by FTP, or by FTPS (explicit TLS: AUTH TLS, then PROT P)."""

from __future__ import annotations

import ftplib
import io
import secrets
import ssl
from collections.abc import Callable
from typing import TypeVar

from server.images import log
from server.images.errors import ImageLoginRefused, ImageServerDown, ImageServerError
from server.images.servers import TIMEOUT, ImageServer, Settings

T = TypeVar("T")
_LOST = (EOFError, ConnectionError, ftplib.error_temp)


class FtpServer(ImageServer):
    """A folder on an FTP or FTPS server; uploads go to a temporary name, then are renamed."""

    def __init__(self, settings: Settings, *, tls: bool = False) -> None:
        super().__init__(settings)
        self.kind = "ftps" if tls else "ftp"
        self.tls = tls
        self.host = settings.text("host", required=True)
        self.port = int(settings.number("port", 21))
        self.user = settings.text("user", "anonymous")
        self._password = settings.text("password", "")
        self.folder = settings.text("folder", "").rstrip("/")
        self.passive = settings.flag("passive", True)
        self.timeout = settings.number("timeout", TIMEOUT)
        self.verify = settings.flag("verify", True)
        self.ca_file = settings.text("ca_file")
        self._ftp: ftplib.FTP | None = None

    @property
    def where(self) -> str:
        folder = self.folder if self.folder.startswith("/") else "/" + self.folder
        return f"{self.kind}://{self.user}@{self.host}:{self.port}{folder}"

    # -- operations ---------------------------------------------------------------------

    def upload(self, name: str, data: bytes, content_type: str) -> None:
        temporary = f".{name}.{secrets.token_hex(4)}.tmp"

        def put(ftp: ftplib.FTP) -> None:
            ftp.storbinary(f"STOR {temporary}", io.BytesIO(data))
            try:
                ftp.rename(temporary, name)
            except ftplib.error_perm:
                # Some servers do not rename onto an existing file.
                _quiet(ftp.delete, name)
                ftp.rename(temporary, name)

        try:
            self._call(f"upload {name}", put)
        except ImageServerError:
            if self._ftp is not None:
                _quiet(self._ftp.delete, temporary)
            raise
        log.debug("uploaded %s to %s", name, self.where)

    def exists(self, name: str) -> bool:
        def size(ftp: ftplib.FTP) -> bool:
            ftp.voidcmd("TYPE I")
            try:
                ftp.size(name)
                return True
            except ftplib.error_perm as exc:
                if str(exc)[:3] in ("500", "502", "504"):  # no SIZE command: list instead
                    return name in [n.rsplit("/", 1)[-1] for n in ftp.nlst()]
                return False

        return self._call(f"look for {name}", size)

    def delete(self, name: str) -> None:
        def remove(ftp: ftplib.FTP) -> None:
            try:
                ftp.delete(name)
            except ftplib.error_perm as exc:
                if not str(exc).startswith("550"):
                    raise

        self._call(f"delete {name}", remove)

    def close(self) -> None:
        if self._ftp is not None:
            ftp, self._ftp = self._ftp, None
            try:
                ftp.quit()
            except (OSError, EOFError, ftplib.Error):
                ftp.close()

    # -- connection ---------------------------------------------------------------------

    def _call(self, what: str, operation: Callable[[ftplib.FTP], T]) -> T:
        """Run ``operation`` on the connection; a lost connection is opened again once."""
        for attempt in (1, 2):
            ftp = self._connect()
            try:
                return operation(ftp)
            except _LOST as exc:
                self._drop()
                if attempt == 2:
                    raise self.error(ImageServerDown, f"cannot {what}: the connection was "
                                     f"lost ({_text(exc)})") from None
                log.info("%s: connection lost (%s); connecting again", self.where, _text(exc))
            except TimeoutError:
                self._drop()
                raise self.error(ImageServerDown, f"cannot {what}: no answer within "
                                 f"{self.timeout:.0f} s") from None
            except (ftplib.Error, OSError) as exc:
                raise self.error(ImageServerError, f"cannot {what}: {_text(exc)}") from None
        raise AssertionError("unreachable")

    def _connect(self) -> ftplib.FTP:
        if self._ftp is not None:
            return self._ftp
        ftp = ftplib.FTP_TLS(context=self._tls_context(), timeout=self.timeout) if self.tls \
            else ftplib.FTP(timeout=self.timeout)
        try:
            ftp.connect(self.host, self.port)
            ftp.login(self.user, self._password)
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.set_pasv(self.passive)
            if self.folder:
                _change_folder(ftp, self.folder)
        except ftplib.error_perm as exc:
            ftp.close()
            if str(exc).startswith("530"):
                raise self.error(ImageLoginRefused, f"login refused for user {self.user}: "
                                 f"{_text(exc)}; check the user name and password") from None
            raise self.error(ImageServerError, _text(exc)) from None
        except ssl.SSLCertVerificationError as exc:
            ftp.close()
            raise self.error(ImageServerError, f"its TLS certificate is not trusted "
                             f"({exc.verify_message}); set ca_file, or verify = false if "
                             "you trust the network") from None
        except TimeoutError:
            ftp.close()
            raise self.error(ImageServerDown, f"no answer within {self.timeout:.0f} s"
                             ) from None
        except ConnectionRefusedError:
            ftp.close()
            raise self.error(ImageServerDown, "connection refused: is the FTP server "
                             "running on that port?") from None
        except (OSError, EOFError, ftplib.Error) as exc:
            ftp.close()
            raise self.error(ImageServerDown, f"cannot connect: {_text(exc)}") from None
        log.debug("connected to %s", self.where)
        self._ftp = ftp
        return ftp

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _drop(self) -> None:
        if self._ftp is not None:
            self._ftp.close()
            self._ftp = None


def _change_folder(ftp: ftplib.FTP, folder: str) -> None:
    """Change to ``folder``, making the parts that are missing."""
    if folder.startswith("/"):
        ftp.cwd("/")
    for part in [p for p in folder.split("/") if p]:
        try:
            ftp.cwd(part)
        except ftplib.error_perm:
            ftp.mkd(part)
            ftp.cwd(part)


def _quiet(operation: Callable[[str], object], name: str) -> None:
    try:
        operation(name)
    except (OSError, EOFError, ftplib.Error):
        pass


def _text(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__
