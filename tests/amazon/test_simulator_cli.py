"""``synccenter marketplace-sim``: prints where it listens and the credentials, stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import httpx

COMMAND = [sys.executable, "-c", "from server.cli import main; main()", "marketplace-sim"]


def _start(*args: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SYNCCENTER_")}
    return subprocess.Popen([*COMMAND, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_serves_until_sigterm() -> None:
    process = _start("--port", "0", "--seed", "3")
    try:
        banner = [process.stdout.readline() for _ in range(8)]  # type: ignore[union-attr]
        base_url = banner[0].split(" at ")[1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert f"token URL      {base_url}/auth/o2/token" in banner[1]
        assert "amzn1.application-oa2-client.sim" in banner[2] and "sim-secret" in banner[3]
        assert "Atzr|sim-refresh" in banner[4] and "A2DEMOSELLER1" in banner[5]
        token = httpx.post(base_url + "/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": "Atzr|sim-refresh",
            "client_id": "amzn1.application-oa2-client.sim", "client_secret": "sim-secret"})
        assert token.status_code == 200
        sellers = httpx.get(base_url + "/sellers/v1/marketplaceParticipations",
                            headers={"x-amz-access-token": token.json()["access_token"]})
        assert sellers.status_code == 200
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        assert "simulator stopped" in err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = _start("--port", str(port))
        _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in err
