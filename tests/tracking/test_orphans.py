"""``sweeps.tracking.orphans`` directly: who owns a run, whether that process lives, and what the
sweep of a store returns (``test_crash_proof`` checks the same through ``MlflowRun``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from mlflow.tracking import MlflowClient

from sweeps.tracking import MlflowRun
from sweeps.tracking.orphans import HOST_TAG, ORPHANED_TAG, PID_TAG, mark_orphans_killed, owner_tags, process_alive


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_owner_tags_name_this_host_and_process():
    assert owner_tags() == {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def test_process_alive_tells_a_living_process_from_a_finished_one():
    assert process_alive(os.getpid()) and process_alive(os.getppid())
    assert not process_alive(_dead_pid())


def test_only_running_runs_of_dead_local_processes_are_killed_and_returned(tracking_store, experiment):
    with MlflowRun(tracking_store, experiment) as anchor:
        pass
    client = MlflowClient(tracking_store)
    host, dead = socket.gethostname(), str(_dead_pid())
    orphan = client.create_run(anchor.experiment_id, tags={HOST_TAG: host, PID_TAG: dead}).info.run_id
    mine = client.create_run(anchor.experiment_id, tags={HOST_TAG: host, PID_TAG: str(os.getpid())}).info.run_id
    odd = client.create_run(anchor.experiment_id, tags={HOST_TAG: host, PID_TAG: "not-a-pid"}).info.run_id
    ended = client.create_run(anchor.experiment_id, tags={HOST_TAG: host, PID_TAG: dead}).info.run_id
    client.set_terminated(ended, status="FINISHED")
    assert mark_orphans_killed(client, anchor.experiment_id) == [orphan]
    assert client.get_run(orphan).info.status == "KILLED" and dead in client.get_run(orphan).data.tags[ORPHANED_TAG]
    assert [client.get_run(r).info.status for r in (mine, odd, ended)] == ["RUNNING", "RUNNING", "FINISHED"]
    # A second sweep finds nothing left to do.
    assert mark_orphans_killed(client, anchor.experiment_id) == []
