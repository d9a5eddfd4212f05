"""The image commands: serve the local image folder, check an image server."""

from __future__ import annotations

import secrets

import click

from server.cli import EXIT_FAILED
from server.cli.common import load_instance

# A 1x1 transparent GIF: the probe file of `images check`.
PROBE = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c0000000001"
                      "0001000002024401003b")


@click.group("images")
def images_group() -> None:
    """Put article images where Amazon can download them."""


@images_group.command("serve")
@click.argument("name", required=False)
@click.option("--port", default=8090, show_default=True, help="The port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on (0.0.0.0: every interface).")
@click.pass_context
def serve_command(ctx: click.Context, name: str | None, port: int, host: str) -> None:
    """Serve the folder of a local image server over HTTP (read-only) until stopped.

    NAME is an [images.NAME] table of kind "local" [default: the default image server].
    Put it behind the web server that answers at its public_url.
    """
    from server.images.http import serve_folder
    from server.images.servers import ImagesConfig, LocalServer

    config = ImagesConfig.from_instance(load_instance(ctx))
    server = config.open(name or config.default_server)
    if not isinstance(server, LocalServer):
        raise click.UsageError(f"image server {server.name} is of kind {server.kind!r}; "
                               "only a local one can be served")
    served = serve_folder(server.folder, port=port, host=host)
    click.echo(f"serving {server.folder} at {served.url} (Ctrl+C stops)")
    try:
        served.wait()
    finally:
        served.close()


@images_group.command("check")
@click.argument("name", required=False)
@click.pass_context
def check_command(ctx: click.Context, name: str | None) -> None:
    """Check image server NAME: upload a small probe file, fetch its URL, delete it.

    NAME is an [images.NAME] table [default: the default image server].
    """
    import httpx

    from server.images.servers import ImagesConfig
    from server.images.upload import url_problem

    config = ImagesConfig.from_instance(load_instance(ctx))
    probe = f"synccenter-probe-{secrets.token_hex(4)}.gif"
    with config.open(name or config.default_server) as server:
        url = server.url(probe)
        click.echo(f"{server.name}: kind {server.kind}, {server.where}")
        click.echo(f"  public URL: {server.public_url}")
        server.upload(probe, PROBE, "image/gif")
        try:
            if not server.exists(probe):
                click.echo(f"  uploaded {probe}, but the server does not list it", err=True)
                raise SystemExit(EXIT_FAILED)
            click.echo(f"  upload:     ok ({probe})")
            with httpx.Client(timeout=15, follow_redirects=True) as client:
                problem = url_problem(url, client)
        finally:
            server.delete(probe)
    if problem:
        click.echo(f"  public URL: {problem}; check public_url", err=True)
        raise SystemExit(EXIT_FAILED)
    click.echo(f"  public URL: ok ({url})")
    click.echo("  probe deleted")


COMMANDS = [images_group]
