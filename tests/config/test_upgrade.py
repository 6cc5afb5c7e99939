"""Runs recorded before optimizers, schedulers, models and embeddings became ``_target_`` nodes still resume,
diagnose and repair: their stored config is rewritten in today's layout.

The fixture ``tests/fixtures/run_before_target/`` was recorded by commit a95bc86 (the version before
this layout), with:
``python -m sweeps data.subset=300 embeddings.dim=16 embeddings.min_token_passes=0 embeddings.epochs=2
model.hidden_dims=[16] trainer.max_epochs=2 optimizer=momentum schedule=warmup_cosine
schedule.warmup_fraction=0.1 optimizer.scale_lr_with_batch=sqrt tracking.projection_points=0
tracking.analysis=false``: its ``config.yaml`` artifact and its ``last.pt`` checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf

from sweeps.config import compose_config, validate_config
from sweeps.config.schema import SweepsConf
from sweeps.config.upgrade import upgrade_config
from sweeps.diagnosis.fixes import apply_fix
from sweeps.training.checkpoint import load_checkpoint
from sweeps.training.resume import load_resume_state

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "run_before_target"
# The recorded command in today's words.
# The knobs whose defaults changed since (Word2Vec's, a diagnosis threshold) are pinned to the recorded run's values.
TODAY = ["data.subset=300", "embeddings.dim=16", "embeddings.min_token_passes=0", "embeddings.epochs=2",
         "embeddings.sg=0", "embeddings.min_count=5", "embeddings.window=5",
         "model.hidden_dims=[16]", "trainer.max_epochs=2", "optimizer=momentum", "scheduler=warmup_cosine",
         "scheduler.warmup_fraction=0.1", "trainer.scale_lr_with_batch=sqrt", "tracking.projection_points=0",
         "tracking.analysis=false", "diagnosis.inputs_max_vector_cosine=0.8"]


def _recorded() -> dict:
    return OmegaConf.to_container(OmegaConf.load(FIXTURE / "config.yaml"))


def test_recorded_config_becomes_todays_layout_and_validates(tmp_path):
    upgraded = upgrade_config(_recorded())
    assert upgraded["optimizer"] == {"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.05,
                                     "weight_decay": 0.0, "momentum": 0.9, "nesterov": False}
    assert upgraded["trainer"]["scale_lr_with_batch"] == "sqrt" and upgraded["trainer"]["base_batch_size"] == 64
    assert upgraded["scheduler"] == {"_target_": "sweeps.training.schedules.WarmupCosine", "_partial_": True,
                                     "min_lr_ratio": 0.0, "warmup_fraction": 0.1}
    assert "schedule" not in upgraded
    assert upgraded["model"]["_target_"] == "sweeps.models.TextClassifier" and upgraded["model"]["hidden_dims"] == [16]
    assert "name" not in upgraded["model"] and "backend" not in upgraded["model"] and "C" not in upgraded["model"]
    # The vectors' knobs stay in the embeddings node; how they became features moved to `features`.
    assert upgraded["embeddings"] == {"_target_": "sweeps.embeddings.Word2Vec", "dim": 16, "sg": 0, "window": 5,
                                      "min_count": 5, "epochs": 2, "min_token_passes": 0, "max_epochs": 100,
                                      "workers": 1}
    assert upgraded["features"] == {"fit_on": "train", "standardize": True, "trainable": False, "min_count": 5}
    # data.source became the data node's `_target_`; the other sources' knobs (path, n_samples ...) left with it.
    assert upgraded["data"]["_target_"] == "sweeps.data.EmbeddedIMDB" and upgraded["data"]["subset"] == 300
    assert not {"source", "path", "dataset", "n_samples", "noise"} & set(upgraded["data"])
    cfg = OmegaConf.merge(OmegaConf.structured(SweepsConf), upgraded)
    cfg.paths.runs_dir = str(tmp_path)
    validate_config(cfg)
    assert upgrade_config(upgraded) == upgraded  # idempotent: today's layout passes through unchanged


def test_every_data_source_keeps_only_its_own_knobs():
    union = {"name": "x", "batch_size": 32, "split_seed": 1, "path": None, "dataset": None, "n_samples": 2000,
             "noise": 0.1}
    files = upgrade_config({"data": {**union, "source": "files", "path": "a.csv"}})["data"]
    assert files == {"_target_": "sweeps.data.TextFiles", "name": "x", "batch_size": 32, "split_seed": 1,
                     "path": "a.csv"}
    toy = upgrade_config({"data": {**union, "source": "toy", "noise": 0.3}})["data"]
    assert toy == {"_target_": "sweeps.data.ToyData", "name": "x", "batch_size": 32, "split_seed": 1,
                   "n_samples": 2000, "noise": 0.3}
    user = upgrade_config({"data": {**union, "source": "dataset", "dataset": {"_target_": "m.D"}}})["data"]
    assert user["_target_"] == "sweeps.data.UserDataset" and user["dataset"] == {"_target_": "m.D"}
    # An unknown source is left for the schema to reject with the key's name.
    assert upgrade_config({"data": {"source": "ftp"}})["data"] == {"source": "ftp"}


def test_numpy_backend_and_baseline_models_are_converted():
    numpy = upgrade_config({"model": {"name": "mlp", "backend": "numpy", "hidden_dims": [8], "pooling": "max",
                                      "C": 1.0, "min_df": 2, "max_iter": 1000}})["model"]
    assert numpy == {"_target_": "sweeps.lab.torch_bridge.NumpyMLP", "hidden_dims": [8], "pooling": "max"}
    baseline = upgrade_config({"model": {"name": "logreg_tfidf", "backend": "torch", "hidden_dims": [], "ngrams": 2,
                                         "C": 4.0, "min_df": 1, "max_iter": 500, "pooling": "mean"}})["model"]
    assert baseline == {"_target_": "sweeps.baselines.tfidf_logreg.TfidfLogreg", "ngrams": 2, "min_df": 1,
                        "C": 4.0, "max_iter": 500}


def test_scratch_optimizer_and_plateau_scheduler_are_converted():
    old = {"optimizer": {"name": "adamw", "lr": 0.01, "weight_decay": 0.1, "betas": [0.8, 0.9], "eps": 1e-7,
                         "momentum": 0.0, "alpha": 0.99, "impl": "scratch", "scale_lr_with_batch": "none",
                         "base_batch_size": 32},
           "schedule": {"name": "plateau", "monitor": "val/acc", "mode": "max", "patience": 3, "gamma": 0.2,
                        "warmup_fraction": 0.0}}
    new = upgrade_config(old)
    assert new["optimizer"] == {"_target_": "sweeps.lab.optimizers.AdamW", "_partial_": True, "lr": 0.01,
                                "weight_decay": 0.1, "betas": [0.8, 0.9], "eps": 1e-7}
    assert new["trainer"]["base_batch_size"] == 32
    assert new["scheduler"] == {"_target_": "sweeps.training.schedules.ReduceOnPlateau", "_partial_": True,
                                "monitor": "val/acc", "mode": "max", "factor": 0.2, "patience": 3}


def test_glove_and_file_embeddings_keep_their_bag_threshold_and_lose_the_union_knobs():
    union = {"dim": 300, "path": None, "sg": 0, "window": 5, "epochs": 5, "min_token_passes": 0, "max_epochs": 100,
             "fit_on": "subset", "standardize": False, "workers": 1}
    glove = upgrade_config({"embeddings": {**union, "name": "glove50", "min_count": 1, "trainable": True}})
    # GloVe has no knobs; its min_count was the trainable bag's vocabulary threshold, kept in features.
    assert glove["embeddings"] == {"_target_": "sweeps.embeddings.GloVe50"}
    assert glove["features"] == {"fit_on": "subset", "standardize": False, "trainable": True, "min_count": 1}
    file = upgrade_config({"embeddings": {**union, "name": "file", "path": "/v.txt", "min_count": 5}})
    assert file["embeddings"] == {"_target_": "sweeps.embeddings.VectorsFile", "path": "/v.txt"}
    random = upgrade_config({"embeddings": {**union, "name": "random", "dim": 64, "min_count": 2}})["embeddings"]
    assert random == {"_target_": "sweeps.embeddings.RandomVectors", "dim": 64, "min_count": 2}


def test_recorded_config_takes_todays_fixes_for_repair():
    cfg = OmegaConf.merge(OmegaConf.structured(SweepsConf), upgrade_config(_recorded()))
    fixed = apply_fix(cfg, "optimizer=adam optimizer.lr=0.001")  # a fix from conf/diagnosis/default.yaml
    assert fixed.optimizer._target_ == "torch.optim.Adam" and fixed.optimizer.lr == 0.001
    assert apply_fix(cfg, "optimizer.lr=0.5").optimizer.lr == 0.5
    # The uninformative-inputs fixes name embeddings variants and knobs in today's layout.
    assert apply_fix(cfg, "embeddings=glove50").embeddings == {"_target_": "sweeps.embeddings.GloVe50"}
    assert apply_fix(cfg, "embeddings.epochs=8 embeddings.min_count=1").embeddings.min_count == 1


def test_recorded_checkpoint_is_accepted_by_todays_equivalent_command(tmp_path):
    cfg = compose_config([f"paths.runs_dir={tmp_path}", *TODAY, "trainer.max_epochs=3",
                          f"trainer.resume_from={FIXTURE / 'last.pt'}"])
    validate_config(cfg)
    resolved = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    payload, _ = load_resume_state(str(FIXTURE / "last.pt"), tmp_path, cfg.tracking.uri, resolved)
    assert payload["epoch"] == 2 and payload["config"]["optimizer"]["_target_"] == "torch.optim.SGD"


@pytest.mark.slow
def test_recorded_run_resumes_to_the_end_under_todays_version(tmp_path):
    from sweeps.app import train

    # The recorded checkpoint names its MLflow run; give it one in this test's store.
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    client = MlflowClient(tracking_uri=uri)
    run = client.create_run(client.create_experiment("sweeps"))
    payload = load_checkpoint(FIXTURE / "last.pt")
    payload["run_id"] = run.info.run_id
    checkpoint = tmp_path / "last.pt"
    torch.save(payload, checkpoint)
    client.set_terminated(run.info.run_id, status="KILLED")
    cfg = compose_config([f"paths.runs_dir={tmp_path}", f"tracking.uri={uri}", *TODAY, "trainer.max_epochs=3",
                          f"trainer.resume_from={checkpoint}"])
    result = train(cfg)
    assert result.run_id == run.info.run_id and result.stopped_epoch == 3
    finished = client.get_run(run.info.run_id)
    assert finished.info.status == "FINISHED" and finished.data.tags["resumed_at_epoch"] == "2"
