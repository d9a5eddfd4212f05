"""The instance: its folder, its configuration, its named connections and its secrets.

An instance folder holds everything one Sync-Center installation owns::

    instance/
      synccenter.toml     settings, connections, channels (no secrets)
      secrets.toml        secrets, readable by the owner only (chmod 600)
      actions/            the instance's own copies of the actions (edited, run)
      scripts/            the instance's own copies of the sandboxed scripts
      outbox/ inbox/      files for and from the marketplaces
      state.db            the state store (runs, logbook), unless [store] url says otherwise

The folder is ``--instance``, else ``$SYNCCENTER_HOME``, else ``./instance``.

A value may refer to a secret as ``${secret:NAME}`` (looked up in the environment as
``SYNCCENTER_SECRET_NAME``, then in ``secrets.toml``) or to an environment variable as
``${env:NAME}``. A connection's whole URL may also come from ``SYNCCENTER_CONNECTION_<NAME>_URL``
and the store's from ``SYNCCENTER_STORE_URL``.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.errors import ConfigError
from server.textutil import did_you_mean

CONFIG_FILE = "synccenter.toml"
SECRETS_FILE = "secrets.toml"
_REFERENCE = re.compile(r"\$\{(secret|env):([A-Za-z0-9_\-]+)\}")

DEFAULT_CONFIG = """\
# Sync-Center instance configuration. Secrets do not go here: write ${secret:NAME} and
# put NAME in secrets.toml (chmod 600) or in the environment as SYNCCENTER_SECRET_NAME.

[instance]
timezone = "Europe/Berlin"

[store]
# The server's own database: runs and the logbook. Relative SQLite paths are taken from
# the instance folder. PostgreSQL: "postgresql+psycopg://user:${secret:store_password}@host/db"
url = "sqlite:///state.db"

[paths]
outbox = "outbox"
inbox = "inbox"

# The merchant's ERP, reached by SQLAlchemy URL; actions name it as connection="erp".
[connections.erp]
url = "sqlite:///erp.db"

# A sales channel; actions name it as channel="amazon-de".
[channels.amazon-de]
name = "Amazon DE"
marketplace = "DE"
marketplace_id = "A1PA6795UKMFR9"
seller_id = "A2DEMOSELLER1"
currency = "EUR"
mode = "file"
"""


def resolve_home(instance: str | os.PathLike[str] | None = None) -> Path:
    """Return the instance folder: the argument, ``$SYNCCENTER_HOME``, or ``./instance``."""
    if instance:
        return Path(instance).expanduser().resolve()
    env = os.environ.get("SYNCCENTER_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return (Path.cwd() / "instance").resolve()


@dataclass
class Instance:
    """A loaded instance configuration. Create with ``Instance.load(home)``."""

    home: Path
    settings: dict[str, Any]
    config_file: Path
    secrets_file: Path
    _secrets: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, home: str | os.PathLike[str] | None = None) -> Instance:
        path = resolve_home(home)
        config_file = path / CONFIG_FILE
        if not config_file.is_file():
            raise ConfigError(
                f"no instance configuration at {config_file}; create an instance with "
                f"`synccenter init --instance {path}` (or `synccenter demo`), or point "
                "--instance or SYNCCENTER_HOME at an existing one",
                file=str(config_file),
            )
        try:
            settings = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {config_file}: {exc}", file=str(config_file)) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file}: not valid TOML: {exc}",
                              file=str(config_file)) from exc
        return cls(path, settings, config_file, path / SECRETS_FILE)

    # ----- folders ---------------------------------------------------------------------

    @property
    def actions_dir(self) -> Path:
        return self.home / "actions"

    @property
    def scripts_dir(self) -> Path:
        return self.home / "scripts"

    def folder(self, name: str) -> Path:
        """Return a folder named in ``[paths]`` (outbox, inbox), relative to the home."""
        value = self.settings.get("paths", {}).get(name, name)
        return (self.home / value).resolve()

    @property
    def timezone(self) -> str:
        return str(self.settings.get("instance", {}).get("timezone", "Europe/Berlin"))

    # ----- connections, channels, store ------------------------------------------------

    def connection_url(self, name: str) -> str:
        """Return the URL of connection ``name`` with its secrets filled in."""
        env_name = f"SYNCCENTER_CONNECTION_{_env_key(name)}_URL"
        if os.environ.get(env_name):
            return self._sqlite_relative(self.expand(os.environ[env_name], env_name))
        connections = self.settings.get("connections", {})
        entry = connections.get(name)
        if not isinstance(entry, dict) or "url" not in entry:
            raise ConfigError(
                f"connection {name!r} is not configured{did_you_mean(name, connections)}; "
                f"looked for [connections.{name}] url = \"...\" in {self.config_file} and for "
                f"the environment variable {env_name}",
                connection=name,
            )
        where = f"[connections.{name}] url"
        return self._sqlite_relative(self.expand(str(entry["url"]), where))

    def store_url(self) -> str:
        if os.environ.get("SYNCCENTER_STORE_URL"):
            return self._sqlite_relative(self.expand(os.environ["SYNCCENTER_STORE_URL"],
                                                     "SYNCCENTER_STORE_URL"))
        url = self.settings.get("store", {}).get("url", "sqlite:///state.db")
        return self._sqlite_relative(self.expand(str(url), "[store] url"))

    def channel(self, name: str) -> dict[str, Any]:
        """Return the settings of channel ``name`` (secret references not filled in)."""
        channels = self.settings.get("channels", {})
        entry = channels.get(name)
        if not isinstance(entry, dict):
            raise ConfigError(
                f"channel {name!r} is not configured{did_you_mean(name, channels)}; looked for "
                f"[channels.{name}] in {self.config_file}; configured channels: "
                f"{', '.join(channels) or 'none'}",
                channel=name,
            )
        # Secrets stay as written (${secret:NAME}): only the SP-API client reads them
        # (server.amazon.spapi.channel), so a file-mode run needs none of them set.
        return {k: self.expand(v, f"[channels.{name}] {k}")
                if isinstance(v, str) and "${secret:" not in v else v
                for k, v in entry.items()}

    def _sqlite_relative(self, url: str) -> str:
        # sqlite:///state.db is relative to the instance folder, not the working directory.
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            rest = url[len(prefix):]
            if rest and not rest.startswith(":memory:"):
                return prefix + str((self.home / rest).resolve())
        return url

    # ----- secrets ---------------------------------------------------------------------

    def expand(self, value: str, where: str) -> str:
        """Fill in ``${secret:NAME}`` and ``${env:NAME}`` references in ``value``."""
        def replace(match: re.Match[str]) -> str:
            kind, name = match.groups()
            if kind == "env":
                if name in os.environ:
                    return os.environ[name]
                raise ConfigError(f"{where} refers to ${{env:{name}}}, but the environment "
                                  f"variable {name} is not set", setting=where)
            return self.secret(name, where)

        return _REFERENCE.sub(replace, value)

    def secret(self, name: str, where: str = "") -> str:
        env_name = f"SYNCCENTER_SECRET_{_env_key(name)}"
        if env_name in os.environ:
            return os.environ[env_name]
        secrets = self._load_secrets()
        if name in secrets:
            return secrets[name]
        used_by = f"{where} refers to" if where else "looking up"
        raise ConfigError(
            f"{used_by} the secret {name!r}, which is not set; looked for the environment "
            f"variable {env_name} and for {name} = \"...\" under [secrets] in "
            f"{self.secrets_file}" + ("" if self.secrets_file.exists() else " (no such file)"),
            secret=name,
        )

    def secret_values(self) -> list[str]:
        """Return every secret value this instance knows, for redaction."""
        values = list(self._load_secrets().values())
        values += [v for k, v in os.environ.items() if k.startswith("SYNCCENTER_SECRET_")]
        return [v for v in values if len(v) >= 4]

    def _load_secrets(self) -> dict[str, str]:
        if self._secrets is not None:
            return self._secrets
        path = self.secrets_file
        if not path.exists():
            self._secrets = {}
            return self._secrets
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"{path} can be read by other users (mode {stat.filemode(mode)}); secrets "
                f"must be private: run chmod 600 {path}", file=str(path))
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}", file=str(path)) from exc
        section = data.get("secrets", {})
        self._secrets = {str(k): str(v) for k, v in section.items()}
        return self._secrets


def _env_key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()
