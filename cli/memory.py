"""Process memory setting for the command line, the app and the benchmarks (not used by the model).

A national run makes a few dozen arrays of ~40,000 values (about 0.3 MB each) and frees them again.
With glibc's default settings, memory this size is handed back to the operating system when freed
and faulted in afresh, page by page, on the next run: on England that costs as much as the arithmetic
(measured: 1,300–2,100 page faults and 6 → 10–14 ms a run). Raising glibc's mmap and trim thresholds
keeps freed memory in the process for reuse instead. It changes no result, only speed; the cost is
that up to ``TRIM_BYTES`` of freed memory may stay with the process.

Elsewhere than glibc (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

MMAP_BYTES = 16 * 2**20  # allocations below this come from the heap, which is reused
TRIM_BYTES = 64 * 2**20  # free memory at the top of the heap kept, up to this
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc <malloc.h>


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse. Returns True when the setting took effect."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # Both must be set: setting one turns off glibc's own adjustment of the other.
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_BYTES))


def give_back_freed_memory() -> bool:
    """Hand the memory freed so far back to the operating system (glibc ``malloc_trim``); True if any was.
    Elsewhere than glibc this does nothing."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return bool(trim(0))


TRIM_EVERY_S = 30.0


def start_memory_trimmer(every_s: float = TRIM_EVERY_S) -> bool:
    """For a long-running server (the app): every `every_s` seconds, give freed memory back to the system, so
    what a finished session or an expired cache entry used does not stay with the process (:func:`keep_freed_memory`
    keeps up to TRIM_BYTES for speed between runs). Starts one background thread per process; True if started.

    >>> start_memory_trimmer() in (True, False), start_memory_trimmer()
    (True, False)
    """
    import threading

    name = "pcfund-memory-trimmer"
    if any(t.name == name for t in threading.enumerate()):
        return False

    def loop() -> None:
        import time

        while True:
            time.sleep(every_s)
            give_back_freed_memory()

    threading.Thread(target=loop, name=name, daemon=True).start()
    return True
