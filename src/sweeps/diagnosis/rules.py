"""The diagnosis rules: each reads the per-epoch history and returns a Finding or None.

A Finding carries ``harm``: evidence that the run is worse than it should be. Rules that read the
curves (divergence, a widening gap with rising validation loss, a plateau at a poor accuracy, a
zigzag) carry their own harm; rules that read an internal statistic (dead units, update/weight
ratio, gradient norms, input statistics) borrow it from ``sweeps.diagnosis.harm`` and return an
observation (``harm=None``) when there is none.

Sources the thresholds (``conf/diagnosis/default.yaml``) follow:
- exploding / vanishing gradients and dying ReLU: AUTOTRAINER (Zhang et al., ICSE 2021) checks
  gradient norms against absolute thresholds, the first-to-last layer gradient ratio, and the
  share of ReLU units that output zero; Pascanu et al. (2013) and Glorot & Bengio (2010) for why.
- overfitting: Amazon SageMaker Debugger's ``Overfit`` rule (validation loss rising while training
  loss falls), in relative form, plus the train/validation accuracy gap.
- learning rate: the update/weight ratio heuristic (about 1e-3 per step is healthy: CS231n,
  Karpathy's "A Recipe for Training Neural Networks"), and a loss that never beats chance.
- underfitting and noisy training: curve-shape heuristics (plateau at a poor accuracy; validation
  loss reversing between epochs).
- uninformative inputs: issue 19's measurements (``sweeps.features.quality``, whose warning uses
  the same thresholds): collapsed Word2Vec reads cosine 0.999 (a coin-flip model, dead fraction
  0.87); healthy Word2Vec 0.03-0.39 and feature spread 0.18-1.2, GloVe 50d 0.65 and 0.60.
- harm (``harm_chance_margin``, ``harm_reference_gap``, ``harm_linear_gap``): see ``sweeps.diagnosis.harm``;
  underfitting also reads the linear baseline on the run's split (``RunFacts.linear_acc``, issue 20's
  "reference on the same data"): a model that never fits its training data as well as TF-IDF +
  logistic regression predicts unseen documents.
Each rule is a plain function so a test can feed it a history and check its verdict.
"""

from __future__ import annotations

import math
from statistics import mean

from omegaconf import DictConfig

from sweeps.diagnosis.facts import RunFacts
from sweeps.diagnosis.findings import Finding, confidence
from sweeps.diagnosis.harm import below_linear, loss_drop, performance_harm, still_falling
from sweeps.diagnosis.signals import finite, first_nonfinite_epoch, layers_with, median_or_nan, series

# step-0 data metric -> (config threshold, True when degenerate above it, what it means)
INPUT_CHECKS = {
    "data/inputs_vector_cosine": ("inputs_max_vector_cosine", True,
                                  "the frequent words' vectors point the same way: the embeddings collapsed"),
    "data/inputs_feature_std": ("inputs_min_feature_std", False,
                                "the pooled features barely vary between documents: every document looks alike"),
    "data/inputs_empty_docs": ("inputs_max_empty_docs", True,
                               "most training documents have no in-vocabulary token: their features are empty"),
}


def uninformative_inputs(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    """Degenerate inputs (issue 19's step-0 metrics; absent on older runs: no finding)."""
    for key, (threshold_key, above, meaning) in INPUT_CHECKS.items():
        value, threshold = facts.data.get(key), cfg[threshold_key]
        if value is None or not math.isfinite(value):
            continue
        if (value >= threshold) if above else (value <= threshold):
            return Finding("uninformative_inputs", key, 0, value, threshold,
                           confidence(max(value, 1e-12), threshold, above=above), meaning,
                           harm=performance_harm(history, cfg, facts, chance_margin=cfg.inputs_harm_margin))
    return None


def _loss_at_least_guessing(history: list[dict], facts: RunFacts, start: int) -> bool:
    """Training loss at or above ln K (guessing) at some epoch from ``start`` on."""
    guess = math.log(max(facts.num_classes, 2))
    return any(not (loss < guess) for loss in series(history, "train/loss")[start - 1:])


def exploding_gradients(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    epoch = first_nonfinite_epoch(history)
    if epoch is not None:
        return Finding("exploding_gradients", "train/loss or diag/nonfinite", epoch, float("nan"), 0.0, 1.0,
                       "the loss or the gradients became NaN/inf: the run diverged",
                       harm=f"the run diverged at epoch {epoch}")
    for layer in layers_with(history, "grad_norm"):
        norms = series(history, f"diag/grad_norm/{layer}")
        for epoch, norm in enumerate(norms, start=1):
            found = None
            if norm > cfg.exploding_grad_norm:
                found = Finding("exploding_gradients", f"diag/grad_norm/{layer}", epoch, norm, cfg.exploding_grad_norm,
                                confidence(norm, cfg.exploding_grad_norm, above=True),
                                "gradient norm far above what a well-scaled network produces")
            # Growth counts only once the norm is large in absolute terms: dead units reviving can
            # multiply a 1e-5 norm a thousandfold without anything exploding.
            floor = cfg.exploding_grad_norm / cfg.exploding_growth
            if found is None and epoch > 1 and norms[epoch - 2] > 0 and norm > floor \
                    and norm / norms[epoch - 2] > cfg.exploding_growth:
                growth = norm / norms[epoch - 2]
                found = Finding("exploding_gradients", f"diag/grad_norm/{layer} growth", epoch, growth,
                                cfg.exploding_growth, confidence(growth, cfg.exploding_growth, above=True),
                                "gradient norm multiplied from one epoch to the next")
            if found is not None:
                # Large gradients alone are a statistic; a loss no better than guessing is the harm.
                if _loss_at_least_guessing(history, facts, epoch):
                    found.harm = f"the training loss is no better than guessing (ln {facts.num_classes}) from epoch {epoch}"
                else:
                    found.harm = performance_harm(history, cfg, facts)
                return found
    return None


def vanishing_gradients(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    layers = layers_with(history, "grad_norm")
    if len(layers) < 2 or len(history) < 2:
        return None
    drop = loss_drop(history)
    if not drop < cfg.stalled_loss_drop:
        return None
    first, head = series(history, f"diag/grad_norm/{layers[0]}"), series(history, "diag/grad_norm/head")
    for epoch, (g_first, g_head) in enumerate(zip(first, head), start=1):
        if g_head > 0 and g_first < cfg.vanishing_grad_norm and g_first / g_head < cfg.vanishing_ratio:
            ratio = g_first / g_head
            return Finding("vanishing_gradients", f"diag/grad_norm/{layers[0]} / diag/grad_norm/head", epoch, ratio,
                           cfg.vanishing_ratio, confidence(max(ratio, 1e-12), cfg.vanishing_ratio, above=False),
                           "the first layer gets a tiny fraction of the head's gradient",
                           harm=f"the training loss fell only {100 * drop:.1f}% (a stall)")
    return None


def dying_relu(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    worst_layer, worst, worst_epoch = None, 0.0, 0
    for layer in layers_with(history, "dead_frac"):
        values = series(history, f"diag/dead_frac/{layer}")
        if len(values) < 2:
            continue
        # After the first epoch: a unit that has died stays dead. And it must have died during
        # training: units silent from initialisation on (tiny inputs) are not "dying".
        settled = median_or_nan(values[1:])
        if settled > worst and settled - values[0] >= cfg.dead_relu_fraction / 2:
            above = [e for e, v in enumerate(values, start=1) if v > cfg.dead_relu_fraction]
            worst_layer, worst, worst_epoch = layer, settled, (above[0] if above else len(values))
    if worst_layer is None or worst <= cfg.dead_relu_fraction:
        return None
    return Finding("dying_relu", f"diag/dead_frac/{worst_layer}", worst_epoch, worst, cfg.dead_relu_fraction,
                   confidence(worst, cfg.dead_relu_fraction, above=True),
                   "most ReLU units of this layer stopped firing for every input during training",
                   harm=performance_harm(history, cfg, facts))


def _max_median_update_ratio(history: list[dict]) -> tuple[str, float]:
    best = ("", float("nan"))
    for layer in layers_with(history, "update_ratio"):
        value = median_or_nan(series(history, f"diag/update_ratio/{layer}"))
        if math.isfinite(value) and not value <= best[1]:
            best = (layer, value)
    return best


def steady_descent(values: list[float], cfg: DictConfig) -> bool:
    """A curve that went down from epoch to epoch (at least ``steady_descent_share`` of its steps
    down) by more than ``plateau_change`` overall: what small steps give (CS231n's "low learning
    rate" loss curve), unlike the bounces of overshooting steps or the flat line of a dead network."""
    if len(values) < 3 or values[0] <= 0:
        return False
    down = sum(b < a for a, b in zip(values, values[1:])) / (len(values) - 1)
    return down >= cfg.steady_descent_share and (values[0] - values[-1]) / values[0] > cfg.plateau_change


def lr_too_high(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    losses = finite(series(history, "train/loss"))
    chance_loss = math.log(max(facts.num_classes, 2))
    layer, ratio = _max_median_update_ratio(history)
    # A loss that starts high and comes down epoch after epoch with small steps (a poor init) did
    # not overshoot, however slowly it comes down: that is a learning rate too low, if anything.
    # Huge steps (update ratio above high_update_ratio) overshoot even while the loss comes down.
    # Nor did steps measured tiny (0 < update ratio < low_update_ratio): a loss above guessing's
    # from the first epoch on is then the initialisation's, crept down from (BBC News, SGD lr 4e-5:
    # ratio 4e-5, loss 3.2 -> 2.9 with batch noise). An exact 0 is a dead network, which may have overshot.
    small_steps = (steady_descent(losses, cfg) and not ratio > cfg.high_update_ratio) \
        or 0 < ratio < cfg.low_update_ratio
    if len(losses) >= 3 and losses[0] > chance_loss * 1.2 and not small_steps:
        tail = mean(losses[-3:])
        if tail >= cfg.lr_high_loss_ratio * chance_loss:
            return Finding("lr_too_high", "train/loss vs chance", 1, tail / chance_loss, cfg.lr_high_loss_ratio,
                           confidence(tail / chance_loss, cfg.lr_high_loss_ratio, above=True),
                           "the first epoch overshot above the loss of guessing",
                           harm="training never beat guessing")
    if math.isfinite(ratio) and ratio > cfg.high_update_ratio:
        return Finding("lr_too_high", f"median diag/update_ratio/{layer}", 1, ratio, cfg.high_update_ratio,
                       confidence(ratio, cfg.high_update_ratio, above=True),
                       "each step changes the weights by a large fraction of their size",
                       harm=performance_harm(history, cfg, facts))
    return None


def lr_too_low(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    """Tiny steps (update ratio) with a loss that creeps down; or, from the curves with small steps
    (update ratio under ``slow_update_ratio``, or not measured), a training loss still near
    guessing's that came down epoch after epoch and was still falling at the end."""
    layer, ratio = _max_median_update_ratio(history)
    losses = finite(series(history, "train/loss"))
    if len(losses) < 3 or first_nonfinite_epoch(history) is not None:
        return None
    # The validation loss, when there is one, is measured on fixed weights: the training loss of
    # tiny steps wobbles with its batches. It must come down, however little: a rising one is
    # something else, and a flat one with no update at all (ratio exactly 0) is a dead network,
    # whose units pass no gradient, not a slow one.
    curve = finite(series(history, "val/loss")) or losses
    if math.isfinite(ratio) and 0 < ratio < cfg.low_update_ratio and curve[-1] < curve[0]:
        return Finding("lr_too_low", f"median diag/update_ratio/{layer}", 1, ratio, cfg.low_update_ratio,
                       confidence(max(ratio, 1e-12), cfg.low_update_ratio, above=False),
                       "the weights barely move each step, so the loss can only creep down: more lr would help",
                       harm=performance_harm(history, cfg, facts) or still_falling(history, cfg))
    # Steps of healthy size (CS231n's ~1e-3) on a loss that creeps along are a model that cannot do
    # better (underfitting: a tiny model on BBC News moves its weights 9e-4-1.4e-3 a step), not a
    # learning rate too small; huge steps are lr_too_high's case. Without instrumentation (NaN
    # ratio) the curves decide.
    if ratio >= cfg.slow_update_ratio or not steady_descent(losses, cfg):
        return None
    guessing = losses[-1] / math.log(max(facts.num_classes, 2))
    falling = still_falling(history, cfg, "train/loss") or still_falling(history, cfg)
    if falling and guessing >= cfg.underfit_loss_ratio:
        return Finding("lr_too_low", "final train/loss / ln K, still falling", len(losses), guessing,
                       cfg.underfit_loss_ratio, confidence(guessing, cfg.underfit_loss_ratio, above=True),
                       "the loss came down every epoch yet is still near guessing's when training ends: "
                       "the steps are too small for the epoch budget", harm=falling)
    # Or still far from what the data allows (the linear baseline on the same split), same evidence.
    poor = below_linear(history, cfg, facts)
    if falling and poor:
        return Finding("lr_too_low", "small steps, still falling, far below the linear baseline", len(losses), ratio,
                       cfg.slow_update_ratio,
                       confidence(max(ratio, 1e-12), cfg.slow_update_ratio, above=False) if math.isfinite(ratio) else 0.5,
                       "the loss came down every epoch with small steps and was still falling when training ended, "
                       "far below what a linear model reaches on the same data: the steps are too small for the "
                       "epoch budget", harm=f"{falling}; {poor}")
    return None


def overfitting(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    """The curves alone: validation loss rising while training loss keeps falling, or a train/val
    accuracy gap. Both are harm in themselves, at any dataset size and whatever else fires."""
    val, train = series(history, "val/loss"), series(history, "train/loss")
    if len(val) >= 3 and all(math.isfinite(v) for v in val) and val[-1] > 0:
        best = min(range(len(val)), key=val.__getitem__)
        # The rise must hold over the last two epochs (one spike of a noisy run comes back down)
        # while the training loss really kept falling, not just wobbled lower.
        rise = min(val[-2:]) / val[best] - 1
        # And the model must be fitting the training data (a loss below guessing, a gap that
        # widened since the minimum): a diverging run's garbage losses also "rise".
        fits = train[-1] < math.log(max(facts.num_classes, 2)) and _gap_widened(history, best, cfg.overfit_gap_widening)
        if rise > cfg.overfit_val_loss_rise and fits and train[-1] < (1 - cfg.overfit_train_drop) * train[best]:
            first = next(e for e in range(best + 1, len(val)) if val[e] / val[best] - 1 > cfg.overfit_val_loss_rise)
            return Finding("overfitting", "val/loss rise over its minimum", first + 1, rise,
                           cfg.overfit_val_loss_rise, confidence(rise, cfg.overfit_val_loss_rise, above=True),
                           f"validation loss bottomed out at epoch {best + 1} and rose while training loss "
                           f"kept falling",
                           harm=f"validation loss {100 * rise:.0f}% above its minimum at the end")
    train_acc, val_acc = series(history, "train/acc"), series(history, "val/acc")
    if train_acc and val_acc:
        gaps = [t - v for t, v in zip(train_acc, val_acc)]
        above = [e for e, g in enumerate(gaps, start=1) if g > cfg.overfit_gap]
        # Held over the last two epochs, like the rise above: one epoch whose validation accuracy
        # dropped (a noisy or unstable run zigzags: IMDB, momentum SGD lr 0.15, val acc 0.76 -> 0.62
        # on its last epoch with train acc 0.74) is not memorisation.
        held = min(gaps[-2:])
        if held > cfg.overfit_gap:
            return Finding("overfitting", "train/acc - val/acc (last 2 epochs)", above[0], held, cfg.overfit_gap,
                           confidence(held, cfg.overfit_gap, above=True),
                           "the model fits the training data far better than data it has not seen",
                           harm=f"a {100 * held:.0f}-point train/validation accuracy gap")
    return None


def _gap_widened(history: list[dict], since: int, by: float) -> bool:
    """train/acc - val/acc at the end more than ``by`` above its value at epoch index ``since``, or
    more than ``by`` above zero when it was negative then (True without accuracies). A gap that
    grew by a point is a noisy validation curve, and training accuracy (read with dropout on)
    catching up with validation's is not memorisation."""
    train_acc, val_acc = series(history, "train/acc"), series(history, "val/acc")
    if len(train_acc) != len(history) or len(val_acc) != len(history):
        return True
    return train_acc[-1] - val_acc[-1] > max(train_acc[since] - val_acc[since], 0.0) + by


def underfitting(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    train_acc, losses = series(history, "train/acc"), finite(series(history, "train/loss"))
    if len(train_acc) < 3 or len(losses) < 3:
        return None
    ceiling = facts.chance + cfg.underfit_margin * (1 - facts.chance)
    change = abs(losses[-3] - losses[-1]) / max(losses[-3], 1e-12)
    # The loss must stay near guessing's too: a training accuracy read with dropout on can sit
    # at a pipeline's ceiling (0.79 on IMDB's mean-pooled Word2Vec) with the loss at 0.65 x ln 2.
    guessing = losses[-1] / math.log(max(facts.num_classes, 2))
    if train_acc[-1] < ceiling and change < cfg.plateau_change and guessing >= cfg.underfit_loss_ratio:
        return Finding("underfitting", "final train/acc", len(train_acc), train_acc[-1], ceiling,
                       confidence(ceiling, max(train_acc[-1], 1e-6), above=True),
                       f"training accuracy levelled off (loss changed {100 * change:.1f}% over the last 3 epochs)",
                       harm=f"the model cannot fit even the training data (train accuracy {train_acc[-1]:.3f})")
    return _below_linear_fit(history, cfg, facts)


def _below_linear_fit(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    """Underfitting judged against the data (issue 20's reference on the same data): the best
    training accuracy and the best validation accuracy both more than ``harm_linear_gap`` below the
    linear baseline's validation accuracy. A model that never fits even its training data as well
    as TF-IDF + logistic regression predicts unseen documents cannot represent what the words say;
    no plateau needed (a tiny model creeps along at a poor level with normal-sized steps). Causes
    that explain a poor fit (lr, dead units, vanishing gradients, inputs) take the headline."""
    harm = below_linear(history, cfg, facts)
    if harm is None or first_nonfinite_epoch(history) is not None:
        return None
    fit = max(finite(series(history, "train/acc")), default=float("nan"))
    floor = facts.linear_acc - cfg.harm_linear_gap
    if not fit < floor:
        return None
    return Finding("underfitting", "best train/acc vs the linear baseline's val/acc", len(history), fit, floor,
                   confidence(floor, max(fit, 1e-6), above=True),
                   "the model never fit its own training data as well as a linear model over the same words "
                   "predicts unseen documents", harm=harm)


def zigzag(values: list[float]) -> float:
    """Back-and-forth movement per epoch: total variation minus the net change, over the steps.
    Zero for any monotone curve however steep; grows only when the curve reverses."""
    if len(values) < 2:
        return 0.0
    total = sum(abs(b - a) for a, b in zip(values, values[1:]))
    return (total - abs(values[-1] - values[0])) / (len(values) - 1)


def noisy_training(history: list[dict], cfg: DictConfig, facts: RunFacts) -> Finding | None:
    val_loss = series(history, "val/loss")
    if len(val_loss) < 4 or not all(math.isfinite(v) for v in val_loss):
        return None
    # The second half only: by then a healthy run has settled. Validation loss rather than
    # accuracy: on a few hundred validation documents accuracy moves by whole documents even in
    # a smooth run, while the loss reverses only when the weights really jump around.
    start = max(1, len(val_loss) // 2 - 1)
    settled = val_loss[start:]
    level = mean(settled)
    relative = zigzag(settled) / level if level > 0 else 0.0
    if relative <= cfg.noisy_val_loss_zigzag:
        return None
    return Finding("noisy_training", "val/loss zigzag / its mean (second half)", start + 2, relative,
                   cfg.noisy_val_loss_zigzag, confidence(relative, cfg.noisy_val_loss_zigzag, above=True),
                   "validation loss goes up and down from epoch to epoch instead of settling: steps follow "
                   "batch noise", harm=_noise_cost(history, cfg, start, relative))


def _noise_cost(history: list[dict], cfg: DictConfig, start: int, relative: float) -> str | None:
    """The harm of a zigzag: the settled epochs' mean validation accuracy well below the best
    epoch's, or their mean validation loss well above its minimum (the noise costs, not just
    smoothness). A wobble of a few tenths of a point at a run's ceiling costs nothing."""
    val_acc, val_loss = finite(series(history, "val/acc")), series(history, "val/loss")
    cost = max(val_acc) - mean(val_acc[start:] or val_acc) if val_acc else 0.0
    if cost > cfg.noisy_acc_cost:
        return f"the settled epochs average {100 * cost:.1f} points below the best epoch's validation accuracy"
    excess = mean(val_loss[start:]) / min(val_loss) - 1 if min(val_loss) > 0 else 0.0
    if excess > cfg.noisy_loss_cost:
        return f"the settled epochs' validation loss averages {100 * excess:.0f}% above its minimum"
    return None


# Every rule runs on every history; the diagnoser orders the findings by cause
# (findings.CAUSES) and marks the ones an earlier cause explains (findings.EXPLAINED_BY).
RULES = (uninformative_inputs, exploding_gradients, lr_too_high, lr_too_low, noisy_training, overfitting,
         underfitting, vanishing_gradients, dying_relu)
LIVE_RULES = (exploding_gradients, vanishing_gradients)
