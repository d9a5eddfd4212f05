"""Image servers against real servers: upload, exists, delete, refused logins, servers down."""

from __future__ import annotations

import logging

import httpx
import pytest

from server.errors import ConfigError
from server.images.errors import ImageLoginRefused, ImageServerDown, ImageServerError
from server.images.servers import ImagesConfig
from tests.images.conftest import PASSWORD, USER, free_port, png

KINDS = ["local", "ftp", "ftps", "sftp", "s3"]


def server_toml(kind: str, request: pytest.FixtureRequest, *, password: str | None = None,
                port: int | None = None) -> str:
    """The [images.NAME] table (named after the kind) for the kind's test server."""
    secret = f'"{password}"' if password else '"${secret:image_password}"'
    if kind == "local":
        folder = request.getfixturevalue("http_folder")
        return (f'[images.local]\nfolder = "{folder.root / "img"}"\n'
                f'public_url = "{folder.public_url}img/"\n')
    if kind == "s3":
        endpoint = request.getfixturevalue("s3_server")
        bucket = request.getfixturevalue("s3_bucket")
        if port:
            endpoint = f"http://127.0.0.1:{port}"
        return (f'[images.s3]\nkind = "s3"\nbucket = "{bucket}"\nprefix = "img"\n'
                f'endpoint_url = "{endpoint}"\nregion = "us-east-1"\ntimeout = 3\n'
                f'access_key_id = "testing"\nsecret_access_key = {secret}\n'
                'acl = "public-read"\n')
    running = request.getfixturevalue(f"{kind}_server")
    extra = "".join(f'{key} = "{value}"\n' for key, value in running.extra.items())
    return (f'[images.{kind}]\nkind = "{kind}"\nhost = "127.0.0.1"\n'
            f"port = {port or running.port}\nuser = \"{USER}\"\npassword = {secret}\n"
            f'folder = "img"\npublic_url = "{running.public_url}img/"\ntimeout = 5\n{extra}')


def open_server(kind: str, request: pytest.FixtureRequest, make_instance, **options):
    instance = make_instance(server_toml(kind, request, **options))
    return ImagesConfig.from_instance(instance).open(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_upload_exists_delete(kind: str, request, make_instance) -> None:
    with open_server(kind, request, make_instance) as server:
        assert server.kind == kind
        assert not server.exists("A-1-0-abc.png")
        server.upload("A-1-0-abc.png", png(1), "image/png")
        server.upload("A-1-0-abc.png", png(2), "image/png")  # replaces it
        assert server.exists("A-1-0-abc.png")
        response = httpx.get(server.url("A-1-0-abc.png"))
        assert response.status_code == 200
        assert response.content == png(2)
        assert response.headers["content-type"] == "image/png"
        server.delete("A-1-0-abc.png")
        server.delete("A-1-0-abc.png")  # gone already: no error
        assert not server.exists("A-1-0-abc.png")
        assert PASSWORD not in server.where


@pytest.mark.parametrize("kind", ["ftp", "sftp"])
def test_uploads_leave_no_temporary_files(kind: str, request, make_instance) -> None:
    with open_server(kind, request, make_instance) as server:
        for n in range(3):
            server.upload(f"x{n}.png", png(n), "image/png")
    root = request.getfixturevalue(f"{kind}_server").root / "img"
    assert sorted(p.name for p in root.iterdir()) == ["x0.png", "x1.png", "x2.png"]


@pytest.mark.parametrize("kind", ["ftp", "ftps", "sftp"])
def test_refused_login_is_clear_and_keeps_the_password_out(
        kind: str, request, make_instance, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "pw-Falsch-4242"
    instance = make_instance(server_toml(kind, request).replace(
        '"${secret:image_password}"', '"${secret:wrong_password}"'))
    secrets = instance.home / "secrets.toml"
    secrets.write_text(secrets.read_text() + f'wrong_password = "{wrong}"\n')
    with ImagesConfig.from_instance(instance).open(kind) as server:
        with pytest.raises(ImageLoginRefused) as caught:
            server.upload("a.png", png(), "image/png")
    error = caught.value
    assert not error.retryable
    assert f"image server {kind} ({kind}://{USER}@127.0.0.1:" in str(error)
    assert "login refused" in str(error)
    for text in (str(error), repr(error.context), caplog.text):
        assert wrong not in text and PASSWORD not in text


def test_refused_s3_key_is_a_login_error(request, make_instance) -> None:
    # moto takes any key unless told otherwise; a bucket of another region is enough to
    # see a refusal that is not retryable and names the server.
    with open_server("s3", request, make_instance) as server:
        server.bucket = "no-such-bucket-here"
        with pytest.raises(ImageServerError) as caught:
            server.upload("a.png", png(), "image/png")
    assert "does not exist" in str(caught.value)
    assert not caught.value.retryable
    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize("kind", ["ftp", "ftps", "sftp", "s3"])
def test_server_down_is_retryable(kind: str, request, make_instance,
                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with open_server(kind, request, make_instance, port=free_port()) as server:
        with pytest.raises(ImageServerDown) as caught:
            server.exists("a.png")
    assert caught.value.retryable
    assert f"image server {kind} (" in str(caught.value)
    assert PASSWORD not in str(caught.value) and PASSWORD not in caplog.text


def test_ftps_refuses_an_untrusted_certificate(request, make_instance) -> None:
    toml = server_toml("ftps", request)
    toml = "\n".join(line for line in toml.splitlines() if not line.startswith("ca_file"))
    with ImagesConfig.from_instance(make_instance(toml)).open("ftps") as server:
        with pytest.raises(ImageServerError, match="certificate is not trusted") as caught:
            server.exists("a.png")
    assert not caught.value.retryable


def test_sftp_refuses_an_unknown_host_key(request, make_instance, tmp_path) -> None:
    (tmp_path / "empty_known_hosts").write_text("")
    toml = server_toml("sftp", request).replace(
        str(request.getfixturevalue("sftp_server").extra["known_hosts"]),
        str(tmp_path / "empty_known_hosts"))
    with ImagesConfig.from_instance(make_instance(toml)).open("sftp") as server:
        with pytest.raises(ImageServerError, match="host key is not trusted") as caught:
            server.exists("a.png")
    assert not caught.value.retryable


def test_configuration(make_instance, tmp_path) -> None:
    instance = make_instance('[images]\nsource_folder = "erp/bilder"\nserver = "web"\n'
                             'max_bytes = 5000\n\n[images.web]\nkind = "ftp"\nhost = "h"\n'
                             '\n[images.other]\nkind = "sftp"\nhost = "h"\nuser = "u"\n',
                             channel_server="other")
    config = ImagesConfig.from_instance(instance)
    assert config.source_folder == (instance.home / "erp" / "bilder").resolve()
    assert config.max_bytes == 5000
    assert config.server_for("amazon-fr") == "web"
    assert config.server_for("amazon-de") == "other"
    assert config.open("web").kind == "ftp"
    local = config.open("local")  # the default, when not configured
    assert local.kind == "local"
    assert str(local.where) == str(instance.home / "images" / "public")
    with pytest.raises(ConfigError, match="public_url is not set"):
        local.url("a.png")
    with pytest.raises(ConfigError, match=r"image server 'wbe' is not configured \(did you "):
        config.open("wbe")


def test_configuration_errors(make_instance) -> None:
    config = ImagesConfig.from_instance(make_instance(
        '[images.a]\nkind = "ftpx"\n[images.b]\nkind = "ftp"\n[images.c]\nkind = "ftp"\n'
        'host = "h"\nport = "21"\n'))
    with pytest.raises(ConfigError, match="unknown .*did you mean 'ftp"):
        config.open("a")
    with pytest.raises(ConfigError, match=r"\[images.b\] host is not set"):
        config.open("b")
    with pytest.raises(ConfigError, match="must be a positive number"):
        config.open("c")


def test_a_password_written_in_the_config_is_warned_about(make_instance, caplog) -> None:
    config = ImagesConfig.from_instance(make_instance(
        '[images.web]\nkind = "ftp"\nhost = "h"\npassword = "plain-text-pw"\n'))
    with caplog.at_level(logging.WARNING):
        config.open("web")
    assert "put it in secrets.toml" in caplog.text
    assert "plain-text-pw" not in caplog.text
