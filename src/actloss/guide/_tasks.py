"""What each task puts at the end of the network, and the hidden-activation advice per architecture.

Plain data: the recipe builder and the generated decision table both read it.
"""
from __future__ import annotations

from dataclasses import dataclass

TASKS: tuple[str, ...] = (
    "regression", "bounded_regression", "count_regression", "binary", "multiclass", "multilabel",
)
CLASSIFICATION = ("binary", "multiclass", "multilabel")
REGRESSION = ("regression", "bounded_regression", "count_regression")
ARCHITECTURES: tuple[str, ...] = ("mlp", "cnn", "transformer", "rnn")

TASK_ALIASES: dict[str, str] = {
    "binary_classification": "binary",
    "multiclass_classification": "multiclass",
    "multi_class": "multiclass",
    "multilabel_classification": "multilabel",
    "multi_label": "multilabel",
    "bounded": "bounded_regression",
    "soft_targets": "bounded_regression",
    "count": "count_regression",
    "counts": "count_regression",
    "poisson": "count_regression",
}
ARCHITECTURE_ALIASES: dict[str, str] = {
    "lstm": "rnn", "gru": "rnn", "convnet": "cnn", "conv": "cnn", "dense": "mlp",
    "transformers": "transformer",
}


@dataclass(frozen=True)
class TaskSpec:
    """The fixed part of a task's recipe: head output, loss, inference transform and why."""

    task: str
    head: str
    loss: str
    inference: str
    why_head: str
    why_inference: str


TASK_SPECS: dict[str, TaskSpec] = {
    "regression": TaskSpec(
        "regression", "one linear output per target", "mse_loss", "identity",
        "The output layer is linear (identity) so that any real value is reachable; the loss compares it "
        "with the target directly.",
        "Inference: the raw output is the prediction.",
    ),
    "bounded_regression": TaskSpec(
        "bounded_regression", "one raw logit per target", "binary_cross_entropy_with_logits", "sigmoid",
        "The output layer emits a raw logit (identity) and BCEWithLogitsLoss takes soft targets in [0, 1]: "
        "the sigmoid inside the loss keeps predictions in (0, 1) and the log-sum-exp form stays finite. Its "
        "minimum is the targets' entropy, not 0, so judge training by the gap to it.",
        "Inference: sigmoid(logit) is the predicted value in (0, 1).",
    ),
    "count_regression": TaskSpec(
        "count_regression", "one log-rate per target", "poisson_nll_loss", "exp",
        "The output layer emits the log of the expected count (identity); PoissonNLLLoss(log_input=True) "
        "computes exp(output) - y * output, which is finite for every output and always implies a positive "
        "rate. Counts are non-negative integers whose variance grows with their mean, which MSE ignores.",
        "Inference: exp(output) is the expected count.",
    ),
    "binary": TaskSpec(
        "binary", "one raw logit", "binary_cross_entropy_with_logits", "sigmoid",
        "The output layer emits one raw logit (identity, no sigmoid): BCEWithLogitsLoss applies the sigmoid "
        "inside its stable log-sum-exp form, while nn.Sigmoid followed by nn.BCELoss overflows to NaN for "
        "large logits.",
        "Inference: sigmoid(logit) is the probability of the positive class; threshold it at 0.5 or at the "
        "operating point you need.",
    ),
    "multiclass": TaskSpec(
        "multiclass", "one raw logit per class", "cross_entropy", "softmax",
        "The output layer emits one raw logit per class (identity, no softmax): CrossEntropyLoss applies "
        "log-softmax internally with the log-sum-exp trick; a softmax before it flattens the gradients and "
        "can produce NaN.",
        "Inference: softmax(logits, dim=1) gives class probabilities; argmax gives the class.",
    ),
    "multilabel": TaskSpec(
        "multilabel", "one raw logit per label", "binary_cross_entropy_with_logits", "sigmoid",
        "The output layer emits one raw logit per label (identity): labels are not mutually exclusive, so "
        "each gets its own sigmoid inside BCEWithLogitsLoss rather than a shared softmax.",
        "Inference: sigmoid per label gives independent probabilities; threshold each (0.5, or tuned per "
        "label).",
    ),
}

# architecture -> (hidden activation, reason, alternatives as (name, when))
HIDDEN: dict[str | None, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    None: (
        "relu",
        "Hidden layers: ReLU, the default: cheap, sparse, and its gradient does not vanish for positive "
        "inputs. Pass architecture='transformer' or 'rnn' for their defaults. Never sigmoid in hidden "
        "layers of deep networks: its derivative is at most 0.25, so gradients shrink layer after layer.",
        (("leaky_relu", "if many ReLU units output zero for every input (dying ReLU)"),),
    ),
    "mlp": (
        "relu",
        "Hidden layers (mlp): ReLU: cheap, sparse, and its gradient does not vanish for positive inputs; "
        "never sigmoid in hidden layers (derivative at most 0.25, gradients vanish in deep stacks).",
        (("leaky_relu", "if many ReLU units output zero for every input (dying ReLU)"),),
    ),
    "cnn": (
        "relu",
        "Hidden layers (cnn): ReLU after each convolution: cheap, sparse, no vanishing gradient for positive "
        "inputs; the standard choice for convolutional networks.",
        (("leaky_relu", "if many channels output zero for every input (dying ReLU)"),),
    ),
    "transformer": (
        "gelu",
        "Hidden layers (transformer): GELU in the feed-forward blocks: smooth everywhere and the default of "
        "BERT- and GPT-style transformers.",
        (("silu", "(Swish) a similar smooth curve, used by several recent models; equally good in practice"),
         ("relu", "cheaper; the original Transformer used it")),
    ),
    "rnn": (
        "tanh",
        "Hidden layers (rnn): tanh inside the recurrent cells (RNN, LSTM and GRU use it with sigmoid "
        "gates): its bounded, zero-centred output keeps the state from growing step after step, which ReLU "
        "does not.",
        (),
    ),
}
