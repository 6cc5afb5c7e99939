"""The NumPy network and scratch optimizers run through the same trainer and MLflow tracking."""

from __future__ import annotations

import pytest
import torch

from sweeps.app import train
from sweeps.lab.torch_bridge import build_numpy_model
from tests.conftest import compose_config, existing_store, mlflow_runs


@pytest.fixture(autouse=True)
def _migrated_store(tmp_path):
    """Runs here write to ``tmp_path/mlflow.db``: an empty store MLflow has migrated already."""
    existing_store(tmp_path)


def test_xor_is_solved_by_the_numpy_network_with_scratch_adam(tmp_path):
    # The command (today's words): data=xor model=mlp_numpy optimizer=adam optimizer._target_=sweeps.lab.optimizers.Adam
    cfg = compose_config([f"paths.runs_dir={tmp_path}", "data=xor", "model=mlp_numpy", "optimizer=adam",
                          "optimizer._target_=sweeps.lab.optimizers.Adam", "tracking.confusion_every=10"])
    result = train(cfg)
    assert result.metrics["final/train/acc"] == 1.0 and result.metrics["test/acc"] == 1.0
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=cfg.tracking.uri)
    images = [a.path for a in client.list_artifacts(result.run_id, "images")]
    # A decision-boundary image per logged epoch, with its step, next to the curves.
    assert any("decision_boundary" in p for p in images)
    assert client.get_run(result.run_id).data.params["model._target_"] == "sweeps.lab.torch_bridge.NumpyMLP"


@pytest.mark.parametrize("data", ["moons", "circles", "spirals"])
def test_other_toy_sets_are_learned_by_a_hidden_layer(tmp_path, data):
    cfg = compose_config([f"paths.runs_dir={tmp_path}", f"data={data}", "model.hidden_dims=[64,64]",
                          "optimizer.lr=0.01", "trainer.max_epochs=40", "model.dropout=0",
                          "tracking.confusion_every=0", "tracking.tsne=false"])
    assert train(cfg).metrics["test/acc"] > 0.9


def test_a_linear_model_cannot_solve_xor(tmp_path):
    cfg = compose_config([f"paths.runs_dir={tmp_path}", "data=xor", "model.hidden_dims=[]", "optimizer.lr=0.01",
                          "tracking.confusion_every=0", "tracking.tsne=false"])
    # The lecture's point: without a hidden layer XOR stays near chance.
    assert train(cfg).metrics["test/acc"] < 0.7


def test_numpy_bridge_gradients_equal_autograd_on_the_same_weights():
    torch.manual_seed(0)
    model = build_numpy_model(6, [5], 2, "tanh", "xavier", 0.0, "none", False, seed=0)
    x, y = torch.randn(8, 6), torch.randint(0, 2, (8,)).float()
    torch.nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
    ours = [p.grad.clone() for p in model.weights]
    w1, b1, w2, b2 = [p.detach().clone().requires_grad_() for p in model.weights]
    logits = (torch.tanh(x @ w1.T + b1) @ w2.T + b2)[:, 0]
    torch.nn.functional.binary_cross_entropy_with_logits(logits, y).backward()
    for a, b in zip(ours, (w1.grad, b1.grad, w2.grad, b2.grad)):
        assert torch.allclose(a, b, atol=1e-6)


def test_numpy_backend_on_text_features_with_checkpoint_round_trip(small_cfg, tmp_path):
    from omegaconf import OmegaConf

    cfg = OmegaConf.merge(small_cfg, {"model": {"_target_": "sweeps.lab.torch_bridge.NumpyMLP", "norm": "batch"},
                                      "optimizer": {"_target_": "sweeps.lab.optimizers.Adam"}})
    result = train(cfg)
    assert result.metrics["test/acc"] > 0.8
    from sweeps.training import load_checkpoint

    state = load_checkpoint(tmp_path / "runs" / "checkpoints" / result.run_id / "best.pt")
    # NumPy weights and batch-norm running statistics are in the checkpoint like any torch model's.
    assert any(k.startswith("weights.") for k in state["model"]) and any(k.startswith("bn_") for k in state["model"])
    assert [r.info.status for r in mlflow_runs(cfg.tracking.uri)] == ["FINISHED"]


def test_numpy_backend_refuses_attention_pooling(tmp_path):
    from sweeps.config import validate_config
    from sweeps.errors import ConfigError

    with pytest.raises(ConfigError, match="model.pooling"):
        validate_config(compose_config(["model=mlp_numpy", "model.pooling=attention"]))
