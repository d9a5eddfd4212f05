"""Image servers: where images are put so that Amazon can download them, and their URLs.

Configured in ``synccenter.toml``: ``[images]`` holds the general settings, each table
under it (``[images.NAME]``) one image server::

    [images]
    source_folder = "/srv/erp/bilder"   # the ERP's image folder; relative paths start here
    server = "web"                      # the image server of every channel [default: local]
    # max_bytes = 10485760              # larger images are refused [default: 10 MB]

    [images.web]
    kind = "sftp"                       # local (the default), ftp, ftps, sftp or s3
    host = "www.example.com"
    user = "shop"
    password = "${secret:image_password}"
    folder = "htdocs/images"            # where on the server the images go
    public_url = "https://www.example.com/images/"  # the same folder, as Amazon reaches it

    [channels.amazon-de]
    image_server = "web"                # this channel's server, over [images] server

The keys of each kind:

* ``local``: ``folder`` (default ``images/public`` in the instance), ``public_url``;
  the folder is served by ``synccenter images serve`` (or any web server).
* ``ftp``, ``ftps``: ``host``, ``port`` (21), ``user``, ``password``, ``folder``,
  ``passive`` (true), ``timeout`` (30 s); ``ftps`` uses explicit TLS and checks the
  certificate unless ``verify = false`` (``ca_file`` names an own CA).
* ``sftp``: ``host``, ``port`` (22), ``user``, ``password`` or ``key_file`` (with
  ``key_passphrase``), ``known_hosts`` (default ``~/.ssh/known_hosts``; ``host_key_check
  = false`` turns the check off), ``folder``, ``timeout``.
* ``s3``: ``bucket``, ``prefix``, ``region``, ``endpoint_url`` (for S3-compatible
  storage), ``access_key_id``, ``secret_access_key``, ``acl`` (e.g. ``public-read``),
  ``timeout``; ``public_url`` defaults to ``https://BUCKET.s3.REGION.amazonaws.com/PREFIX``.

Passwords and keys go in ``secrets.toml`` as ``${secret:NAME}``; they are never logged or
put in an error message. Uploads are atomic where the protocol allows: the file is written
under a temporary name and then renamed (S3 puts are atomic by themselves).
"""

from __future__ import annotations

import os
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from server.config import Instance
from server.errors import ConfigError
from server.images import log
from server.images.content import MAX_BYTES
from server.images.errors import ImageServerError
from server.textutil import did_you_mean

KINDS = ("local", "ftp", "ftps", "sftp", "s3")
DEFAULT_SERVER = "local"
LOCAL_FOLDER = "images/public"
TIMEOUT = 30.0
_SECRET_KEYS = ("password", "key_passphrase", "secret_access_key")


@dataclass
class ImagesConfig:
    """The ``[images]`` settings of an instance. Build with ``from_instance``."""

    home: Path
    source_folder: Path | None = None
    max_bytes: int = MAX_BYTES
    default_server: str = DEFAULT_SERVER
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_servers: dict[str, str] = field(default_factory=dict)
    expand: Callable[[str, str], str] = field(default=lambda value, where: value, repr=False)

    @classmethod
    def from_instance(cls, instance: Instance) -> ImagesConfig:
        section = instance.settings.get("images", {})
        if not isinstance(section, dict):
            raise ConfigError(f"[images] in {instance.config_file} must be a table",
                              file=str(instance.config_file))
        servers = {k: v for k, v in section.items() if isinstance(v, dict)}
        folder = section.get("source_folder")
        channels = instance.settings.get("channels", {})
        max_bytes = section.get("max_bytes", MAX_BYTES)
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
            raise ConfigError(f"[images] max_bytes = {max_bytes!r}: must be a positive whole "
                              "number of bytes", setting="max_bytes")
        return cls(
            home=instance.home,
            source_folder=(instance.home / instance.expand(str(folder), "[images] "
                           "source_folder")).resolve() if folder else None,
            max_bytes=max_bytes,
            default_server=str(section.get("server", DEFAULT_SERVER)),
            servers=servers,
            channel_servers={name: str(entry["image_server"])
                             for name, entry in channels.items()
                             if isinstance(entry, dict) and "image_server" in entry},
            expand=instance.expand,
        )

    def server_for(self, channel: str) -> str:
        """The name of the image server that ``channel`` uses."""
        return self.channel_servers.get(channel, self.default_server)

    def open(self, name: str) -> ImageServer:
        """Return image server ``name`` (not connected yet: it connects on first use)."""
        table = self.servers.get(name)
        if table is None:
            if name != DEFAULT_SERVER:
                raise ConfigError(
                    f"image server {name!r} is not configured{did_you_mean(name, self.servers)}"
                    f"; looked for [images.{name}] in synccenter.toml; configured: "
                    f"{', '.join(self.servers) or 'none'}", server=name)
            table = {}
        settings = Settings(name, table, self.expand)
        kind = settings.text("kind", "local")
        if kind == "local":
            return LocalServer(settings, self.home)
        if kind in ("ftp", "ftps"):
            from server.images.ftp import FtpServer
            return FtpServer(settings, tls=kind == "ftps")
        if kind == "sftp":
            from server.images.sftp import SftpServer
            return SftpServer(settings, self.home)
        if kind == "s3":
            from server.images.s3 import S3Server
            return S3Server(settings)
        raise ConfigError(f"[images.{name}] kind = {kind!r}: unknown{did_you_mean(kind, KINDS)}; "
                          f"use one of {', '.join(KINDS)}", server=name)


class Settings:
    """The keys of one ``[images.NAME]`` table, with secrets filled in when read."""

    def __init__(self, name: str, table: dict[str, Any],
                 expand: Callable[[str, str], str]) -> None:
        self.name = name
        self.table = table
        self._expand = expand
        self.secrets: list[str] = []  # the secret values read, to keep out of messages
        for key in _SECRET_KEYS:
            value = table.get(key)
            if isinstance(value, str) and value and "${secret:" not in value:
                log.warning("[images.%s] %s is written in synccenter.toml; put it in "
                            "secrets.toml and write ${secret:NAME}", name, key)

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> Any:
        value = self.table.get(key, default)
        if value is None:
            if required:
                raise ConfigError(f"[images.{self.name}] {key} is not set; it is needed for "
                                  f"kind = {self.table.get('kind', 'local')!r}",
                                  server=self.name, setting=key)
            return None
        text = self._expand(str(value), f"[images.{self.name}] {key}")
        if key in _SECRET_KEYS and len(text) >= 3:
            self.secrets.append(text)
        return text

    def number(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"[images.{self.name}] {key} = {value!r}: must be a positive "
                              "number", server=self.name, setting=key)
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(f"[images.{self.name}] {key} = {value!r}: must be true or false",
                              server=self.name, setting=key)
        return value


class ImageServer(ABC):
    """Where images are put: ``upload``, ``exists``, ``delete`` and ``url``.

    Connects on first use; ``close()`` (or a ``with`` block) disconnects.
    """

    kind = ""

    def __init__(self, settings: Settings, default_url: str | None = None) -> None:
        self.name = settings.name
        self.settings = settings
        base = settings.text("public_url", default_url)
        self.public_url = base.rstrip("/") + "/" if base else None

    @property
    @abstractmethod
    def where(self) -> str:
        """The server's address for messages: no password in it."""

    @abstractmethod
    def upload(self, name: str, data: bytes, content_type: str) -> None:
        """Store ``data`` as ``name``, replacing a file of that name."""

    @abstractmethod
    def exists(self, name: str) -> bool:
        """Whether a file ``name`` is on the server."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the file ``name``; no error when it is not there."""

    def close(self) -> None:  # noqa: B027 - servers without a connection keep it empty
        """Disconnect, if connected."""

    def url(self, name: str) -> str:
        """The public URL of the file ``name``."""
        if not self.public_url:
            raise ConfigError(f"[images.{self.name}] public_url is not set: the URL under "
                              "which Amazon can download the uploaded images",
                              server=self.name, setting="public_url")
        return self.public_url + quote(name)

    def error(self, cls: type[ImageServerError], text: str, **context: object
              ) -> ImageServerError:
        """An error naming this server, with every secret value cut out of ``text``."""
        for value in self.settings.secrets:
            text = text.replace(value, "***")
        return cls(f"image server {self.name} ({self.where}): {text}", server=self.name,
                   where=self.where, **context)

    def __enter__(self) -> ImageServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class LocalServer(ImageServer):
    """A folder of the instance, served over HTTP by Sync-Center or another web server."""

    kind = "local"

    def __init__(self, settings: Settings, home: Path) -> None:
        super().__init__(settings)
        self.folder = (home / settings.text("folder", LOCAL_FOLDER)).resolve()

    @property
    def where(self) -> str:
        return str(self.folder)

    def _path(self, name: str) -> Path:
        path = (self.folder / name).resolve()
        if path.parent != self.folder:
            raise self.error(ImageServerError, f"{name!r} is not a plain file name")
        return path

    def upload(self, name: str, data: bytes, content_type: str) -> None:
        path = self._path(name)
        temporary = self.folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
            temporary.chmod(0o644)
            os.replace(temporary, path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise self.error(ImageServerError, f"cannot write {name}: "
                             f"{exc.strerror or exc}") from None

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def delete(self, name: str) -> None:
        try:
            self._path(name).unlink(missing_ok=True)
        except OSError as exc:
            raise self.error(ImageServerError, f"cannot delete {name}: "
                             f"{exc.strerror or exc}") from None
