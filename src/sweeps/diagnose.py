"""``python -m sweeps.diagnose run_id=<id> [repair=true]``: diagnose a finished MLflow run (any
run with train/loss and val/loss curves, not only sweeps' own), record the verdict on it, and
optionally run a repair study over the proposed fixes.

Arguments are ``key=value`` like Hydra overrides; thresholds can be changed the same way
(``diagnosis.overfit_gap=0.05``). Runs created by sweeps carry their config and can be repaired;
other runs can be diagnosed only.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import Optional

import yaml
from omegaconf import MISSING, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sweeps.errors import ConfigError, SweepsError
from sweeps.utils.stores import mlflow_uri, optuna_storage


@dataclass
class DiagnoseArgs:
    run_id: str = MISSING
    repair: bool = False
    # Seeds per configuration in a repair study (the broken one and every candidate).
    seeds: int = 3
    tracking_uri: str = mlflow_uri()
    storage: str = optuna_storage()
    # Classes of the task; null = read from the run (sweeps logs data/num_classes), else 2.
    num_classes: Optional[int] = None
    # Write diagnosis.labels / diagnosis.fix tags and diagnosis.md onto the run.
    record: bool = True
    # Minimum gain in validation accuracy for a fix to count, on top of beating seed noise.
    min_gain: float = 0.005
    diagnosis: dict = field(default_factory=dict)


def _parse(argv: list[str]) -> DiagnoseArgs:
    schema = OmegaConf.structured(DiagnoseArgs)
    for item in argv:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(item, "expected key=value (for example run_id=0123abcd...)")
        try:
            OmegaConf.update(schema, key, yaml.safe_load(value) if value else value, merge=True)
        except OmegaConfBaseException as exc:
            raise ConfigError(key, f"not an argument of sweeps.diagnose ({type(exc).__name__})") from exc
    missing = OmegaConf.missing_keys(schema)
    if missing:
        raise ConfigError(sorted(missing)[0], "is required (python -m sweeps.diagnose run_id=<MLflow run id>)")
    return OmegaConf.to_object(schema)


def run(args: DiagnoseArgs) -> int:
    # Deferred: a mistyped argument fails in a fraction of a second, before MLflow and torch load.
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from sweeps.config import compose_config
    from sweeps.diagnosis.diagnoser import diagnose
    from sweeps.diagnosis.facts import RunFacts
    from sweeps.diagnosis.report import markdown
    from sweeps.tracking.diagnosis_record import record_diagnosis
    from sweeps.tracking.mlflow_run import MlflowRun
    from sweeps.tracking.run_history import run_data_metrics, run_history, study_reference

    thresholds = compose_config([f"diagnosis.{k}={v}" for k, v in args.diagnosis.items()]).diagnosis
    client = MlflowClient(args.tracking_uri)
    try:
        found = client.get_run(args.run_id)
    except MlflowException as exc:
        raise SweepsError(f"run_id={args.run_id}: no such run at {args.tracking_uri}") from exc
    history = run_history(client, args.run_id)
    num_classes = args.num_classes or int(found.data.metrics.get("data/num_classes", 2))
    params = dict(found.data.params)
    name = found.info.run_name or args.run_id
    # A study trial is compared with the study's best; the best itself keeps what made it best.
    reference, keep = study_reference(client, args.run_id)
    facts = RunFacts(num_classes=num_classes, data=run_data_metrics(client, args.run_id), reference_acc=reference,
                     reference="the study's best trial" if reference is not None else "", keep=keep)
    if args.record:
        target = MlflowRun.attach(args.tracking_uri, args.run_id)
        diagnosis = record_diagnosis(target, history, thresholds, num_classes, params, name, facts=facts)
    else:
        diagnosis = diagnose(history, thresholds, num_classes, params, facts=facts)
    print(markdown(diagnosis, name, len(history)))
    if not args.repair:
        return 0
    if not diagnosis.findings:
        print("healthy: nothing to repair")
        return 0
    broken_config = _run_config(client, args.run_id)
    broken_config.diagnosis = thresholds  # repairs are judged by today's thresholds, not the run's
    from sweeps.repair.report import repair_lines
    from sweeps.repair.runner import repair  # deferred: loads the app (torch) only to repair

    report = repair(args.run_id, broken_config, diagnosis, args.seeds, num_classes, args.storage, args.min_gain)
    print("\n".join(repair_lines(report, args.run_id)))
    return 0 if report.accepted else 3


def _run_config(client, run_id: str):
    """The broken run's resolved config (sweeps runs log it as config.yaml)."""
    import tempfile

    from sweeps.config.schema import SweepsConf
    from sweeps.config.checks import check_node
    from sweeps.config.upgrade import upgrade_config

    names = {a.path for a in client.list_artifacts(run_id)}
    if "config.yaml" not in names:
        raise SweepsError(f"run {run_id} has no config.yaml artifact: only runs made by sweeps can be repaired "
                          f"(diagnosis works on any run)")
    with tempfile.TemporaryDirectory() as tmp:
        loaded = OmegaConf.load(client.download_artifacts(run_id, "config.yaml", tmp))
    loaded.pop("diagnosis", None)  # thresholds come from this version, whatever the run recorded
    upgraded = upgrade_config(OmegaConf.to_container(loaded))  # recorded by an earlier version's layout
    try:
        cfg = OmegaConf.merge(OmegaConf.structured(SweepsConf), upgraded)
        for key in ("model", "optimizer", "scheduler"):  # `_target_` nodes: typed by their own schema
            check_node(cfg[key], key)
        return cfg
    except ConfigError as exc:
        raise SweepsError(f"run {run_id}: its config.yaml does not fit this version of sweeps at '{exc.key}' "
                          f"({exc}); re-run it with this version to repair it") from exc
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "?"
        raise SweepsError(f"run {run_id}: its config.yaml does not fit this version of sweeps at '{key}' "
                          f"({type(exc).__name__}); re-run it with this version to repair it") from exc


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("mlflow", "alembic", "optuna", "sweeps.features", "sweeps.training"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return run(_parse(sys.argv[1:] if argv is None else argv))
    except SweepsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
