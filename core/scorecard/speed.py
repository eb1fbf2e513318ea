"""Small helpers that keep the hot paths fast without changing what they compute."""

import contextlib
import gc


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector for a bulk step.

    Ingest and evaluation create millions of small objects with no reference cycles among them;
    each collection pass would walk every live object again. Reference counting still frees
    them, and the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
