"""The static rules, one module per stable code (AL101-AL108). Each reads the facts of one file."""
from __future__ import annotations

from actloss.lint.rules.al101_sigmoid_before_bce import SigmoidBeforeBCE
from actloss.lint.rules.al102_softmax_before_cross_entropy import SoftmaxBeforeCrossEntropy
from actloss.lint.rules.al103_nll_without_log_softmax import NLLWithoutLogSoftmax
from actloss.lint.rules.al104_regression_loss_for_classification import RegressionLossForClassification
from actloss.lint.rules.al105_softmax_for_multilabel import SoftmaxForMultilabel
from actloss.lint.rules.al106_saturating_hidden_activation import SaturatingHiddenActivation
from actloss.lint.rules.al107_logits_as_probabilities import LogitsAsProbabilities
from actloss.lint.rules.al108_class_imbalance_ignored import ClassImbalanceIgnored

RULES = (
    SigmoidBeforeBCE(),
    SoftmaxBeforeCrossEntropy(),
    NLLWithoutLogSoftmax(),
    RegressionLossForClassification(),
    SoftmaxForMultilabel(),
    SaturatingHiddenActivation(),
    LogitsAsProbabilities(),
    ClassImbalanceIgnored(),
)
CODES = tuple(r.code for r in RULES)

__all__ = ["RULES", "CODES"]
