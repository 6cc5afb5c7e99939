"""Runs whose process died without ending them (SIGKILL, a segfault in native code, a power cut)
stay RUNNING in MLflow forever. Every run records which process owns it (tags ``sweeps.host``
and ``sweeps.pid``); each new run first marks KILLED the RUNNING runs of its experiment that
this host owned and whose process no longer exists.

Only runs carrying both tags are touched, and only those of this host: a pid means nothing on
another machine, and a run started by other tools has no owner to check.
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger("sweeps")

HOST_TAG, PID_TAG = "sweeps.host", "sweeps.pid"
ORPHANED_TAG = "sweeps.orphaned"


def owner_tags() -> dict[str, str]:
    """The tags that say which process on which host holds a run open."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def process_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host (signal 0 checks without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def mark_orphans_killed(client, experiment_id: str) -> list[str]:
    """Mark KILLED the RUNNING runs of ``experiment_id`` owned by a dead process of this host.

    Returns their ids. Each gets the tag ``sweeps.orphaned`` saying why."""
    host = socket.gethostname().replace("'", "")
    runs = client.search_runs([experiment_id],
                              f"attributes.status = 'RUNNING' and tags.\"{HOST_TAG}\" = '{host}'",
                              max_results=1000)
    killed = []
    for run in runs:
        pid = run.data.tags.get(PID_TAG, "")
        if not pid.isdigit() or int(pid) == os.getpid() or process_alive(int(pid)):
            continue
        when = time.strftime("%Y-%m-%d %H:%M:%S")
        client.set_tag(run.info.run_id, ORPHANED_TAG, f"process {pid} on {host} was gone at {when}")
        client.set_terminated(run.info.run_id, status="KILLED")
        killed.append(run.info.run_id)
    if killed:
        log.warning("marked %d orphaned MLflow run(s) KILLED (their process on this host is gone): %s",
                    len(killed), ", ".join(killed))
    return killed
