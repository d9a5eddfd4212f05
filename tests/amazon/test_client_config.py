"""Reading ``[channels.NAME]`` into a ChannelConfig: modes, marketplaces, secrets, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.amazon.spapi.channel import SIMULATOR_URL, ChannelConfig
from server.amazon.spapi.marketplaces import find_marketplace
from server.config import Instance
from server.errors import ConfigError

SP_API = """
[channels.amazon-de]
name = "Amazon DE"
marketplace = "DE"
seller_id = "A2DEMOSELLER1"
currency = "EUR"
mode = "sp-api"
client_id = "amzn1.application-oa2-client.abc"
client_secret = "${secret:lwa_client_secret}"
refresh_token = "${secret:amazon_de_refresh_token}"
"""


def load(tmp_path: Path, config: str, secrets: str | None = None) -> Instance:
    (tmp_path / "synccenter.toml").write_text(config, encoding="utf-8")
    if secrets is not None:
        path = tmp_path / "secrets.toml"
        path.write_text("[secrets]\n" + secrets, encoding="utf-8")
        os.chmod(path, 0o600)
    return Instance.load(tmp_path)


def test_sp_api_channel_reads_secrets_from_secrets_toml_and_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = load(tmp_path, SP_API, 'lwa_client_secret = "from-file"\n')
    monkeypatch.setenv("SYNCCENTER_SECRET_AMAZON_DE_REFRESH_TOKEN", "Atzr|from-env")
    config = ChannelConfig.from_instance(instance, "amazon-de")
    assert config.mode == "sp-api"
    assert config.marketplace_id == "A1PA6795UKMFR9"
    assert config.region == "eu"
    assert config.api_url == "https://sellingpartnerapi-eu.amazon.com"
    assert config.token_url == "https://api.amazon.com/auth/o2/token"
    assert config.client_secret == "from-file"
    assert config.refresh_token == "Atzr|from-env"
    assert "from-file" not in repr(config) and "from-env" not in repr(config)


def test_missing_credential_names_the_key_and_the_file(tmp_path: Path) -> None:
    text = SP_API.replace('client_id = "amzn1.application-oa2-client.abc"\n', "")
    instance = load(tmp_path, text, 'lwa_client_secret = "x"\namazon_de_refresh_token = "y"\n')
    with pytest.raises(ConfigError) as caught:
        ChannelConfig.from_instance(instance, "amazon-de")
    assert "client_id" in str(caught.value)
    assert str(tmp_path / "synccenter.toml") in str(caught.value)


def test_missing_secret_names_the_secret(tmp_path: Path) -> None:
    instance = load(tmp_path, SP_API, 'lwa_client_secret = "x"\n')
    with pytest.raises(ConfigError, match="amazon_de_refresh_token"):
        ChannelConfig.from_instance(instance, "amazon-de")


def test_file_mode_needs_no_credentials_even_with_unset_secrets(tmp_path: Path) -> None:
    instance = load(tmp_path, SP_API.replace('mode = "sp-api"', 'mode = "file"'))
    config = ChannelConfig.from_instance(instance, "amazon-de")
    assert config.mode == "file" and not config.remote
    assert config.client_secret == ""


def test_simulator_mode_defaults_to_the_local_simulator(tmp_path: Path) -> None:
    instance = load(tmp_path, '[channels.sim]\nmarketplace = "FR"\nmode = "simulator"\n')
    config = ChannelConfig.from_instance(instance, "sim")
    assert config.api_url == SIMULATOR_URL
    assert config.token_url == SIMULATOR_URL + "/auth/o2/token"
    assert config.client_id == "amzn1.application-oa2-client.sim"
    assert config.refresh_token == "Atzr|sim-refresh"


def test_overridden_urls_and_marketplace_by_id(tmp_path: Path) -> None:
    text = ('[channels.us]\nmarketplace = "ATVPDKIKX0DER"\nmode = "simulator"\n'
            'api_url = "http://127.0.0.1:9999/"\ntoken_url = "http://127.0.0.1:9998/t"\n')
    config = ChannelConfig.from_instance(load(tmp_path, text), "us")
    assert config.marketplace.country == "US" and config.region == "na"
    assert config.api_url == "http://127.0.0.1:9999"
    assert config.token_url == "http://127.0.0.1:9998/t"


@pytest.mark.parametrize("lines, words", [
    ('marketplace = "XX"', "XX"),
    ('marketplace = "DE"\nmarketplace_id = "A13V1IB3VIYZZH"', "agree"),
    ('marketplace = "DE"\nregion = "na"', "served by the eu region"),
    ('marketplace = "DE"\nregion = "mars"', "eu, na, fe"),
    ('marketplace = "DE"\nmode = "ftp"', "mode"),
    ('seller_id = "X"', "needs marketplace"),
    ('marketplace = "DE"\nmode = "simulator"\napi_url = "ftp://x"', "api_url"),
    ('marketplace = "DE"\nmax_attempts = 0', "max_attempts"),
])
def test_bad_settings_are_named(tmp_path: Path, lines: str, words: str) -> None:
    instance = load(tmp_path, f"[channels.c]\n{lines}\n")
    with pytest.raises(ConfigError, match=words):
        ChannelConfig.from_instance(instance, "c")


def test_unknown_channel_lists_the_configured_ones(tmp_path: Path) -> None:
    instance = load(tmp_path, SP_API)
    with pytest.raises(ConfigError, match="amazon-de"):
        ChannelConfig.from_instance(instance, "amazon-fr")


def test_plain_text_secret_is_warned_about_but_never_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = SP_API.replace('"${secret:lwa_client_secret}"', '"plain-secret-77"')
    instance = load(tmp_path, text, 'amazon_de_refresh_token = "y"\n')
    ChannelConfig.from_instance(instance, "amazon-de")
    assert "client_secret" in caplog.text and "plain text" in caplog.text
    assert "plain-secret-77" not in caplog.text


def test_marketplace_table() -> None:
    assert find_marketplace("gb") == find_marketplace("UK")
    assert find_marketplace("A1PA6795UKMFR9").country == "DE"
    assert find_marketplace("JP").region == "fe"
    assert find_marketplace("nowhere") is None
