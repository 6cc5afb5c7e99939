"""Typed configs of the built-in models (``conf/model``), each beside its range checks.

A model node is a ``_target_`` built by ``hydra.utils.instantiate`` with the arguments only the
data knows (input size, classes, word vectors: :func:`sweeps.models.build_model`). The built-in
text MLP, the lab's NumPy MLP and the TF-IDF baseline have schemas here; a user's own
``torch.nn.Module`` needs none (see README "Bring your own model and data").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from omegaconf import DictConfig

from sweeps.config.checks import Checked, one_of, register, require


class Activation(str, Enum):
    relu = "relu"
    leaky_relu = "leaky_relu"
    tanh = "tanh"
    sigmoid = "sigmoid"
    gelu = "gelu"


class Pooling(str, Enum):
    mean = "mean"
    max = "max"
    attention = "attention"
    mean_max = "mean_max"


class Init(str, Enum):
    """torch.nn.init's schemes by torch's names (``he`` is accepted for ``kaiming``)."""

    xavier = "xavier"
    xavier_normal = "xavier_normal"
    kaiming = "kaiming"
    he = "he"  # alias of kaiming
    normal = "normal"
    zeros = "zeros"
    default = "default"


class Norm(str, Enum):
    none = "none"
    batch = "batch"
    layer = "layer"


class TokenWeighting(str, Enum):
    mean = "mean"
    tfidf = "tfidf"
    nb = "nb"


TEXT_MLP = "sweeps.models.TextClassifier"
NUMPY_MLP = "sweeps.lab.torch_bridge.NumpyMLP"
TFIDF_LOGREG = "sweeps.baselines.tfidf_logreg.TfidfLogreg"


@dataclass
class MLPConf(Checked):
    """Pooled word vectors -> MLP -> logits (``TextClassifier``, or the lab's ``NumpyMLP``)."""

    targets = (TEXT_MLP, "sweeps.models.classifier.TextClassifier", NUMPY_MLP)
    _target_: str = TEXT_MLP
    # Widths of the hidden layers; [] = logistic regression on the pooled embedding.
    hidden_dims: list[int] = field(default_factory=lambda: [128])
    activation: Activation = Activation.relu
    dropout: float = 0.2
    pooling: Pooling = Pooling.mean
    init: Init = Init.xavier
    norm: Norm = Norm.none
    residual: bool = False
    # Dropout on the pooled input embedding, before the first layer.
    input_dropout: float = 0.0
    # Standard deviation for init=normal.
    init_std: float = 0.01
    # Hidden width of the attention scorer (pooling=attention).
    attention_hidden: int = 64
    # Trainable bags: 1 = words; 2 = words + bigrams; 3 = words + bigrams + trigrams (n-grams hashed
    # into `bigram_buckets` rows; 0 = one row per n-gram seen at least `bigram_min_count` times in
    # the training split).
    ngrams: int = 1
    bigram_buckets: int = 0
    bigram_min_count: int = 2
    # How a trainable bag averages its tokens: mean (fastText), TF-IDF weights (sublinear tf,
    # L2-normalised rows: rare words and phrases count more) or nb (binarised counts x |Naive Bayes
    # log-count ratio|, NBSVM's weighting, L2-normalised: words one class owns count more).
    token_weighting: TokenWeighting = TokenWeighting.mean

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        require(all(h >= 1 for h in node.hidden_dims), f"{key}.hidden_dims",
                f"every width must be >= 1, got {list(node.hidden_dims)}")
        require(0 <= node.dropout < 1, f"{key}.dropout", f"must be in [0, 1), got {node.dropout}")
        require(0 <= node.input_dropout < 1, f"{key}.input_dropout", f"must be in [0, 1), got {node.input_dropout}")
        require(node.init_std > 0, f"{key}.init_std", f"must be > 0, got {node.init_std}")
        one_of(node.ngrams, f"{key}.ngrams", ("1", "2", "3"))
        require(node.bigram_buckets >= 0, f"{key}.bigram_buckets", f"must be >= 0, got {node.bigram_buckets}")
        require(node.bigram_min_count >= 1, f"{key}.bigram_min_count", f"must be >= 1, got {node.bigram_min_count}")
        require(node.attention_hidden >= 1, f"{key}.attention_hidden", f"must be >= 1, got {node.attention_hidden}")
        if node._target_ == NUMPY_MLP:
            require(_value(node.pooling) != "attention", f"{key}.pooling", "attention needs model=mlp (torch)")
            require(_value(node.norm) != "layer", f"{key}.norm", "layer norm needs model=mlp (torch); numpy has batch|none")


@dataclass
class TfidfLogregConf(Checked):
    """Lecture 1's baseline: TF-IDF (sublinear tf, L2 rows) + sklearn's logistic regression."""

    targets = (TFIDF_LOGREG,)
    _target_: str = TFIDF_LOGREG
    # 1 = words; 2 = words + bigrams.
    ngrams: int = 2
    # Drop terms in fewer training documents.
    min_df: int = 2
    # Inverse L2 strength (sklearn's default; larger = weaker regularisation).
    C: float = 1.0
    max_iter: int = 1000

    @classmethod
    def check(cls, node: DictConfig, key: str) -> None:
        one_of(node.ngrams, f"{key}.ngrams", ("1", "2"))
        require(node.C > 0, f"{key}.C", f"must be > 0, got {node.C}")
        require(node.min_df >= 1, f"{key}.min_df", f"must be >= 1, got {node.min_df}")
        require(node.max_iter >= 1, f"{key}.max_iter", f"must be >= 1, got {node.max_iter}")


def _value(value) -> str:
    return str(getattr(value, "value", value))


SCHEMAS: dict[str, type[Checked]] = {"mlp": MLPConf, "logreg_tfidf": TfidfLogregConf}
register(*SCHEMAS.values())


def model_class(node: DictConfig) -> type:
    """The class (or factory) ``node._target_`` names, imported."""
    from hydra.utils import get_object

    return get_object(str(node._target_))


def is_estimator(node: DictConfig) -> bool:
    """A fit-once model with sklearn's ``fit`` (the TF-IDF baseline), not a ``torch.nn.Module``
    trained by sweeps' loop."""
    import torch

    cls = model_class(node)
    return isinstance(cls, type) and hasattr(cls, "fit") and not issubclass(cls, torch.nn.Module)


def model_inputs(cfg: DictConfig) -> str:
    """What the features step hands the model: ``pooled`` (B, D) vectors, ``tokens`` (B, L) ids
    (0 = padding) or ``bags`` (CSR token bags of a trainable table).

    Built-in MLPs say it with ``pooling`` (attention reads tokens) and ``features.trainable``
    (bags). A model class of the user's reads token ids when its constructor takes ``embeddings``
    (the (V, D) word vectors), pooled vectors otherwise.
    """
    import inspect

    node = cfg.model
    if "pooling" not in node:
        return "tokens" if "embeddings" in inspect.signature(model_class(node)).parameters else "pooled"
    if _value(node.pooling) == "attention":
        return "tokens"
    return "bags" if cfg.features.trainable else "pooled"


def pooling_of(cfg: DictConfig) -> str:
    """How token vectors become one document vector: the model's ``pooling``; ``mean`` for a
    model of the user's that takes pooled vectors."""
    return _value(cfg.model.get("pooling", "mean"))
