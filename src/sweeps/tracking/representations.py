"""Artifacts about what the network learned: projections of its representations and, for
attention pooling, which words it weighted."""

from __future__ import annotations

import numpy as np
import torch

from sweeps.analysis.attention_html import attention_page
from sweeps.analysis.projections import projection_figure, representations
from sweeps.tracking.analysis_artifacts import confidence_of
from sweeps.tracking.mlflow_run import MlflowRun
from sweeps.tracking.optional_steps import optional_step, record_skip


class RepresentationLogger:
    """Takes the "before" picture when built (weights as initialised) and logs before-vs-after
    PCA (and t-SNE) maps of ``points`` validation documents once training is done."""

    def __init__(self, run: MlflowRun, model: torch.nn.Module, val, class_names: list[str], points: int,
                 tsne: bool, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.index = torch.randperm(len(val), generator=generator)[: min(points, len(val))].sort().values
        self.inputs, labels = val.batch(self.index)
        self.labels = labels.numpy()
        self.run, self.model, self.class_names, self.tsne, self.seed = run, model, class_names, tsne, seed
        self.before = representations(model, self.inputs)

    def log_after(self) -> None:
        """One figure per method; a panel whose vectors PCA/t-SNE cannot take is left blank and
        recorded as skipped (``sweeps.skipped.projection_<method>``)."""
        if self.before is None:
            return
        after = representations(self.model, self.inputs)
        for method in ("pca", "tsne") if self.tsne else ("pca",):
            with optional_step(self.run, f"projection_{method}"):
                fig, skipped = projection_figure(self.before, after, self.labels, self.class_names, method, self.seed)
                self.run.log_figure(fig, f"analysis/projection_{method}.png")
                if skipped:
                    record_skip(self.run, f"projection_{method}", "; ".join(skipped))


@torch.no_grad()
def log_attention_highlights(run: MlflowRun, model: torch.nn.Module, test, evaluation, features,
                             per_kind: int = 10) -> None:
    """The most confident mistakes and correct answers with each word shaded by its weight."""
    pooler = getattr(model, "pooler", None)
    if pooler is None or not hasattr(pooler, "score"):
        return
    labels = test.labels.numpy()
    confidence = confidence_of(evaluation.probs)
    wrong = evaluation.preds != labels
    picks = [(i, "mistake") for i in np.argsort(-np.where(wrong, confidence, -1))[: min(per_kind, wrong.sum())]]
    picks += [(i, "correct") for i in np.argsort(-np.where(~wrong, confidence, -1))[: min(per_kind, (~wrong).sum())]]
    model.eval()
    documents = []
    for i, kind in picks:
        ids, _ = test.batch(torch.tensor([int(i)]))
        pooler(ids)
        weights = pooler.last_weights[0].cpu().numpy()
        row_ids = ids[0].numpy()
        keep = row_ids != 0
        tokens = [features.vocab[t - 1] for t in row_ids[keep]]
        caption = (f"{kind}: true {features.class_names[labels[i]]}, predicted "
                   f"{features.class_names[evaluation.preds[i]]} ({confidence[i]:.3f})")
        documents.append((tokens, weights[keep], caption))
    run.log_text(attention_page(documents, "Attention weights on test documents"), "analysis/attention.html")
