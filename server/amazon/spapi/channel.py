"""A sales channel's SP-API settings, read from ``[channels.NAME]`` in synccenter.toml.

::

    [channels.amazon-de]
    name = "Amazon DE"
    marketplace = "DE"                  # a country code or a marketplace id
    seller_id = "A2DEMOSELLER1"         # the merchant token, used in Listings paths
    currency = "EUR"
    mode = "sp-api"                     # file | sp-api | simulator
    region = "eu"                       # eu | na | fe; default: the marketplace's region
    client_id = "amzn1.application-oa2-client.0123"
    client_secret = "${secret:lwa_client_secret}"
    refresh_token = "${secret:amazon_de_refresh_token}"
    # api_url, token_url: only to point somewhere else (the simulator, a proxy)
    # max_attempts = 5, timeout = 30: attempts per request, seconds per attempt

In ``file`` mode nothing is sent to Amazon: feeds are written to the outbox. In
``simulator`` mode the URLs default to the local simulator and the credentials to its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from server.amazon.spapi import log
from server.amazon.spapi.marketplaces import (
    REGION_HOSTS,
    TOKEN_URL,
    Marketplace,
    find_marketplace,
)
from server.config import Instance
from server.errors import ConfigError

MODES = ("file", "sp-api", "simulator")
SIMULATOR_URL = "http://127.0.0.1:8777"
SIMULATOR_CLIENT_ID = "amzn1.application-oa2-client.sim"
SIMULATOR_CLIENT_SECRET = "sim-secret"
SIMULATOR_REFRESH_TOKEN = "Atzr|sim-refresh"
SECRET_KEYS = ("client_secret", "refresh_token")
DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class ChannelConfig:
    """Everything the SP-API client needs to talk to Amazon for one channel."""

    name: str
    mode: str
    marketplace: Marketplace
    region: str
    api_url: str = ""
    token_url: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    seller_id: str = ""
    currency: str = ""
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    timeout: float = 30.0
    config_file: str = ""

    @property
    def marketplace_id(self) -> str:
        return self.marketplace.id

    @property
    def remote(self) -> bool:
        """Whether the channel talks to an API (sp-api or simulator), not to files."""
        return self.mode != "file"

    def secrets(self) -> list[str]:
        """The secret values of this channel, for redaction and for tests."""
        return [v for v in (self.client_secret, self.refresh_token) if v]

    def require_seller_id(self) -> str:
        if not self.seller_id:
            raise ConfigError(
                f"channel {self.name!r} has no seller_id; add seller_id = \"...\" (the "
                f"merchant token shown in Seller Central) under [channels.{self.name}] "
                f"in {self.config_file}", channel=self.name, file=self.config_file)
        return self.seller_id

    @classmethod
    def from_instance(cls, instance: Instance, name: str) -> ChannelConfig:
        """Read channel ``name`` of the instance; raise ConfigError naming what is wrong."""
        entry = instance.settings.get("channels", {}).get(name)
        if not isinstance(entry, dict):
            instance.channel(name)  # raises the "not configured" error with suggestions
            raise ConfigError(f"[channels.{name}] in {instance.config_file} is not a table",
                              channel=name, file=str(instance.config_file))
        return _Reader(instance, name, entry).read()


class _Reader:
    """Reads one ``[channels.NAME]`` table, expanding only the values it uses."""

    def __init__(self, instance: Instance, name: str, entry: dict[str, Any]) -> None:
        self.instance = instance
        self.name = name
        self.entry = entry
        self.file = str(instance.config_file)

    def read(self) -> ChannelConfig:
        mode = str(self.entry.get("mode", "file")).strip().lower()
        if mode not in MODES:
            self.fail(f"mode = {self.entry.get('mode')!r} is not one of "
                      f"{', '.join(repr(m) for m in MODES)}")
        marketplace = self.marketplace()
        region = self.region(marketplace)
        common = {
            "name": self.name, "mode": mode, "marketplace": marketplace, "region": region,
            "seller_id": self.text("seller_id"), "currency": self.text("currency"),
            "max_attempts": self.number("max_attempts", DEFAULT_MAX_ATTEMPTS, int),
            "timeout": self.number("timeout", 30.0, float), "config_file": self.file,
        }
        if mode == "file":
            return ChannelConfig(**common)
        if mode == "simulator":
            api_url = self.url("api_url") or SIMULATOR_URL
            return ChannelConfig(
                **common, api_url=api_url,
                token_url=self.url("token_url") or api_url + "/auth/o2/token",
                client_id=self.text("client_id") or SIMULATOR_CLIENT_ID,
                client_secret=self.text("client_secret") or SIMULATOR_CLIENT_SECRET,
                refresh_token=self.text("refresh_token") or SIMULATOR_REFRESH_TOKEN)
        return ChannelConfig(
            **common, api_url=self.url("api_url") or REGION_HOSTS[region],
            token_url=self.url("token_url") or TOKEN_URL,
            client_id=self.required("client_id", '"amzn1.application-oa2-client.…"'),
            client_secret=self.required("client_secret", '"${secret:lwa_client_secret}"'),
            refresh_token=self.required(
                "refresh_token", f'"${{secret:{self.name.replace("-", "_")}_refresh_token}}"'))

    def marketplace(self) -> Marketplace:
        given = self.text("marketplace")
        given_id = self.text("marketplace_id")
        if not given and not given_id:
            self.fail('needs marketplace = "DE" (a country code or a marketplace id)')
        found = find_marketplace(given) if given else None
        if given and found is None:
            self.fail(f"marketplace = {given!r} is not a marketplace this client knows; use a "
                      "country code such as DE, FR, IT, ES, UK, US or a marketplace id")
        by_id = find_marketplace(given_id) if given_id else None
        if given_id and by_id is None:
            self.fail(f"marketplace_id = {given_id!r} is not a marketplace id this client "
                      "knows (DE is A1PA6795UKMFR9)")
        if found and by_id and found != by_id:
            self.fail(f"marketplace = {given!r} is {found}, but marketplace_id = {given_id!r} "
                      f"is {by_id}; keep one of them or make them agree")
        result = found or by_id
        assert result is not None
        return result

    def region(self, marketplace: Marketplace) -> str:
        region = self.text("region").lower()
        if not region:
            return marketplace.region
        if region not in REGION_HOSTS:
            self.fail(f"region = {region!r} is not one of eu, na, fe")
        if region != marketplace.region:
            self.fail(f"region = {region!r}, but marketplace {marketplace} is served by the "
                      f"{marketplace.region} region; write region = \"{marketplace.region}\" "
                      "or leave region out")
        return region

    def text(self, key: str) -> str:
        value = self.entry.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(f"{key} must be a string, not {value!r}")
        where = f"[channels.{self.name}] {key}"
        if key in SECRET_KEYS and "${" not in value and value.strip():
            log.warning("%s in %s holds its secret in plain text; write "
                        "%s = \"${secret:NAME}\" and put NAME in secrets.toml instead",
                        where, self.file, key)
        return self.instance.expand(value, where).strip()

    def required(self, key: str, example: str) -> str:
        value = self.text(key)
        if not value:
            self.fail(f"needs {key} in mode \"sp-api\"; add {key} = {example} under "
                      f"[channels.{self.name}]")
        return value

    def url(self, key: str) -> str:
        value = self.text(key).rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            self.fail(f"{key} = {value!r} is not an http:// or https:// URL")
        return value

    def number(self, key: str, default: float, kind: type) -> Any:
        value = self.entry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.fail(f"{key} must be a positive number, not {value!r}")
        return kind(value)

    def fail(self, problem: str) -> NoReturn:
        raise ConfigError(f"channel {self.name!r} in {self.file}: {problem}",
                          channel=self.name, file=self.file)
