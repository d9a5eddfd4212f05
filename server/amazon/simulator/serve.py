"""Serving the simulator with waitress: in a background thread for tests and the demo."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from waitress.server import create_server

from server.amazon.simulator import log
from server.amazon.simulator.app import create_app
from server.amazon.simulator.auth import TOKEN_PATH
from server.amazon.simulator.state import Simulator

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Running:
    """A simulator being served: where to reach it."""

    simulator: Simulator
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH


def make_server(simulator: Simulator, host: str = HOST, port: int = 0,
                threads: int = 8) -> Any:
    """A waitress server for ``simulator`` (not yet running); port 0 picks a free one."""
    return create_server(create_app(simulator), host=host, port=port, threads=threads,
                         ident="spapi-simulator", clear_untrusted_proxy_headers=True)


@contextmanager
def serve_simulator(simulator: Simulator, port: int = 0,
                    host: str = HOST) -> Iterator[Running]:
    """Serve ``simulator`` on ``host`` in a daemon thread while the block runs."""
    server = make_server(simulator, host, port)
    thread = threading.Thread(target=server.run, name="spapi-simulator", daemon=True)
    thread.start()
    running = Running(simulator, host, int(server.effective_port))
    log.info("SP-API simulator serving at %s", running.base_url)
    try:
        yield running
    finally:
        stop_server(server, thread)


def stop_server(server: Any, thread: threading.Thread | None = None) -> None:
    """Stop ``server``: finish the requests in progress, then close every connection.

    The worker threads stop first (so none of them pulls the closed trigger); the
    sockets are closed in the server's own loop thread, whose loop then ends.
    """
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)

    def close_all() -> None:
        for dispatcher in list(server._map.values()):
            if dispatcher is not server and dispatcher is not server.trigger:
                dispatcher.handle_close()
        server.close()

    server.trigger.pull_trigger(close_all)
    if thread is not None:
        thread.join(timeout=5)
