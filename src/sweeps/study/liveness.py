"""Which RUNNING trials still have a live job: heartbeats and stale-trial recovery.

RDB storages (sqlite, PostgreSQL, MySQL) use Optuna's own heartbeat: the job records
``RDBStorage.record_heartbeat`` every ``heartbeat_interval`` seconds and the sweeper calls
``optuna.storages.fail_stale_trials``. JournalStorage has no heartbeat in Optuna, so there the job
stamps a user attribute (``sweeps.heartbeat``) and the sweeper checks it itself. Either way the
heartbeat comes from the job wrapper, not from the app: a live job is never stale, however long it
runs; a killed one is, after ``grace_period`` seconds.

A trial failed by Optuna's stale check carries no ``fail_reason`` (it cannot be written to a
finished trial); every other FAIL the sweeper tells has one.
"""

from __future__ import annotations

import threading
import time
import warnings
from typing import Callable

import optuna
from optuna.storages import BaseStorage, RDBStorage
from optuna.trial import FrozenTrial, TrialState

from sweeps.study import _storage_adapter as adapter

HEARTBEAT_ATTR = "sweeps.heartbeat"


def beat(storage: BaseStorage, trial_id: int) -> None:
    """One heartbeat for ``trial_id``."""
    if isinstance(storage, RDBStorage):
        storage.record_heartbeat(trial_id)
    else:
        adapter.set_user_attr(storage, trial_id, HEARTBEAT_ATTR, time.time())


class Heartbeat:
    """Beats every ``interval`` seconds in a daemon thread while the job runs.

    ``first`` (optional) runs once in that thread before the first beat: a write the job needs
    (the worker stamp) that then overlaps the app's own work instead of delaying its start. It
    runs even when the job ends before the thread got going (``__exit__`` waits for it).
    """

    def __init__(self, storage: BaseStorage, trial_id: int, interval: float,
                 first: Callable[[], None] | None = None) -> None:
        self.storage, self.trial_id, self.interval, self.first = storage, trial_id, interval, first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sweeps-heartbeat", daemon=True)

    def _run(self) -> None:
        if self.first is not None:
            try:
                self.first()
            except Exception:  # bookkeeping only: the trial runs and beats without it
                pass
        while not self._stop.is_set():
            try:
                beat(self.storage, self.trial_id)
            except Exception:  # a missed beat only makes the trial look older; the next one catches up
                pass
            self._stop.wait(self.interval)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def fail_stale_trials(study: optuna.Study, storage: BaseStorage, grace_period: float,
                      on_stale: Callable[[FrozenTrial], None] | None = None) -> None:
    """Mark RUNNING trials whose job stopped beating FAIL.

    RDB storages: Optuna's own check, which calls the storage's ``heartbeat_stale_trial_callback`` for each
    (the runner opens the storage with one). JournalStorage: the user-attribute heartbeat, and
    ``on_stale`` for each.
    """
    if isinstance(storage, RDBStorage):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        return
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for trial in running:
        if _silent_for(trial) > grace_period and _fail(study, storage, trial) and on_stale is not None:
            on_stale(trial)


def _silent_for(trial: FrozenTrial) -> float:
    last = trial.user_attrs.get(HEARTBEAT_ATTR) or (trial.datetime_start.timestamp() if trial.datetime_start
                                                    else time.time())
    return time.time() - last


def _fail(study: optuna.Study, storage: BaseStorage, trial: FrozenTrial) -> bool:
    try:
        adapter.set_user_attr(storage, adapter.trial_id(storage, study, trial.number), "fail_reason",
                              "stale: its job stopped (no heartbeat)")
        study.tell(trial.number, state=TrialState.FAIL)
        return True
    except Exception:  # another worker got there first
        return False
