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
