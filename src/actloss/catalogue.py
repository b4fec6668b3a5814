"""The mistake catalogue: one entry per stable code, shared by ``actloss lint`` (AL1xx, static) and
``actloss doctor`` (AL2xx, run time), printed by ``actloss explain`` and rendered into ``docs/catalogue.md``.

Codes are stable: a code is never reused for a different mistake. Every entry says what happens, why it hurts
(with a number), the fix, and a before/after example.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

__all__ = ["Entry", "CATALOGUE", "get", "render", "render_markdown"]


@dataclass(frozen=True)
class Entry:
    """One mistake: ``code`` (``AL101``), ``name`` (kebab-case slug), ``title`` (one line), ``kind``
    (``'static'``: found in source by ``actloss lint``; ``'runtime'``: found while training by the doctor),
    ``what`` (what happens), ``why`` (why it hurts, with the number), ``fix``, and ``before``/``after`` code."""

    code: str
    name: str
    title: str
    kind: str
    what: str
    why: str
    fix: str
    before: str
    after: str


_ENTRIES: tuple[Entry, ...] = (
    Entry(
        code="AL101",
        name="sigmoid-before-bce",
        title="Probabilities from a sigmoid (or softmax) fed to BCELoss / binary_cross_entropy",
        kind="static",
        what=(
            "The model output goes through sigmoid and the probabilities are fed to nn.BCELoss or "
            "F.binary_cross_entropy, which then takes log(p) and log(1 - p) of them."
        ),
        why=(
            "In float32, sigmoid(z) rounds to exactly 1.0 for z > 16.6, so log(1 - p) is -inf; BCELoss clamps "
            "it to -100, and the gradient through the sigmoid, p * (1 - p), is exactly 0: a confidently wrong "
            "prediction (logit 20, target 0) gets loss 100 and gradient 0 instead of loss 20 and gradient 1. "
            "BCEWithLogitsLoss computes log(sigmoid(z)) = -softplus(-z) with the log-sum-exp trick, finite and "
            "with the exact gradient sigmoid(z) - y for every z. BCELoss is also not safe to autocast."
        ),
        fix=(
            "Drop the sigmoid from the training path and use nn.BCEWithLogitsLoss / "
            "F.binary_cross_entropy_with_logits on the raw logits; apply torch.sigmoid only at inference. "
            "`actloss lint --fix` does this rewrite when the sigmoid is applied in the loss call's own function. "
            "The same code covers softmax probabilities fed to BCELoss (the same clamped log): with one label "
            "per sample use CrossEntropyLoss on the logits; with several labels per sample, sigmoid per label "
            "with BCEWithLogitsLoss (AL105 when the targets are evidently multi-hot). No --fix for that case."
        ),
        before=(
            "criterion = nn.BCELoss()\n"
            "probs = torch.sigmoid(model(x))\n"
            "loss = criterion(probs, y)"
        ),
        after=(
            "criterion = nn.BCEWithLogitsLoss()\n"
            "logits = model(x)\n"
            "loss = criterion(logits, y)\n"
            "probs = torch.sigmoid(logits)  # only where probabilities are needed"
        ),
    ),
    Entry(
        code="AL102",
        name="softmax-before-cross-entropy",
        title="Softmax (or log_softmax) output fed to CrossEntropyLoss / cross_entropy",
        kind="static",
        what=(
            "nn.CrossEntropyLoss and F.cross_entropy apply log_softmax to their input themselves. Fed softmax "
            "probabilities, they compute log_softmax(softmax(z)); fed log_softmax output, they redo the work."
        ),
        why=(
            "Probabilities lie in [0, 1], so after the second softmax the true class can get at most "
            "e / (e + C - 1): with C = 10 classes the loss can never go below log(1 + 9/e) = 1.46 nats (a perfect "
            "model should reach 0), with C = 1000 not below 5.91 of the 6.91 nats of chance. The gradient is "
            "squashed by the softmax Jacobian (entries at most 0.25), so training is slow and stalls early. "
            "log_softmax before cross_entropy gives the same value (log_softmax is idempotent) but computes it "
            "twice and usually means NLLLoss was intended."
        ),
        fix=(
            "Feed the raw logits to CrossEntropyLoss / cross_entropy; apply softmax only at inference, to "
            "report probabilities. `actloss lint --fix` drops the softmax in the loss call's own function."
        ),
        before=(
            "out = F.softmax(model(x), dim=1)\n"
            "loss = F.cross_entropy(out, y)"
        ),
        after=(
            "logits = model(x)\n"
            "loss = F.cross_entropy(logits, y)\n"
            "probs = F.softmax(logits, dim=1)  # inference only"
        ),
    ),
    Entry(
        code="AL103",
        name="nll-without-log-softmax",
        title="NLLLoss / nll_loss fed raw logits or softmax probabilities instead of log-probabilities",
        kind="static",
        what=(
            "nn.NLLLoss and F.nll_loss only pick -input[target]: they expect log-probabilities from "
            "log_softmax. Fed raw logits or softmax probabilities, they compute something that is not a "
            "likelihood."
        ),
        why=(
            "On raw logits the loss is -z_y, unbounded below: the model lowers it forever by inflating the "
            "true-class logit, with no term pushing the other classes down, and the loss goes to -inf. On "
            "probabilities the loss is -p_y, confined to [-1, 0], and its gradient through the softmax is "
            "p_y * (1 - p_y) <= 0.25, vanishing exactly when the prediction is confidently wrong (p_y -> 0), "
            "where cross-entropy's gradient is largest."
        ),
        fix=(
            "Apply F.log_softmax(z, dim=1) before NLLLoss, or (simpler and fused) use nn.CrossEntropyLoss / "
            "F.cross_entropy on the raw logits."
        ),
        before=(
            "logits = model(x)\n"
            "loss = F.nll_loss(logits, y)"
        ),
        after=(
            "logits = model(x)\n"
            "loss = F.nll_loss(F.log_softmax(logits, dim=1), y)  # or F.cross_entropy(logits, y)"
        ),
    ),
    Entry(
        code="AL104",
        name="regression-loss-for-classification",
        title="MSE / L1 / Huber loss with class-label, one-hot or probability targets of a classification task",
        kind="static",
        what=(
            "A regression loss (MSELoss, L1Loss, HuberLoss, SmoothL1Loss) is used on a classification task: "
            "its input comes from a sigmoid/softmax head or its target is a one-hot encoding or class labels."
        ),
        why=(
            "MSE on a sigmoid output has gradient (p - y) * p * (1 - p): confidently wrong (p = 0.99, y = 0) it "
            "is 0.0098, about 100x smaller than cross-entropy's 0.99, so mistakes are corrected slowly. Without "
            "the sigmoid, MSE treats class indices as ordered numbers and learns class frequencies, not "
            "calibrated probabilities."
        ),
        fix=(
            "Use nn.CrossEntropyLoss (integer class targets, raw logits) for one label per sample, or "
            "nn.BCEWithLogitsLoss for binary / multi-label targets. Keep MSE for continuous targets, including "
            "bounded regression where a sigmoid head is deliberate."
        ),
        before=(
            "probs = torch.softmax(model(x), dim=1)\n"
            "loss = F.mse_loss(probs, F.one_hot(y, num_classes).float())"
        ),
        after=(
            "logits = model(x)\n"
            "loss = F.cross_entropy(logits, y)"
        ),
    ),
    Entry(
        code="AL105",
        name="softmax-for-multilabel",
        title="Softmax / CrossEntropyLoss with multi-hot targets: use a sigmoid per label with BCEWithLogitsLoss",
        kind="static",
        what=(
            "Each sample can carry several labels at once (a multi-hot target), but the head uses a softmax or "
            "CrossEntropyLoss, which model exactly one class per sample."
        ),
        why=(
            "Softmax outputs sum to 1, so with k true labels each can get at most 1/k: with 3 true labels the "
            "cross-entropy against the multi-hot target can never go below 3 * log 3 = 3.30 nats, and raising "
            "one label's score lowers every other label's. Thresholding softmax outputs at 0.5 can report at "
            "most one label."
        ),
        fix=(
            "Treat every label as its own binary problem: raw logits into nn.BCEWithLogitsLoss with the "
            "multi-hot float target, and torch.sigmoid(logits) > threshold at inference."
        ),
        before=(
            "criterion = nn.CrossEntropyLoss()\n"
            "loss = criterion(model(x), multi_hot_labels)"
        ),
        after=(
            "criterion = nn.BCEWithLogitsLoss()\n"
            "loss = criterion(model(x), multi_hot_labels.float())"
        ),
    ),
    Entry(
        code="AL106",
        name="saturating-hidden-activation",
        title="Sigmoid or tanh between the hidden layers of a deep feed-forward stack (4+ hidden layers)",
        kind="static",
        what=(
            "A feed-forward stack of 4 or more hidden layers uses sigmoid (or tanh) as its hidden activation, "
            "so the backward pass multiplies by the activation's derivative once per layer."
        ),
        why=(
            "Sigmoid's derivative is at most 0.25 (at 0) and tanh's at most 1 (only at 0, less than 0.42 once "
            "|z| > 1): through 4 sigmoid layers the gradient shrinks by at least 0.25^4 = 1/256, through 10 by "
            "about 1e-6, so the first layers barely learn (vanishing gradients). Sigmoid outputs are also not "
            "zero-centred, which slows the layer after."
        ),
        fix=(
            "Use ReLU (with He / kaiming initialisation), GELU or SiLU between hidden layers; keep sigmoid for "
            "a binary output or a gate and tanh for RNN cells."
        ),
        before=(
            "model = nn.Sequential(\n"
            "    nn.Linear(784, 256), nn.Sigmoid(),\n"
            "    nn.Linear(256, 256), nn.Sigmoid(),\n"
            "    nn.Linear(256, 256), nn.Sigmoid(),\n"
            "    nn.Linear(256, 256), nn.Sigmoid(),\n"
            "    nn.Linear(256, 10),\n"
            ")"
        ),
        after=(
            "model = nn.Sequential(\n"
            "    nn.Linear(784, 256), nn.ReLU(),\n"
            "    nn.Linear(256, 256), nn.ReLU(),\n"
            "    nn.Linear(256, 256), nn.ReLU(),\n"
            "    nn.Linear(256, 256), nn.ReLU(),\n"
            "    nn.Linear(256, 10),\n"
            ")"
        ),
    ),
    Entry(
        code="AL107",
        name="logits-as-probabilities",
        title="Raw logits thresholded at 0.5 or reported as probabilities at inference, without sigmoid/softmax",
        kind="static",
        what=(
            "A model trained on logits (BCEWithLogitsLoss / CrossEntropyLoss) has its raw output thresholded "
            "at 0.5 or reported as a probability at inference, without the sigmoid or softmax."
        ),
        why=(
            "Logits range over all reals. Thresholding a logit at 0.5 is thresholding the probability at "
            "sigmoid(0.5) = 0.62, not 0.5, which silently shifts precision and recall; reported 'probabilities' "
            "can be negative or above 1, and calibration, ROC and averaging across models are all wrong."
        ),
        fix=(
            "Apply torch.sigmoid (binary / multi-label) or torch.softmax(dim=1) (multi-class) before "
            "thresholding or reporting; equivalently, threshold the logit at 0."
        ),
        before=(
            "logits = model(x)\n"
            "pred = (logits > 0.5).long()"
        ),
        after=(
            "logits = model(x)\n"
            "pred = (torch.sigmoid(logits) > 0.5).long()  # or (logits > 0)"
        ),
    ),
    Entry(
        code="AL108",
        name="class-imbalance-ignored",
        title="Skewed class frequencies with an unweighted loss (no weight / pos_weight / focal)",
        kind="static",
        what=(
            "The class frequencies are known to be skewed (class counts or class weights are computed in the "
            "code), but the classification loss is built without weight / pos_weight and no focal loss or "
            "balanced sampler is used."
        ),
        why=(
            "With 1% positives, predicting 'negative' for everything is 99% accurate and already reaches the "
            "low unweighted BCE of 0.056 nats (the entropy of the prior), so the minority class contributes "
            "about 1% of the gradient and recall on it stays near 0."
        ),
        fix=(
            "Pass the weights you computed: nn.CrossEntropyLoss(weight=class_weights) (minority weight "
            "n_majority / n_minority) or nn.BCEWithLogitsLoss(pos_weight=torch.tensor([n_neg / n_pos])); for "
            "severe imbalance try a focal loss or a WeightedRandomSampler."
        ),
        before=(
            "class_weights = compute_class_weight('balanced', classes=classes, y=y_train)\n"
            "criterion = nn.CrossEntropyLoss()"
        ),
        after=(
            "class_weights = compute_class_weight('balanced', classes=classes, y=y_train)\n"
            "criterion = nn.CrossEntropyLoss(weight=torch.tensor(class_weights, dtype=torch.float32))"
        ),
    ),
    Entry(
        code="AL201",
        name="non-finite-values",
        title="NaN or inf in the loss, an activation or a gradient",
        kind="runtime",
        what="A NaN or an infinity appears in the loss, in a layer's activations or in a parameter's gradient.",
        why=(
            "One NaN in the loss makes every gradient NaN after backward(), and the next optimizer step writes "
            "NaN into every weight: the run is lost. In float32, exp overflows to inf past 88.7 (float16: "
            "past 11.1), and log(0) is -inf; inf - inf and 0 * inf are NaN."
        ),
        fix=(
            "Use the fused, stable losses (BCEWithLogitsLoss, CrossEntropyLoss, log_softmax instead of "
            "log(softmax)), lower the learning rate, clip gradients (torch.nn.utils.clip_grad_norm_), and under "
            "float16 use a GradScaler. Find the first op producing it with torch.autograd.detect_anomaly()."
        ),
        before=(
            "loss = -(y * torch.log(torch.sigmoid(z)) + (1 - y) * torch.log(1 - torch.sigmoid(z))).mean()"
        ),
        after=(
            "loss = F.binary_cross_entropy_with_logits(z, y)  # log(sigmoid(z)) = -softplus(-z), stable"
        ),
    ),
    Entry(
        code="AL202",
        name="dead-relu",
        title="ReLU units that output 0 for every input",
        kind="runtime",
        what=(
            "Some ReLU units have a negative pre-activation for every input of the batch (or the epoch), so "
            "they output 0 everywhere."
        ),
        why=(
            "ReLU's derivative is exactly 0 for negative inputs, so a unit that is negative for every input gets "
            "gradient 0 for its incoming weights and never recovers under gradient descent; a layer with 50% "
            "dead units has lost half its width. A too-large learning rate or a large negative bias update is "
            "the usual cause."
        ),
        fix=(
            "Lower the learning rate, use He (kaiming) initialisation, or switch to LeakyReLU(0.01), GELU or "
            "SiLU, whose gradient is non-zero for negative inputs; normalisation layers before the ReLU help."
        ),
        before="nn.Sequential(nn.Linear(512, 512), nn.ReLU())  # trained with lr=1.0",
        after="nn.Sequential(nn.Linear(512, 512), nn.LeakyReLU(0.01))  # and a smaller lr",
    ),
    Entry(
        code="AL203",
        name="vanishing-gradient",
        title="Early layers receive gradients orders of magnitude smaller than late layers",
        kind="runtime",
        what=(
            "The gradient norm of the first layers is several orders of magnitude smaller than that of the last "
            "layers, so the early layers stop learning while the late ones fit the noise."
        ),
        why=(
            "The backward pass multiplies by each activation's derivative: sigmoid's is at most 0.25, so 10 "
            "sigmoid layers scale the gradient by at most 0.25^10 = 9.5e-7; with a ratio of 1e-4 between first "
            "and last layer, an update of the same learning rate moves the first layer 10,000 times less."
        ),
        fix=(
            "Use ReLU / GELU / SiLU hidden activations with He initialisation, add residual connections and "
            "normalisation (BatchNorm / LayerNorm), and keep sigmoid/tanh out of deep stacks."
        ),
        before="layers += [nn.Linear(256, 256), nn.Sigmoid()]  # x 10",
        after="layers += [nn.Linear(256, 256), nn.LayerNorm(256), nn.GELU()]  # x 10",
    ),
    Entry(
        code="AL204",
        name="exploding-gradient",
        title="Gradient norms past a threshold or growing fast",
        kind="runtime",
        what=(
            "The total gradient norm exceeds a threshold or grows by a large factor from step to step, so the "
            "updates overshoot and the loss jumps or becomes non-finite."
        ),
        why=(
            "The update is learning rate times gradient: a gradient norm of 1e4 at lr 1e-3 moves the weights by "
            "10 in one step, far outside the region where the loss was measured; in recurrent nets and deep "
            "stacks the norm grows geometrically with depth (a per-layer gain of 1.5 over 20 layers is 3,300x)."
        ),
        fix=(
            "Clip the gradient norm (torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)), lower "
            "the learning rate or add warm-up, and use normalisation layers and a proper initialisation."
        ),
        before=(
            "loss.backward()\n"
            "optimizer.step()"
        ),
        after=(
            "loss.backward()\n"
            "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)\n"
            "optimizer.step()"
        ),
    ),
    Entry(
        code="AL205",
        name="saturated-activation",
        title="Sigmoid/tanh pre-activations so large that the derivative is ~0",
        kind="runtime",
        what=(
            "Most pre-activations of a sigmoid or tanh layer have a large magnitude, so the unit sits on the "
            "flat tail of the curve and passes almost no gradient back."
        ),
        why=(
            "sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)) is 4.5e-5 at |z| = 10 (its maximum is 0.25 at 0); "
            "tanh'(z) = 1 - tanh(z)^2 is 1.8e-4 at |z| = 5 and 8.2e-9 at |z| = 10. A saturated unit learns "
            "thousands of times slower than one near 0."
        ),
        fix=(
            "Normalise the inputs of the layer (BatchNorm / LayerNorm), use Xavier (Glorot) initialisation for "
            "sigmoid/tanh, lower the learning rate, or switch the hidden activation to ReLU / GELU."
        ),
        before="h = torch.tanh(self.fc(x))  # x with features in the thousands",
        after="h = torch.tanh(self.fc(self.norm(x)))  # self.norm = nn.LayerNorm(in_features)",
    ),
)

CATALOGUE: dict[str, Entry] = {e.code: e for e in _ENTRIES}


def get(code: str) -> Entry:
    """Return the entry for ``code`` (case-insensitive, e.g. ``'al102'``); ``ValueError`` for an unknown code."""
    if not isinstance(code, str):
        raise TypeError(f"code must be a str such as 'AL102'; received {type(code).__name__}: {code!r}")
    entry = CATALOGUE.get(code.strip().upper())
    if entry is None:
        raise ValueError(
            f"unknown mistake code: code={code!r}. Expected one of {', '.join(CATALOGUE)}."
        )
    return entry


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=100, initial_indent="    ", subsequent_indent="    ")


def render(entry: Entry) -> str:
    """The text ``actloss explain CODE`` prints for ``entry``."""
    where = "actloss lint (static)" if entry.kind == "static" else "the training doctor (run time)"
    return (
        f"{entry.code} {entry.name}: {entry.title}\n"
        f"Found by {where}.\n"
        f"\n"
        f"What happens\n{_wrap(entry.what)}\n"
        f"\n"
        f"Why it hurts\n{_wrap(entry.why)}\n"
        f"\n"
        f"Fix\n{_wrap(entry.fix)}\n"
        f"\n"
        f"Before\n{_indent(entry.before)}\n"
        f"\n"
        f"After\n{_indent(entry.after)}\n"
    )


def render_markdown() -> str:
    """The docs page ``docs/catalogue.md``: a table of all codes, then one section per entry."""
    lines = [
        "# Mistake catalogue",
        "",
        "<!-- Generated by actloss.catalogue.render_markdown(); do not edit by hand. -->",
        "",
        "Codes are stable. `AL1xx` are found in source code by `actloss lint`; `AL2xx` are found while "
        "training by the doctor. `actloss explain CODE` prints one entry.",
        "",
        "| code | name | found by | what |",
        "|---|---|---|---|",
    ]
    for e in _ENTRIES:
        by = "lint" if e.kind == "static" else "doctor"
        lines.append(f"| [{e.code}](#{e.code.lower()}) | {e.name} | {by} | {e.title} |")
    for e in _ENTRIES:
        lines += [
            "",
            f"## {e.code}",
            "",
            f"**{e.name}**: {e.title}. *Kind: {e.kind}.*",
            "",
            f"**What happens.** {e.what}",
            "",
            f"**Why it hurts.** {e.why}",
            "",
            f"**Fix.** {e.fix}",
            "",
            "Before:",
            "",
            "```python",
            e.before,
            "```",
            "",
            "After:",
            "",
            "```python",
            e.after,
            "```",
        ]
    return "\n".join(lines) + "\n"
