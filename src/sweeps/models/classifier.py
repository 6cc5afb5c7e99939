"""The text classifier: (optional pooler) -> MLP -> logits."""

from __future__ import annotations

import torch
from omegaconf import DictConfig
from torch import nn

from sweeps.lab.losses import num_outputs  # one rule for the lab and the product: 1 logit if binary
from sweeps.models.pooling import AttentionPooling, BagPooling, bag_table
from sweeps.utils.instantiate import instantiate_with

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
}


def _name(value) -> str:
    return str(getattr(value, "value", value))


# Other names accepted for a scheme: "he" is Kaiming He's init, which torch calls kaiming.
INIT_ALIASES = {"he": "kaiming", "xavier_uniform": "xavier"}


def init_linear(layer: nn.Linear, scheme: str, activation: str, std: float = 0.01) -> None:
    """Initialise one linear layer with the torch.nn.init function of that name.

    ``xavier`` / ``xavier_normal``: Glorot uniform / normal with the activation's gain;
    ``kaiming`` (alias ``he``): He normal, fan-in; ``normal``: N(0, std^2); ``zeros``;
    ``default``: nn.Linear's own init. Biases start at zero except under ``default``. The NumPy
    lab (``sweeps.lab.layers.init_weight``) draws the same distributions for the same names.
    """
    scheme = INIT_ALIASES.get(scheme, scheme)
    if scheme == "default":
        return
    gain = nn.init.calculate_gain("leaky_relu" if activation == "leaky_relu" else
                                  activation if activation in ("relu", "tanh", "sigmoid") else "linear")
    if scheme == "xavier":
        nn.init.xavier_uniform_(layer.weight, gain=gain)
    elif scheme == "xavier_normal":
        nn.init.xavier_normal_(layer.weight, gain=gain)
    elif scheme == "kaiming":
        if activation == "leaky_relu":  # the gain of the slope the model uses (0.01), as torch documents
            nn.init.kaiming_normal_(layer.weight, a=0.01, nonlinearity="leaky_relu")
        else:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    elif scheme == "normal":
        nn.init.normal_(layer.weight, std=std)
    elif scheme == "zeros":
        # Every hidden unit computes the same thing and gets the same gradient: symmetry never breaks.
        nn.init.zeros_(layer.weight)
    else:
        raise ValueError(f"unknown init scheme {scheme!r}")
    nn.init.zeros_(layer.bias)


def dropout_layer(p: float) -> nn.Module:
    """Identity for p = 0: nn.Dropout(0) still dispatches a dropout op on every step."""
    return nn.Dropout(p) if p > 0 else nn.Identity()


class HiddenBlock(nn.Module):
    """linear -> (norm) -> activation -> dropout, with an optional skip when widths match."""

    def __init__(self, d_in: int, d_out: int, activation: str, dropout: float, norm: str,
                 residual: bool) -> None:
        super().__init__()
        self.linear = nn.Linear(d_in, d_out)
        self.norm = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}.get(norm, lambda _: nn.Identity())(d_out)
        self.activation = _ACTIVATIONS[activation]()
        self.dropout = dropout_layer(dropout)
        self.residual = residual and d_in == d_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.dropout(self.activation(self.norm(self.linear(x))))
        return x + out if self.residual else out


class TextClassifier(nn.Module):
    """Maps pooled document vectors (or token ids, with a pooler) to class logits.

    The ``_target_`` of ``conf/model/mlp.yaml``. A binary task has one output logit (sigmoid +
    BCE); K > 2 classes have K (softmax + CE). ``hidden_dims=[]`` makes this logistic regression
    on the pooled vector.

    Args:
        input_dim: features per document (the pooled vector's size), from the data.
        hidden_dims: widths of the hidden layers.
        num_classes: K, from the data.
        activation, dropout, init, norm, residual, input_dropout, init_std: the hidden blocks.
        pooler: a module mapping token ids (B, L) to vectors (B, D); built from ``embeddings``
            and ``pooling`` when not given.
        pooling: ``mean``/``max``/``mean_max`` (precomputed by the features step unless the
            embeddings are trained) or ``attention`` (learned, always inside the model).
        attention_hidden: hidden width of the attention scorer.
        embeddings: (V, D) table when the inputs are token ids (attention, trainable bags).
        pretrained: (V_words,) bool, which bag rows have a word vector; ``bag_rows``: rows of
            the trainable bag table (words and bigrams).
        trainable_embeddings: fine-tune ``embeddings`` (sparse gradients).
        ngrams, bigram_buckets, bigram_min_count, token_weighting: how the features step builds
            the token bags of trainable embeddings (read there; accepted here so that one node
            describes the model and its inputs).
    """

    def __init__(self, input_dim: int, hidden_dims: list[int], num_classes: int, activation: str = "relu",
                 dropout: float = 0.0, init: str = "xavier", norm: str = "none", residual: bool = False,
                 pooler: nn.Module | None = None, input_dropout: float = 0.0, init_std: float = 0.01, *,
                 pooling: str = "mean", attention_hidden: int = 64, embeddings: torch.Tensor | None = None,
                 pretrained: torch.Tensor | None = None, bag_rows: int = 0, trainable_embeddings: bool = False,
                 ngrams: int = 1, bigram_buckets: int = 0, bigram_min_count: int = 2,
                 token_weighting: str = "mean") -> None:
        super().__init__()
        activation, init, norm = _name(activation), _name(init), _name(norm)
        self.pooler = pooler if pooler is not None else make_pooler(_name(pooling), embeddings, pretrained, bag_rows,
                                                                    attention_hidden, trainable_embeddings)
        self.input_dropout = dropout_layer(input_dropout)
        widths = [input_dim, *hidden_dims]
        self.blocks = nn.ModuleList(
            HiddenBlock(a, b, activation, dropout, norm, residual) for a, b in zip(widths[:-1], widths[1:]))
        self.num_outputs = num_outputs(num_classes)
        self.head = nn.Linear(widths[-1], self.num_outputs)
        for block in self.blocks:
            init_linear(block.linear, init, activation, init_std)
        # The head feeds a sigmoid/softmax, not the hidden activation.
        # No activation after the head: variance-preserving schemes use plain Xavier (gain 1) there.
        head_init = "xavier" if INIT_ALIASES.get(init, init) in ("kaiming", "xavier", "xavier_normal") else init
        init_linear(self.head, head_init, "linear", init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pooler is not None:
            x = self.pooler(x)  # (B, L) ids -> (B, D)
        x = self.input_dropout(x)
        for block in self.blocks:
            x = block(x)  # (B, H)
        logits = self.head(x)  # (B, 1) or (B, K)
        return logits.squeeze(-1) if self.num_outputs == 1 else logits

    def representations(self, x) -> dict[str, torch.Tensor]:
        """The pooled document vector and the last hidden layer's output (for projections)."""
        pooled = self.pooler(x) if self.pooler is not None else x
        hidden = pooled
        for block in self.blocks:
            hidden = block(hidden)
        return {"pooled": pooled, "hidden": hidden} if len(self.blocks) else {"pooled": pooled}


def make_pooler(pooling: str, embeddings: torch.Tensor | None, pretrained: torch.Tensor | None = None,
                bag_rows: int = 0, attention_hidden: int = 64, trainable: bool = False) -> nn.Module | None:
    """What turns token ids into one vector inside the model; None when features arrive pooled."""
    if embeddings is None:
        return None
    if pooling == "attention":
        return AttentionPooling(embeddings, hidden=attention_hidden, trainable=trainable)
    return BagPooling(bag_table(bag_rows, embeddings, pretrained), pooling)


def build_model(cfg: DictConfig, input_dim: int, num_classes: int,
                embedding_table: torch.Tensor | None = None, pretrained: torch.Tensor | None = None,
                bag_rows: int = 0, input_shape: tuple[int, ...] | None = None,
                class_names: list[str] | None = None) -> nn.Module:
    """``hydra.utils.instantiate(cfg.model)``, offered what only the data knows.

    The model's constructor receives whichever of these it names: ``input_dim`` (features per
    example), ``input_shape`` (one example's shape), ``num_classes``, ``num_outputs`` (1 for
    binary, else K), ``class_names``, ``embeddings`` ((V, D) word vectors, row 0 = padding, when
    the inputs are token ids), ``pretrained``, ``bag_rows``, ``trainable_embeddings`` and ``seed``.

    Raises:
        hydra.errors.InstantiationException: the class rejected its arguments.
    """
    offered = {"input_dim": input_dim, "input_shape": tuple(input_shape or (input_dim,)), "num_classes": num_classes,
               "num_outputs": num_outputs(num_classes), "class_names": list(class_names or []),
               "embeddings": embedding_table, "pretrained": pretrained, "bag_rows": bag_rows,
               "trainable_embeddings": bool(cfg.features.trainable) if "features" in cfg else False,
               "seed": int(cfg.seed)}
    return instantiate_with(cfg.model, offered=offered)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["TextClassifier", "build_model", "count_parameters", "init_linear", "make_pooler", "num_outputs"]
