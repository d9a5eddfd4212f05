"""The engine: runs a task's records from its source through its fields to its target.

``run_task`` (in ``pipeline``) is the entry point. Sources and targets register
themselves by kind when their modules are imported (``load_plugins``).
"""

import logging

log = logging.getLogger(__name__)


def load_plugins() -> None:
    """Import the built-in sources and targets (and Amazon's) so they register."""
    import server.amazon.listings_feed  # noqa: F401
    import server.amazon.listings_target  # noqa: F401
    import server.amazon.report_source  # noqa: F401
    import server.amazon.template_xlsx  # noqa: F401
    import server.engine.sources  # noqa: F401
    import server.engine.targets  # noqa: F401
    import server.images.target  # noqa: F401
