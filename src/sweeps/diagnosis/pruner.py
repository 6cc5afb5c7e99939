"""``hydra.sweeper.pruner.name=diagnosis``: stop a trial the epoch the live diagnosis raises an
alarm (divergence, exploding or vanishing gradients), otherwise behave as the median pruner.

The running job's reporter stores the alarm on the trial (user attr ``diagnosis.alarm``) before
asking whether to prune, so this works across processes and machines through the storage alone.
An alarm needs harm (a divergence, a stalled or guessing-level loss: ``live_alarm``), so a trial is
never pruned on an observation such as large gradients in a run that learns. A median pruner
cannot do this: a trial whose gradients vanish at epoch 1 reports a chance-level accuracy that
may still be above the median of equally bad start-up trials.
"""

from __future__ import annotations

import optuna

ALARM_ATTR = "diagnosis.alarm"


class DiagnosisPruner(optuna.pruners.BasePruner):
    def __init__(self, inner: optuna.pruners.BasePruner) -> None:
        self.inner = inner

    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        if trial.user_attrs.get(ALARM_ATTR):
            return True
        return self.inner.prune(study, trial)
