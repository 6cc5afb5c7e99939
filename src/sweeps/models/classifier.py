"""The text classifier: (optional pooler) -> MLP -> logits."""

from __future__ import annotations


import torch
from omegaconf import DictConfig
from torch import nn

from sweeps.models.pooling import AttentionPooling, BagPooling, bag_table

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

    A binary task has one output logit (sigmoid + BCE); K > 2 classes have K (softmax + CE).
    ``hidden_dims=[]`` makes this logistic regression on the pooled vector.
    """

    def __init__(self, input_dim: int, hidden_dims: list[int], num_classes: int, activation: str = "relu",
                 dropout: float = 0.0, init: str = "xavier", norm: str = "none", residual: bool = False,
                 pooler: nn.Module | None = None, input_dropout: float = 0.0, init_std: float = 0.01) -> None:
        super().__init__()
        self.pooler = pooler
        self.input_dropout = dropout_layer(input_dropout)
        widths = [input_dim, *hidden_dims]
        self.blocks = nn.ModuleList(
            HiddenBlock(a, b, activation, dropout, norm, residual) for a, b in zip(widths[:-1], widths[1:]))
        self.num_outputs = 1 if num_classes == 2 else num_classes
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


def _pooler(cfg: DictConfig, embedding_table: torch.Tensor | None, pretrained: torch.Tensor | None,
            bag_rows: int) -> nn.Module | None:
    """What turns a document into one vector inside the model; None when features arrive pooled."""
    if embedding_table is None:
        return None
    pooling = _name(cfg.model.pooling)
    if pooling == "attention":
        return AttentionPooling(embedding_table, hidden=cfg.model.attention_hidden,
                                trainable=bool(cfg.embeddings.trainable))
    return BagPooling(bag_table(bag_rows, embedding_table, pretrained), pooling)


def build_model(cfg: DictConfig, input_dim: int, num_classes: int,
                embedding_table: torch.Tensor | None = None, pretrained: torch.Tensor | None = None,
                bag_rows: int = 0) -> nn.Module:
    """The model ``cfg.model`` describes, for inputs of ``input_dim`` features.

    ``embedding_table`` (with ``pretrained``/``bag_rows`` for trainable bags) comes from the
    features when the model pools tokens itself."""
    if cfg.model.backend == "numpy":
        from sweeps.lab.torch_bridge import build_numpy_model

        return build_numpy_model(input_dim, list(cfg.model.hidden_dims), num_classes, _name(cfg.model.activation),
                                 _name(cfg.model.init), cfg.model.dropout, _name(cfg.model.norm), cfg.model.residual,
                                 seed=cfg.seed, std=cfg.model.init_std)
    pooler = _pooler(cfg, embedding_table, pretrained, bag_rows)
    return TextClassifier(
        input_dim=input_dim, hidden_dims=list(cfg.model.hidden_dims), num_classes=num_classes,
        activation=_name(cfg.model.activation), dropout=cfg.model.dropout, init=_name(cfg.model.init),
        norm=_name(cfg.model.norm), residual=cfg.model.residual, pooler=pooler,
        input_dropout=cfg.model.input_dropout, init_std=cfg.model.init_std,
    )


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["TextClassifier", "build_model", "count_parameters", "init_linear"]
