"""``sweeps.repair.runner``: a repair study on a real broken run (through ``python -m sweeps.diagnose
repair=true``) accepts a fix only when it beats seed noise, and records it in MLflow and Optuna."""

from __future__ import annotations

import optuna
from mlflow import MlflowClient

from sweeps.app import train
from sweeps.diagnose import main as diagnose_main
from tests.conftest import compose_config, small_overrides

QUIET = ["tracking.projection_points=0", "tracking.analysis=false", "tracking.confusion_every=0"]


def test_repair_study_accepts_a_fix_only_when_it_beats_seed_noise(tmp_path, tiny_csv, capsys):
    runs = tmp_path / "runs"
    broken = train(compose_config(small_overrides(runs, tiny_csv) + QUIET + [
        "optimizer=sgd", "optimizer.lr=0.00001", "trainer.max_epochs=10", "trainer.early_stopping.patience=0"]))
    code = diagnose_main([f"run_id={broken.run_id}", f"tracking_uri={broken.tracking_uri}", "repair=true",
                          "seeds=3", f"storage=sqlite:///{runs}/optuna.db"])
    out = capsys.readouterr().out
    assert "Labels: **lr_too_low**" in out and "accepted fix: " in out and code == 0
    storage = f"sqlite:///{runs}/optuna.db"
    [name] = [n for n in optuna.get_all_study_names(storage) if n.startswith(f"repair-{broken.run_id[:8]}-")]
    study = optuna.load_study(study_name=name, storage=storage)
    assert any(t.user_attrs.get("accepted") for t in study.trials)
    client = MlflowClient(broken.tracking_uri)
    [parent] = [r for r in client.search_runs([broken.experiment_id]) if r.data.tags.get("sweeps.repair_of")]
    assert parent.data.tags["repair.accepted_fix"] in out
    assert {"repair.md", "repair_curves.png", "repair.json"} <= {a.path for a in client.list_artifacts(parent.info.run_id)}
