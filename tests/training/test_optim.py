"""The optimizer trains with what the config says: momentum as configured (0 included), the lr
after batch scaling, and that scaled lr recorded next to the configured one."""

from __future__ import annotations

import math

import pytest
import torch
from mlflow.tracking import MlflowClient

from sweeps.app import train
from sweeps.config import compose_config, validate_config
from sweeps.errors import ConfigError
from sweeps.training.optim import build_optimizer, effective_lr
from tests.conftest import small_overrides


def _params() -> list[torch.nn.Parameter]:
    return list(torch.nn.Linear(3, 2).parameters())


@pytest.mark.parametrize("target", ["torch.optim.SGD", "sweeps.lab.optimizers.SGD"])
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_momentum_param_group_equals_the_configured_value_including_zero(momentum, target):
    cfg = compose_config(["optimizer=momentum", f"optimizer.momentum={momentum}", f"optimizer._target_={target}"])
    validate_config(cfg)
    optimizer = build_optimizer(cfg.optimizer, _params())
    # The value torch (or the scratch rule) steps with is the configured one; 0 is not replaced by 0.9.
    assert optimizer.param_groups[0]["momentum"] == momentum


def test_momentum_preset_keeps_its_documented_default():
    # conf/optimizer/momentum.yaml is where 0.9 comes from, not the builder.
    optimizer = build_optimizer(compose_config(["optimizer=momentum"]).optimizer, _params())
    assert optimizer.param_groups[0]["momentum"] == 0.9


def test_zero_momentum_steps_exactly_like_plain_sgd():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(3, 1), torch.nn.Linear(3, 1)
    b.load_state_dict(a.state_dict())
    momentum0 = build_optimizer(compose_config(["optimizer=momentum", "optimizer.momentum=0",
                                                "optimizer.lr=0.1"]).optimizer, a.parameters())
    sgd = build_optimizer(compose_config(["optimizer=sgd", "optimizer.lr=0.1"]).optimizer, b.parameters())
    x = torch.randn(8, 3)
    for _ in range(3):  # from the second step on, any velocity would make the two differ
        for model, optimizer in ((a, momentum0), (b, sgd)):
            optimizer.zero_grad()
            model(x).pow(2).mean().backward()
            optimizer.step()
    assert torch.equal(a.weight, b.weight)


def test_nesterov_without_momentum_is_refused_naming_the_key():
    cfg = compose_config(["optimizer=momentum", "optimizer.momentum=0", "optimizer.nesterov=true"])
    with pytest.raises(ConfigError, match="optimizer.nesterov"):
        validate_config(cfg)


@pytest.mark.parametrize("rule,factor", [("none", 1.0), ("linear", 4.0), ("sqrt", 2.0)])
def test_effective_lr_is_what_the_optimizer_starts_with(rule, factor):
    cfg = compose_config(["optimizer=adam", "optimizer.lr=0.001", f"trainer.scale_lr_with_batch={rule}",
                          "trainer.base_batch_size=64"])
    lr = effective_lr(cfg.optimizer, cfg.trainer, 256)
    assert math.isclose(lr, 0.001 * factor)
    assert math.isclose(build_optimizer(cfg.optimizer, _params(), lr).param_groups[0]["lr"], lr)
    assert cfg.optimizer.lr == 0.001  # the configured rate is left as configured


def test_run_logs_the_configured_and_the_effective_lr(tmp_path, tiny_csv):
    # Batch 16 x 2 accumulated = 32 examples per step, half of base 64: linear scaling halves lr.
    cfg = compose_config([*small_overrides(tmp_path / "runs", tiny_csv), "trainer.max_epochs=1",
                          "trainer.accumulate_grad_batches=2", "trainer.scale_lr_with_batch=linear",
                          "trainer.base_batch_size=64", "tracking.projection_points=0", "tracking.analysis=false"])
    result = train(cfg)
    params = MlflowClient(tracking_uri=result.tracking_uri).get_run(result.run_id).data.params
    assert float(params["optimizer.lr"]) == 0.02
    assert math.isclose(float(params["optimizer.effective_lr"]), 0.01)
