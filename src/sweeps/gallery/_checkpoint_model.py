"""Rebuild a finished run's model and data from its best checkpoint (for landscape/gradient_flow)."""

from __future__ import annotations

import torch
from omegaconf import OmegaConf

from sweeps.config.upgrade import upgrade_config
from sweeps.errors import CheckpointError
from sweeps.features import prepare_features
from sweeps.gallery._context import GalleryContext
from sweeps.models import build_model, num_outputs
from sweeps.training import load_checkpoint
from sweeps.training.loop import ClassificationLoss
from sweeps.training.resume import run_checkpoint
from sweeps.training.splits import tensor_split


def load_run_model(ctx: GalleryContext, run_id: str | None):
    """(model, train TensorSplit, loss function) of the run's best weights."""
    if not run_id:
        raise CheckpointError("this topic needs a run: python -m sweeps.gallery <topic> RUN_ID")
    payload = load_checkpoint(run_checkpoint(run_id, "best.pt", ctx.runs_dir, ctx.tracking_uri))
    cfg = OmegaConf.create(upgrade_config(payload["config"]))
    features = prepare_features(cfg)
    table = torch.from_numpy(features.embedding_table) if features.embedding_table is not None else None
    model = build_model(cfg, payload["input_dim"], len(payload["class_names"]), table)
    model.load_state_dict(payload["model"])
    model.eval()
    return model, tensor_split(features, "train"), ClassificationLoss(num_outputs(len(payload["class_names"])))
