"""The channel commands: check that a channel's SP-API settings work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from server.cli import EXIT_FAILED
from server.cli.common import load_instance

if TYPE_CHECKING:  # imported on use: the other commands need not load httpx
    from server.amazon.spapi.channel import ChannelConfig
    from server.amazon.spapi.client import SpApiClient
    from server.amazon.spapi.errors import SpApiError


@click.group("channel")
def channel_group() -> None:
    """Check the sales channels of the instance."""


@channel_group.command("check")
@click.argument("name")
@click.pass_context
def check_command(ctx: click.Context, name: str) -> None:
    """Check channel NAME: its settings, its credentials and its marketplace.

    Asks Login with Amazon for an access token, then asks the Sellers API in which
    marketplaces the seller takes part. Exits with 1 and says what is wrong when a step
    fails.
    """
    from server.amazon.spapi.channel import ChannelConfig

    instance = load_instance(ctx)
    config = ChannelConfig.from_instance(instance, name)
    if not config.remote:
        outbox = instance.folder("outbox")
        click.echo(f"{name}: file mode, nothing to check: Sync-Center talks to no API for "
                   f"this channel. Exports are written as files under {outbox} (the "
                   f"actions usually use {outbox / name}); upload them in Seller Central.")
        return
    click.echo(f"{name}: mode {config.mode}, marketplace {config.marketplace}, "
               f"region {config.region}")
    click.echo(f"  API:           {config.api_url}")
    click.echo(f"  token service: {config.token_url}")
    if not _check(config):
        raise SystemExit(EXIT_FAILED)


def _check(config: ChannelConfig) -> bool:
    from server.amazon.spapi.client import SpApiClient
    from server.amazon.spapi.errors import SpApiAuthError, SpApiError
    from server.amazon.spapi.marketplaces import TOKEN_URL

    with SpApiClient(config, max_attempts=2, timeout=15) as client:
        try:
            client.auth.token()
        except SpApiAuthError as exc:
            return _fail(f"credentials: {exc}")
        except SpApiError as exc:
            hint = "" if config.token_url == TOKEN_URL else f" (Amazon's is {TOKEN_URL})"
            return _fail(f"credentials: {exc}{hint}")
        click.echo("ok    credentials: Login with Amazon issued an access token")
        try:
            participations = _participations(client)
        except SpApiError as exc:
            return _fail(_api_problem(config, exc))
    return _marketplace(config, participations)


def _participations(client: SpApiClient) -> list[dict[str, Any]]:
    from server.amazon.spapi.sellers import Sellers

    return Sellers(client).marketplace_participations()


def _api_problem(config: ChannelConfig, exc: SpApiError) -> str:
    status = exc.context.get("status")
    if status is None:
        return (f"API: cannot reach the SP-API at {config.api_url}: {exc}. Check region "
                f"(marketplace {config.marketplace.country} is in region "
                f"{config.marketplace.region}), api_url and the network.")
    if status in (401, 403):
        return (f"API: Amazon refused the request at {config.api_url}: {exc}. Check that "
                f"the app was authorised by this seller and has the Selling Partner "
                f"Insights role, and that api_url is the host of region {config.region}.")
    return f"API: {exc}"


def _marketplace(config: ChannelConfig, participations: list[dict[str, Any]]) -> bool:
    wanted = config.marketplace_id
    countries = sorted({str((p.get("marketplace") or {}).get("countryCode", "?"))
                        for p in participations})
    entry = next((p for p in participations
                  if (p.get("marketplace") or {}).get("id") == wanted), None)
    if entry is None:
        return _fail(
            f"marketplace: the app is not authorised for {config.marketplace}: the seller "
            f"takes part in {', '.join(countries) or 'no marketplace'} through this app. "
            f"Authorise the app for {config.marketplace.country} in Seller Central, or "
            f"correct marketplace in [channels.{config.name}].")
    participation = entry.get("participation") or {}
    if not participation.get("isParticipating"):
        return _fail(f"marketplace: the seller does not take part in {config.marketplace} "
                     "(isParticipating is false); the account is not active there.")
    store = entry.get("storeName") or "?"
    click.echo(f"ok    marketplace: {config.marketplace}, store {store!r}")
    if participation.get("hasSuspendedListings"):
        click.echo(f"note  the seller has suspended listings in {config.marketplace}; see "
                   "Seller Central.")
    return True


def _fail(message: str) -> bool:
    click.echo(f"FAIL  {message}")
    return False


COMMANDS = [channel_group]
