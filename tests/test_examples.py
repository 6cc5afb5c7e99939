"""``examples/my_project``: a user's own package and config dir, found through Hydra's search path.

Its text CNN (over sweeps' word vectors) and digits CNN (over its own torch Dataset) are trained,
tracked and swept by sweeps as built-in models are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from mlflow.tracking import MlflowClient

from sweeps.app import train
from sweeps.config import compose_config
from tests.conftest import REPO, existing_store, small_overrides

PROJECT = REPO / "examples" / "my_project"
SEARCHPATH = f"hydra.searchpath=[file://{PROJECT / 'conf'}]"


@pytest.fixture
def project_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PROJECT))  # what `python -m sweeps` run from the project dir does


def _digits(tmp_path: Path, *extra: str):
    existing_store(tmp_path / "runs")
    return compose_config([SEARCHPATH, f"paths.runs_dir={tmp_path / 'runs'}", "data=digits", "model=digits_cnn",
                           "tracking.projection_points=0", *extra])


def test_digits_cnn_on_the_users_dataset_is_tracked_with_its_class_names(tmp_path, project_on_path):
    result = train(_digits(tmp_path, "trainer.max_epochs=2", "data.subset=400"))
    client = MlflowClient(result.tracking_uri)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "digits-digitscnn-adam-s0"
    assert run.data.params["model._target_"] == "my_project.models.DigitsCNN" and run.data.params["model.channels"] == "16"
    assert run.data.tags["sweeps.model"] == "digitscnn" and run.data.tags["sweeps.embeddings"] == "none"
    assert [m.step for m in client.get_metric_history(result.run_id, "val/acc")] == [1, 2]
    # The confusion matrix and per-class scores are labelled with the dataset's own classes.
    confusion = json.loads(Path(client.download_artifacts(result.run_id, "test_confusion_matrix.json", str(tmp_path)))
                           .read_text())
    assert confusion["labels"] == [str(d) for d in range(10)]
    per_class = Path(client.download_artifacts(result.run_id, "analysis/per_class.csv", str(tmp_path))).read_text()
    assert [line.split(",")[0] for line in per_class.splitlines()[1:]] == [str(d) for d in range(10)]
    # Per-layer instrumentation saw the CNN's linear layers; the run was diagnosed.
    assert any(k.startswith("diag/dead_frac/") for k in run.data.metrics) and "diagnosis.labels" in run.data.tags
    checkpoints = {a.path for a in client.list_artifacts(result.run_id, "checkpoints")}
    assert checkpoints == {"checkpoints/best.pt", "checkpoints/last.pt"}


def test_text_cnn_of_the_users_reads_token_ids_over_sweeps_vectors(tmp_path, tiny_csv, project_on_path):
    overrides = [o for o in small_overrides(tmp_path / "runs", tiny_csv) if not o.startswith("model.")]
    result = train(compose_config([SEARCHPATH, *overrides, "model=conv_text", "model.channels=8",
                                   "trainer.max_epochs=3", "tracking.projection_points=0"]))
    run = MlflowClient(result.tracking_uri).get_run(result.run_id)
    assert run.info.status == "FINISHED" and run.data.params["model._target_"] == "my_project.models.ConvText"
    assert result.metrics["test/acc"] > 0.7  # the sentiment words are learnable from token ids


def test_a_target_that_does_not_import_is_one_line_naming_the_key(tmp_path):
    from sweeps.config import validate_config
    from sweeps.errors import ConfigError

    cfg = compose_config([f"paths.runs_dir={tmp_path}", "model._target_=my_missing_pkg.Model"])
    with pytest.raises(ConfigError, match=r"model\._target_.*my_missing_pkg"):
        validate_config(cfg)


def test_an_optimizer_added_as_one_yaml_file_trains(tmp_path, tiny_csv):
    conf = tmp_path / "conf" / "optimizer"
    conf.mkdir(parents=True)
    (conf / "nadam.yaml").write_text("_target_: torch.optim.NAdam\n_partial_: true\nlr: 0.02\n")
    cfg = compose_config([f"hydra.searchpath=[file://{tmp_path / 'conf'}]", *small_overrides(tmp_path / "runs", tiny_csv),
                          "optimizer=nadam", "trainer.max_epochs=2", "tracking.projection_points=0"])
    result = train(cfg)
    run = MlflowClient(result.tracking_uri).get_run(result.run_id)
    assert run.data.params["optimizer._target_"] == "torch.optim.NAdam" and run.info.run_name.endswith("-nadam-s0")
    assert run.info.status == "FINISHED" and result.stopped_epoch == 2


def label_smoothed_loss(logits, labels, eps: float = 0.0):
    """A user's loss for ``trainer.loss``: label smoothing written out (BCE on one logit, CE on K)."""
    import torch

    if logits.ndim == 1:
        target = labels.float() * (1 - eps) + eps / 2
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    return torch.nn.functional.cross_entropy(logits, labels, label_smoothing=eps)


def test_a_loss_of_the_users_trains_and_evaluates_the_run(tmp_path, tiny_csv):
    conf = tmp_path / "conf" / "experiment"
    conf.mkdir(parents=True)
    (conf / "smoothed.yaml").write_text(
        "# @package _global_\ntrainer:\n  loss:\n"
        f"    _target_: {__name__}.label_smoothed_loss\n    _partial_: true\n    eps: 0.2\n")
    base = [f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "trainer.max_epochs=2", "tracking.projection_points=0"]
    hooked = train(compose_config([*small_overrides(tmp_path / "a", tiny_csv), *base, "experiment=smoothed"]))
    builtin = train(compose_config([*small_overrides(tmp_path / "b", tiny_csv), *base, "trainer.label_smoothing=0.2"]))
    plain = train(compose_config([*small_overrides(tmp_path / "c", tiny_csv), *base]))
    # The user's loss is the built-in smoothing written out: same training, same losses (float noise
    # apart); and it was really used, since a run without smoothing ends elsewhere.
    hooked_run, builtin_run = (MlflowClient(r.tracking_uri).get_run(r.run_id).data.metrics for r in (hooked, builtin))
    for key in ("train/loss", "val/loss", "test/loss"):  # last epoch's, as recorded
        assert hooked_run[key] == pytest.approx(builtin_run[key], rel=1e-4), key
    assert abs(hooked.metrics["test/loss"] - plain.metrics["test/loss"]) > 1e-3


def per_example_loss(logits, labels):
    """Not a ``trainer.loss``: one loss per example instead of the batch's mean."""
    return (logits.reshape(len(labels), -1) ** 2).mean(dim=1)


def test_a_loss_that_is_not_a_batch_mean_is_one_line_naming_the_key(tmp_path, tiny_csv):
    from sweeps.errors import ConfigError

    cfg = compose_config([*small_overrides(tmp_path / "runs", tiny_csv), "trainer.max_epochs=1",
                          f"trainer.loss={{_target_:{__name__}.per_example_loss,_partial_:true}}"])
    with pytest.raises(ConfigError, match=r"trainer\.loss.*scalar") as error:
        train(cfg)
    assert "\n" not in str(error.value)


@pytest.mark.slow
def test_digits_cnn_reaches_95_percent(tmp_path, project_on_path):
    result = train(_digits(tmp_path, "trainer.max_epochs=20"))
    assert result.metrics["test/acc"] >= 0.95


def _sweep(tmp_path: Path, preset: str) -> subprocess.CompletedProcess:
    runs = tmp_path / "runs"
    return subprocess.run([sys.executable, "-m", "sweeps", "--config-dir", "conf", "-m", f"hparams_search={preset}",
                           f"paths.runs_dir={runs}", f"tracking.uri=sqlite:///{runs}/mlflow.db",
                           f"hydra.sweeper.storage=sqlite:///{runs}/optuna.db", "tracking.projection_points=0"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=1200)


@pytest.mark.slow
@pytest.mark.parametrize("preset,study", [("digits", "digits-cnn"), ("conv_text", "conv-text")])
def test_the_users_models_are_swept_with_pruning(tmp_path, preset, study):
    done = _sweep(tmp_path, preset)
    assert done.returncode == 0, done.stderr[-2000:]
    trials = optuna.load_study(study_name=study, storage=f"sqlite:///{tmp_path}/runs/optuna.db").trials
    states = {t.state for t in trials}
    assert len(trials) == (4 if preset == "digits" else 3)
    assert states <= {optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED}
    # Every trial reported its curve to the pruner (the median pruner judged on it).
    assert all(t.intermediate_values for t in trials)
    runs = MlflowClient(f"sqlite:///{tmp_path}/runs/mlflow.db").search_runs(
        [e.experiment_id for e in MlflowClient(f"sqlite:///{tmp_path}/runs/mlflow.db").search_experiments()])
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(children) == len(trials) and all(r.info.status == "FINISHED" for r in runs)
