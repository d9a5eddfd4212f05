"""The images commands: check an image server, serve the local image folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner

from server.cli import main
from tests.images.conftest import PASSWORD, free_port, png
from tests.images.test_servers import server_toml


def cli(home, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--instance", str(home), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("kind", ["local", "ftp", "sftp", "s3"])
def test_check_uploads_fetches_and_deletes_a_probe(kind: str, request, make_instance) -> None:
    instance = make_instance(server_toml(kind, request))
    code, output = cli(instance.home, "images", "check", kind)
    assert code == 0, output
    assert "upload:     ok (synccenter-probe-" in output
    assert "public URL: ok (http://127.0.0.1:" in output
    assert "probe deleted" in output
    assert PASSWORD not in output
    if kind in ("ftp", "sftp"):
        root = request.getfixturevalue(f"{kind}_server").root / "img"
        assert list(root.iterdir()) == []


def test_check_reports_a_wrong_public_url(make_instance, http_folder) -> None:
    instance = make_instance(f'[images.local]\nfolder = "pub"\n'
                             f'public_url = "{http_folder.public_url}"\n')
    code, output = cli(instance.home, "images", "check")
    assert code == 1
    assert "answered HTTP 404; check public_url" in output


def test_check_reports_a_refused_login_without_the_password(request, make_instance) -> None:
    toml = server_toml("ftp", request).replace("${secret:image_password}", "${secret:other}")
    instance = make_instance(toml)
    (instance.home / "secrets.toml").write_text('[secrets]\nother = "pw-Other-99"\n')
    code, output = cli(instance.home, "images", "check", "ftp")
    assert code == 1
    assert "error: image server ftp (ftp://shop@127.0.0.1:" in output
    assert "login refused" in output and "pw-Other-99" not in output


def test_serve_serves_the_local_folder(make_instance) -> None:
    instance = make_instance('[images.local]\nfolder = "pub"\n')
    (instance.home / "pub").mkdir()
    (instance.home / "pub" / "a.png").write_bytes(png(3))
    port = free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from server.cli import main; main()", "--instance",
         str(instance.home), "images", "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        response = None
        for _ in range(100):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/a.png")
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert response is not None and response.status_code == 200
        assert response.content == png(3)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"at http://127.0.0.1:{port}/" in output


def test_serve_refuses_a_remote_server(request, make_instance) -> None:
    instance = make_instance(server_toml("ftp", request))
    code, output = cli(instance.home, "images", "serve", "ftp")
    assert code == 2
    assert "only a local one can be served" in output
