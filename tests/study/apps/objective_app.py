"""A plain Hydra app, the shape of Hydra's own Optuna examples: no key of sweeps in its config.

``ret`` picks what the task function returns; ``sleep_s`` makes a trial slow; ``prune_below``
reports to ``sweeps.study.current_trial()`` and prunes itself; ``mlflow_run`` starts its own run.
"""

import math
import time

import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path=".", config_name="objective_app")
def main(cfg: DictConfig):
    value = (float(cfg.x) - 0.3) ** 2
    if cfg.sleep_s:
        time.sleep(cfg.sleep_s)
    if cfg.prune_below is not None:
        import optuna

        from sweeps.study import current_trial

        trial = current_trial()
        for step in range(3):
            trial.report(value + step, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
    if cfg.mlflow_run:
        import mlflow

        with mlflow.start_run():
            mlflow.log_metric("loss", value)
    if cfg.ret == "float":
        return value
    if cfg.ret == "list":
        return [value, abs(float(cfg.x))]
    if cfg.ret == "dict":
        return {"loss": value, "other": 1.0}
    if cfg.ret == "not_finite":
        return math.nan
    return None


if __name__ == "__main__":
    main()
