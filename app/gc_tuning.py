"""Keep the garbage collector's full passes out of the way of a serving process.

A full (generation-2) pass of CPython's cyclic collector walks every tracked object
with the event loop stopped. In a server holding a thousand chat sockets that was
100-200 ms, several times in ten seconds: every chat line caught behind one waited
that long (bench/chat_sockets.py: p99 144 ms at 200 lines/s, 6 ms with this).

What start-up builds (modules, the app and its routes, SQLAlchemy's metadata and
compiled statements, the classifier models) lives as long as the process: frozen,
it is never walked again. Only ``teranga serve`` does this; a test process creates
and drops many apps, and freezing there would keep their garbage forever.

Full passes also come less often (``FULL_PASS_EVERY`` young-generation passes instead
of 10): what the sockets hold is long-lived, and the collector's own rule (a full pass
only once a quarter more objects survived into the old generation) still bounds the
garbage that waits.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

FULL_PASS_EVERY = 1000


def freeze_startup_objects() -> int:
    """Collect once, then move every surviving object out of the collector's reach.

    Returns how many objects were frozen (for the log)."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_PASS_EVERY)
    frozen = gc.get_freeze_count()
    log.info("froze %d start-up objects out of the garbage collector's full passes", frozen)
    return frozen
