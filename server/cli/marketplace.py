"""The ``marketplace-sim`` command: a local stand-in for Amazon's Selling Partner API."""

from __future__ import annotations

import signal
import threading

import click

from server.errors import SyncCenterError

DEFAULT_PORT = 8777


@click.command("marketplace-sim")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep the loopback address unless another "
                   "machine must reach the simulator.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the simulated orders and ids; the same seed gives the same "
                   "data.")
@click.option("--fault-rate", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
              help="Share of API requests answered with 429, 500, 503 or a long delay.")
@click.option("--fault-delay", type=click.FloatRange(0.0, 600.0), default=30.0,
              show_default=True, help="Seconds a delayed answer waits.")
@click.option("--no-throttle", is_flag=True,
              help="Do not enforce Amazon's per-operation rate limits.")
def marketplace_sim(port: int, host: str, seed: int, fault_rate: float, fault_delay: float,
                    no_throttle: bool) -> None:
    """Serve a simulated Amazon Selling Partner API (EU region) until Ctrl-C or SIGTERM.

    It has its own seller, listings, feeds, reports and orders (new orders arrive in real
    time, about three an hour). Point a channel with mode = "simulator" at it.
    """
    from server.amazon.simulator import Simulator
    from server.amazon.simulator.auth import TOKEN_PATH
    from server.amazon.simulator.marketplaces import MARKETPLACES
    from server.amazon.simulator.serve import make_server, stop_server

    simulator = Simulator(seed=seed, fault_rate=fault_rate, fault_delay=fault_delay,
                          throttle=not no_throttle)
    try:
        server = make_server(simulator, host, port)
    except OSError as exc:
        raise SyncCenterError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") \
            from None
    base_url = f"http://{host}:{server.effective_port}"
    info = simulator.describe()
    markets = ", ".join(f"{item} ({MARKETPLACES[item].country})"
                        for item in info["marketplace_ids"])
    click.echo(f"SP-API simulator (EU region) at {base_url}")
    click.echo(f"  token URL      {base_url}{TOKEN_PATH}")
    click.echo(f"  client id      {info['client_id']}")
    click.echo(f"  client secret  {info['client_secret']}")
    click.echo(f"  refresh token  {info['refresh_token']}")
    click.echo(f"  seller id      {info['seller_id']}")
    click.echo(f"  marketplaces   {markets}")
    click.echo(f"  seed {seed}, fault rate {fault_rate:g}, "
               f"throttling {'off' if no_throttle else 'on'}")
    click.echo("Ctrl-C or SIGTERM to stop", err=True)

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    thread = threading.Thread(target=server.run, name="spapi-simulator", daemon=True)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    thread.start()
    try:
        while not stop.wait(0.5):
            if not thread.is_alive():
                raise SyncCenterError("the simulator's server stopped unexpectedly")
    finally:
        stop_server(server, thread)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("simulator stopped", err=True)


COMMANDS = [marketplace_sim]
