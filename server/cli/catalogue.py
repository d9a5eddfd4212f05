"""The catalogue commands: categories, product types, assignments and overrides.

Each command works on one channel's marketplace: ``--channel NAME``, or the first channel
of the instance.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from server.cli.common import load_instance, open_store, table
from server.errors import ConfigError

if TYPE_CHECKING:
    from server.catalogue.catalogue import Catalogue
    from server.config import Instance

CHANNEL_HELP = "The channel whose marketplace is meant [default: the first channel]."


def _channel(instance: Instance, name: str | None) -> str:
    channels = instance.settings.get("channels", {})
    if name is None:
        if not channels:
            raise ConfigError(f"no channel is configured; add a [channels.NAME] table to "
                              f"{instance.config_file}", file=str(instance.config_file))
        return next(iter(channels))
    return name


@contextmanager
def _catalogue(ctx: click.Context, channel: str | None) -> Iterator[tuple[Catalogue, str, str]]:
    """(catalogue, channel name, marketplace id) of the instance, the store closed after."""
    from server.amazon.spapi.channel import ChannelConfig
    from server.catalogue.catalogue import Catalogue

    instance = load_instance(ctx)
    name = _channel(instance, channel)
    marketplace_id = ChannelConfig.from_instance(instance, name).marketplace_id
    store = open_store(instance)
    try:
        yield Catalogue(store), name, marketplace_id
    finally:
        store.close()


def _skus(sku: str | None, select: str | None) -> list[str]:
    from server.engine.selection import read_keys

    if bool(sku) == bool(select):
        raise click.UsageError("give the articles with --sku A,B,... or --select FILE.csv "
                               "(one of them)")
    if select:
        return sorted(read_keys(select).keys)
    skus = [part.strip() for part in (sku or "").split(",") if part.strip()]
    if not skus:
        raise click.UsageError(f"--sku {sku!r} names no article")
    return skus


# -- categories --------------------------------------------------------------------------------

@click.group("categories")
def categories_group() -> None:
    """Import and search the category trees of the marketplaces."""


@categories_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--channel", help=CHANNEL_HELP)
@click.option("--product-type", "product_type", metavar="NAME",
              help="Category workbooks: the product type, when the workbook does not say.")
@click.pass_context
def categories_import(ctx: click.Context, file: str, channel: str | None,
                      product_type: str | None) -> None:
    """Import FILE: a Browse Tree Guide (.xls, .xlsx) or a category workbook (.xlsx, .xlsm).

    A guide's category sheets become the marketplace's category tree (a new import
    updates it). A category workbook (it has a Template sheet) becomes a product type,
    and the categories of its Browse Data sheet are linked to it.
    """
    from server.catalogue.workbooks import import_workbook

    with _catalogue(ctx, channel) as (catalogue, _name, marketplace_id):
        report = import_workbook(catalogue, file, marketplace_id, product_type=product_type)
    for line in report.lines():
        click.echo(line)


@categories_group.command("search")
@click.argument("text")
@click.option("--channel", help=CHANNEL_HELP)
@click.option("--limit", default=50, show_default=True, help="At most this many categories.")
@click.pass_context
def categories_search(ctx: click.Context, text: str, channel: str | None, limit: int) -> None:
    """Show the categories whose path holds every word of TEXT (or whose node id is TEXT)."""
    with _catalogue(ctx, channel) as (catalogue, _name, marketplace_id):
        found = catalogue.search_categories(marketplace_id, text, limit=limit)
        total = catalogue.category_count(marketplace_id)
    if not found:
        hint = "" if total else "; import a Browse Tree Guide first"
        click.echo(f"no category of marketplace {marketplace_id} matches {text!r}{hint}")
        return
    click.echo(table(["NODE", "PATH", "PRODUCT TYPE"],
                     [[c.node_id, c.path, c.product_type or ""] for c in found], width=100))
    if len(found) == limit:
        click.echo(f"(first {limit}; --limit N shows more)")


# -- product types -----------------------------------------------------------------------------

@click.group("product-types")
def product_types_group() -> None:
    """Import and list the product types (their JSON schemas) of the marketplaces."""


@product_types_group.command("import")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--api", "names", multiple=True, metavar="NAME",
              help="Fetch product type NAME from the Product Type Definitions API "
                   "(repeatable).")
@click.option("--name", help="With FILE: the product type's name, when the file does not "
                             "say.")
@click.option("--locale", help="With --api: the language of titles and descriptions "
                               "(de_DE...).")
@click.option("--channel", help=CHANNEL_HELP)
@click.pass_context
def product_types_import(ctx: click.Context, file: str | None, names: tuple[str, ...],
                         name: str | None, locale: str | None, channel: str | None) -> None:
    """Import a product type from a JSON schema FILE, or from the API with --api NAME.

    Categories whose guide query names an item type keyword of the schema are linked to
    the product type.
    """
    from server.catalogue import product_types

    if bool(file) == bool(names):
        raise click.UsageError("give a JSON schema FILE or --api NAME (one of them)")
    with _catalogue(ctx, channel) as (catalogue, channel_name, marketplace_id):
        if file:
            reports = [product_types.import_schema_file(catalogue, file, marketplace_id,
                                                        name)]
        else:
            from server.amazon.spapi.channel import ChannelConfig
            from server.amazon.spapi.client import SpApiClient

            config = ChannelConfig.from_instance(load_instance(ctx), channel_name)
            with SpApiClient(config) as client:
                reports = product_types.import_from_api(catalogue, client, names,
                                                        locale=locale)
    for report in reports:
        for line in report.lines():
            click.echo(line)


@product_types_group.command("list")
@click.option("--channel", help=CHANNEL_HELP)
@click.pass_context
def product_types_list(ctx: click.Context, channel: str | None) -> None:
    """List the product types imported for the channel's marketplace."""
    with _catalogue(ctx, channel) as (catalogue, _name, marketplace_id):
        infos = catalogue.product_types(marketplace_id)
    if not infos:
        click.echo(f"no product types imported for marketplace {marketplace_id}")
        return
    click.echo(table(["NAME", "DISPLAY NAME", "VERSION", "SOURCE", "IMPORTED"],
                     [[i.name, i.display_name, i.version, i.source,
                       i.imported_at.astimezone().strftime("%Y-%m-%d %H:%M")]
                      for i in infos]))


# -- assignments and overrides -----------------------------------------------------------------

@click.command("assign")
@click.option("--category", "node_id", metavar="NODE", help="The category's node id.")
@click.option("--product-type", "product_type", metavar="NAME",
              help="The product type [default: the one linked to the category].")
@click.option("--sku", metavar="A,B,...", help="The articles, separated by commas.")
@click.option("--select", type=click.Path(dir_okay=False), metavar="FILE.csv",
              help="The articles: the keys in the first column of a CSV file.")
@click.option("--channel", help=CHANNEL_HELP)
@click.pass_context
def assign_command(ctx: click.Context, node_id: str | None, product_type: str | None,
                   sku: str | None, select: str | None, channel: str | None) -> None:
    """Assign a category and/or a product type to articles.

    Given only --category, the articles take the product type linked to the category.
    """
    if node_id is None and product_type is None:
        raise click.UsageError("give --category NODE or --product-type NAME")
    skus = _skus(sku, select)
    with _catalogue(ctx, channel) as (catalogue, _name, marketplace_id):
        count = catalogue.assign(marketplace_id, skus, node_id=node_id,
                                 product_type=product_type, by="cli")
        category = catalogue.category(marketplace_id, node_id) if node_id else None
    ptype = product_type or (category.product_type if category else None)
    parts = [f"category {node_id} ({category.path})"] if category else []
    parts += [f"product type {ptype}"] if ptype else []
    what = " and ".join(parts)
    click.echo(f"{_articles(count)} assigned to {what} on marketplace {marketplace_id}")
    if not ptype:
        click.echo(f"note: category {node_id} has no product type yet; import its category "
                   f"workbook or the product type, or give --product-type")


@click.command("override")
@click.argument("attribute")
@click.argument("value", required=False)
@click.option("--clear", is_flag=True, help="Remove the attribute's override instead.")
@click.option("--sku", metavar="A,B,...", help="The articles, separated by commas.")
@click.option("--select", type=click.Path(dir_okay=False), metavar="FILE.csv",
              help="The articles: the keys in the first column of a CSV file.")
@click.option("--channel", help=CHANNEL_HELP)
@click.pass_context
def override_command(ctx: click.Context, attribute: str, value: str | None, clear: bool,
                     sku: str | None, select: str | None, channel: str | None) -> None:
    """Set ATTRIBUTE to VALUE for articles, over what the mapping gives (or --clear it).

    VALUE is read as JSON when it is JSON (42, true, [{"value": "Rot"}], "text"), else
    taken as text.
    """
    if clear == (value is not None):
        raise click.UsageError("give a VALUE, or --clear without one")
    skus = _skus(sku, select)
    with _catalogue(ctx, channel) as (catalogue, _name, marketplace_id):
        if clear:
            count = catalogue.clear_override(marketplace_id, skus, attribute)
            click.echo(f"override of {attribute} removed from {_articles(count)} on "
                       f"marketplace {marketplace_id}")
            return
        parsed = _value(value or "")
        count = catalogue.set_overrides(marketplace_id, skus, attribute, parsed, by="cli")
    click.echo(f"{attribute} = {json.dumps(parsed, ensure_ascii=False)} set for "
               f"{_articles(count)} on marketplace {marketplace_id}")


def _articles(count: int) -> str:
    return f"{count} article" if count == 1 else f"{count} articles"


def _value(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


COMMANDS = [categories_group, product_types_group, assign_command, override_command]
