"""Reading an uploaded practice list in a separate process, bounded in time and memory.

The app serves every session from one process. The practice-list reader bounds its own work (see
:mod:`model.limits`), but an upload is the one input a stranger controls byte for byte, so it is read in a
child process with its own limits: at most :data:`~model.limits.UPLOAD_MEMORY_BYTES` of memory (the child's
address space, set by the child on itself before it reads anything) and
:data:`~model.limits.UPLOAD_SECONDS` of time (the parent stops waiting and kills it). Whatever the file does
to the child, the server's own memory holds only the checked result, all the child's memory goes back to the
system when it exits, and other sessions' pages are served meanwhile. At most :data:`PARALLEL` uploads are
read at once; another waits its turn (up to the same time limit).

No Streamlit here: :mod:`screen.pages.cache` keeps the results per session.

>>> result = read_upload(b"practice_code,list_size,over75\\nK1,1000,80\\n", "tiny.csv")
>>> result.ok, len(result.practices)
(True, 1)
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from model.limits import MAX_UPLOAD_BYTES, UPLOAD_MEMORY_BYTES, UPLOAD_SECONDS, mb
from model.validation import LoadResult, error, failed

PARALLEL = 2
"""Uploads read at the same time (each child may use up to UPLOAD_MEMORY_BYTES)."""
_TURNS = threading.BoundedSemaphore(PARALLEL)
_ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import resource, sys
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
seconds = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
import pickle
from model.practices import load_practices
data = sys.stdin.buffer.read(int(sys.argv[4]) + 1)
result = load_practices(data, sys.argv[1], max_bytes=int(sys.argv[4]))
sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
"""


def read_upload(data: bytes, filename: str, *, seconds: int = UPLOAD_SECONDS,
                memory_bytes: int = UPLOAD_MEMORY_BYTES) -> LoadResult:
    """:func:`model.practices.load_practices` on an upload's bytes, in a child process with limits."""
    if len(data) > MAX_UPLOAD_BYTES:  # refused here: no process is started for it
        from model.practices import load_practices

        return load_practices(data, filename)
    over = (f"reading this file needed more than the limits for one upload ({seconds} seconds, {mb(memory_bytes)} "
            "of memory), so it was stopped. Remove the columns the model does not use, or split the list by "
            "commissioner")
    if not _TURNS.acquire(timeout=seconds):
        return failed(filename, [error(filename, "the server is busy reading other uploads; try again in a minute")])
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, filename, str(memory_bytes), str(seconds), str(MAX_UPLOAD_BYTES)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=_ROOT, env=env,
            start_new_session=True)
        try:
            out, _ = proc.communicate(data, timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return failed(filename, [error(filename, over)])
        if proc.returncode != 0 or not out:
            return failed(filename, [error(filename, over)])
        result = pickle.loads(out)  # noqa: S301 - written by our own child process, from our own code
        if not isinstance(result, LoadResult):
            return failed(filename, [error(filename, over)])
        return result
    finally:
        _TURNS.release()
