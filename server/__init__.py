"""Sync-Center: keeps a merchant's ERP and the marketplaces in step.

The public entry points are the command line (``server.cli``), the engine
(``server.engine.run_task``) and the action loader (``server.actions.load_action``).
"""

import logging

__version__ = "0.1.0"

log = logging.getLogger(__name__)
