"""``synccenter channel check NAME`` against a local fake Amazon."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from server.cli import main
from tests.amazon.test_client_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    LocalServer,
    Seen,
    reply,
)

DE = "A1PA6795UKMFR9"


def participations(*countries: tuple[str, str]):
    payload = [{"marketplace": {"id": mid, "countryCode": cc, "name": f"Amazon {cc}"},
                "participation": {"isParticipating": True, "hasSuspendedListings": False},
                "storeName": "Demo Store"} for cc, mid in countries]
    return lambda seen: reply(200, {"payload": payload})


def write_instance(home: Path, api_url: str, mode: str = "sp-api") -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "synccenter.toml").write_text(f"""
[channels.amazon-de]
marketplace = "DE"
seller_id = "A2DEMOSELLER1"
mode = "{mode}"
api_url = "{api_url}"
token_url = "{api_url}/auth/o2/token"
client_id = "{CLIENT_ID}"
client_secret = "${{secret:lwa_client_secret}}"
refresh_token = "${{secret:amazon_de_refresh_token}}"
""", encoding="utf-8")
    secrets = home / "secrets.toml"
    secrets.write_text(f'[secrets]\nlwa_client_secret = "{CLIENT_SECRET}"\n'
                       f'amazon_de_refresh_token = "{REFRESH_TOKEN}"\n', encoding="utf-8")
    os.chmod(secrets, 0o600)


def check(home: Path, name: str = "amazon-de") -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--instance", str(home), "channel", "check", name])
    return result.exit_code, result.output


def test_check_passes_when_token_and_participation_are_fine(tmp_path: Path) -> None:
    with LocalServer(participations(("DE", DE), ("FR", "A13V1IB3VIYZZH"))) as server:
        write_instance(tmp_path, server.base_url)
        code, output = check(tmp_path)
    assert code == 0, output
    assert "ok    credentials" in output and "ok    marketplace: DE" in output
    assert CLIENT_SECRET not in output and REFRESH_TOKEN not in output


def test_refused_refresh_token_is_explained(tmp_path: Path) -> None:
    refused = reply(400, {"error": "invalid_grant", "error_description": "expired"})
    with LocalServer(participations(("DE", DE)), token_answers=[refused]) as server:
        write_instance(tmp_path, server.base_url)
        code, output = check(tmp_path)
    assert code == 1
    assert "refresh token was refused" in output and "Seller Central" in output
    assert not server.requests  # no API call without a token


def test_missing_participation_says_the_app_is_not_authorised(tmp_path: Path) -> None:
    with LocalServer(participations(("FR", "A13V1IB3VIYZZH"))) as server:
        write_instance(tmp_path, server.base_url)
        code, output = check(tmp_path)
    assert code == 1
    assert "not authorised for DE (A1PA6795UKMFR9)" in output and "FR" in output


def test_unreachable_api_points_at_region_and_url(tmp_path: Path) -> None:
    with LocalServer(participations(("DE", DE))) as server:
        write_instance(tmp_path, server.base_url)
        text = (tmp_path / "synccenter.toml").read_text()
        (tmp_path / "synccenter.toml").write_text(
            text.replace(f'api_url = "{server.base_url}"', 'api_url = "http://127.0.0.1:9"'))
        code, output = check(tmp_path)
    assert code == 1
    assert "cannot reach the SP-API at http://127.0.0.1:9" in output and "region" in output


def test_api_refusal_is_explained(tmp_path: Path) -> None:
    denied = reply(403, {"errors": [{"code": "Unauthorized", "message":
                                     "Access to requested resource is denied."}]})

    def app(seen: Seen):
        return denied

    with LocalServer(app) as server:
        write_instance(tmp_path, server.base_url)
        code, output = check(tmp_path)
    assert code == 1 and "Access to requested resource is denied" in output
    assert "authorised" in output


def test_file_mode_has_nothing_to_check(tmp_path: Path) -> None:
    write_instance(tmp_path, "http://127.0.0.1:9", mode="file")
    code, output = check(tmp_path)
    assert code == 0 and "nothing to check" in output
    assert str(tmp_path.resolve() / "outbox") in output


def test_configuration_problem_exits_1(tmp_path: Path) -> None:
    write_instance(tmp_path, "http://127.0.0.1:9")
    code, output = check(tmp_path, "amazon-fr")
    assert code == 1 and "amazon-fr" in output and "amazon-de" in output
