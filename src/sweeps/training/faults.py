"""Deterministic fault injection for resume and reliability tests.

``SWEEPS_FAULT_KILL_AFTER_EPOCH=k`` makes the process SIGKILL itself right after epoch k's
checkpoint is on disk: a real, uncatchable kill at a reproducible moment, which a timer racing
a fast training run could never give.
"""

from __future__ import annotations

import os
import signal

ENV_KILL_AFTER_EPOCH = "SWEEPS_FAULT_KILL_AFTER_EPOCH"


class KillAfterEpoch:
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, report) -> None:
        pass

    def on_checkpoint(self, epoch: int) -> None:
        if epoch == self.epoch:
            os.kill(os.getpid(), signal.SIGKILL)


def faults_from_env() -> list[KillAfterEpoch]:
    value = os.environ.get(ENV_KILL_AFTER_EPOCH)
    return [KillAfterEpoch(int(value))] if value else []
