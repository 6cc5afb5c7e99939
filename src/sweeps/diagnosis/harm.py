"""Evidence that a run is worse than it should be: the gate between an observation and a label.

An internal statistic past a threshold (dead units, tiny updates) is only a label when the run
also shows harm: it diverged, its training loss stalled, its best validation accuracy sits near
chance, or it is well below a reference on the same data (the study's best trial, a linear
baseline). A model at its pipeline's ceiling with half its ReLUs dead is not broken.
"""

from __future__ import annotations

import math

from omegaconf import DictConfig

from sweeps.diagnosis.facts import RunFacts
from sweeps.diagnosis.signals import finite, first_nonfinite_epoch, series


def loss_drop(history: list[dict]) -> float:
    """How much the training loss fell below its first epoch, as a fraction of it."""
    losses = finite(series(history, "train/loss"))
    if len(losses) < 2 or losses[0] <= 0:
        return float("nan")
    return (losses[0] - min(losses[1:])) / losses[0]


def best_val_acc(history: list[dict]) -> float:
    values = finite(series(history, "val/acc"))
    return max(values) if values else float("nan")


def near_chance(history: list[dict], cfg: DictConfig, facts: RunFacts, margin: float | None = None) -> str | None:
    """Best validation accuracy within ``margin`` (default ``harm_chance_margin``) of the way from
    chance to perfect; without accuracies, a validation loss that never got clearly below guessing (ln K)."""
    best = best_val_acc(history)
    if math.isfinite(best):
        floor = facts.chance + (cfg.harm_chance_margin if margin is None else margin) * (1 - facts.chance)
        if best <= floor:
            return f"best validation accuracy {best:.3f} is near chance ({facts.chance:.2f}; harm below {floor:.2f})"
        return None
    val = finite(series(history, "val/loss"))
    guess = math.log(max(facts.num_classes, 2))
    if val and min(val) >= (1 - cfg.stalled_loss_drop) * guess:
        return f"validation loss never went clearly below guessing (min {min(val):.3f} vs ln K = {guess:.3f})"
    return None


def below_reference(history: list[dict], cfg: DictConfig, facts: RunFacts) -> str | None:
    best = best_val_acc(history)
    if facts.reference_acc is None or not math.isfinite(best):
        return None
    if best < facts.reference_acc - cfg.harm_reference_gap:
        return (f"best validation accuracy {best:.3f} is {100 * (facts.reference_acc - best):.1f} points below "
                f"{facts.reference or 'the reference'} ({facts.reference_acc:.3f})")
    return None


def below_linear(history: list[dict], cfg: DictConfig, facts: RunFacts) -> str | None:
    """Best validation accuracy more than ``harm_linear_gap`` below the linear baseline on the same
    split (``RunFacts.linear_acc``). The gap is wide on purpose: the default pipeline (mean-pooled
    word vectors) sits 1-7 points under TF-IDF + logistic regression on every shipped corpus
    (README's corpus-size table), the best trials of the IMDB studies 7 points (0.82 vs 0.89) and
    every trial of the README's main job at most 10; a network 15 points under it has not learnt
    what a linear model reads off the same words."""
    best, linear = best_val_acc(history), facts.linear_acc
    if linear is None or not math.isfinite(best) or not best < linear - cfg.harm_linear_gap:
        return None
    return (f"best validation accuracy {best:.3f} is {100 * (linear - best):.1f} points below the linear "
            f"baseline on the same split (TF-IDF + logistic regression, {linear:.3f})")


def still_falling(history: list[dict], cfg: DictConfig, key: str = "val/loss") -> str | None:
    """A curve still going down steadily when training ended (each of the last 3 epochs lower,
    more than ``plateau_change`` in all): the run stopped short of what it would reach."""
    values = finite(series(history, key))
    if len(values) < 4:
        return None
    tail = values[-4:]
    drop = (tail[0] - tail[-1]) / max(abs(tail[0]), 1e-12)
    if all(b < a for a, b in zip(tail, tail[1:])) and drop > cfg.plateau_change:
        return f"{key} was still falling steadily when training ended ({100 * drop:.1f}% over the last 3 epochs)"
    return None


def performance_harm(history: list[dict], cfg: DictConfig, facts: RunFacts,
                     chance_margin: float | None = None) -> str | None:
    """The first harm found, in words, or None when the run is as good as can be told.
    ``chance_margin`` widens "near chance" for rules whose own evidence is strong."""
    epoch = first_nonfinite_epoch(history)
    if epoch is not None:
        return f"the run diverged (NaN/inf at epoch {epoch})"
    drop = loss_drop(history)
    if drop < cfg.stalled_loss_drop:
        return f"the training loss fell only {100 * drop:.1f}% from its first epoch"
    return (near_chance(history, cfg, facts, chance_margin) or below_reference(history, cfg, facts)
            or below_linear(history, cfg, facts))
