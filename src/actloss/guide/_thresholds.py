"""Every number the decision guide decides with, next to the reason for it.

The inference rules, the recipe builder and the generated decision table in ``docs/guide.md`` all read these
constants, so the text and the code cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    """A named constant of the guide: its value, where it applies, and why it has that value."""

    name: str
    value: float
    applies_to: str
    rule: str
    reason: str


IMBALANCE_RATIO = 4.0
SEVERE_IMBALANCE_RATIO = 19.0
MAX_CLASS_CODES = 10
FLAT_FREQUENCY_RATIO = 0.2
OUTLIER_Z = 3.5
OUTLIER_FRACTION = 0.01
OUTLIER_SQUARED_SHARE = 0.5
HUBER_DELTA_FACTOR = 1.345
MAD_TO_SD = 1.4826
OVERDISPERSION_RATIO = 2.0
EFFECTIVE_NUMBER_BETA = 0.999
ROW_SUM_TOLERANCE = 1e-3
FOCAL_GAMMA = 2.0
FOCAL_ALPHA = 0.25

THRESHOLDS: tuple[Threshold, ...] = (
    Threshold(
        "IMBALANCE_RATIO", IMBALANCE_RATIO, "binary, multiclass, multilabel (per label)",
        "weight the classes when n_majority / n_minority >= 4 (minority share <= 20 %)",
        "At 4:1 the constant majority answer already scores 80 % accuracy and four out of five examples in "
        "every batch pull the model towards the majority. Weighting (pos_weight = n_neg / n_pos, class "
        "weight = n_majority / n_class) gives every class the same total weight in the loss.",
    ),
    Threshold(
        "SEVERE_IMBALANCE_RATIO", SEVERE_IMBALANCE_RATIO, "binary, multiclass, multilabel (per label)",
        "list focal loss as the alternative when n_majority / n_minority >= 19 (minority share <= 5 %)",
        "At a 5 % minority share a batch of 32 holds no minority example 19 % of the time (0.95^32), and "
        "the many easy majority examples dominate even a weighted loss; focal loss (Lin et al., 2017) "
        "down-weights the easy ones. The source's examples of severe imbalance, fraud (1 %) and disease "
        "(0.1 %), lie beyond it. Weighted cross-entropy stays the first choice; focal loss is the "
        "documented next step.",
    ),
    Threshold(
        "MAX_CLASS_CODES", MAX_CLASS_CODES, "integer targets",
        "integers with at most 10 distinct values are class codes (multiclass)",
        "Integer-coded labels in common data sets rarely exceed ten classes (digits, ratings, grades, small "
        "taxonomies), while non-negative integers with more distinct values are more often counts. The "
        "choice is reported as ambiguous and the other reading is listed; data sets with many classes "
        "should pass task='multiclass' explicitly (an explicit task always wins).",
    ),
    Threshold(
        "FLAT_FREQUENCY_RATIO", FLAT_FREQUENCY_RATIO,
        "integers with more than MAX_CLASS_CODES distinct values",
        "a gap-free run of integers starting at 0 or 1 whose rarest value is at least 0.2 times as frequent "
        "as the commonest is read as class codes, not counts",
        "Class codes of a data set cover every index and occur at comparable rates; counts thin out in their "
        "tail (in a Poisson sample the rarest values are typically under 5 % as frequent as the mode).",
    ),
    Threshold(
        "OUTLIER_Z", OUTLIER_Z, "regression",
        "a target is an outlier when |y - median| > 3.5 robust standard deviations (1.4826 * MAD)",
        "The modified z-score rule of Iglewicz and Hoaglin (1993). The median and the median absolute "
        "deviation are not moved by the outliers they are looking for, unlike the mean and the standard "
        "deviation.",
    ),
    Threshold(
        "OUTLIER_FRACTION", OUTLIER_FRACTION, "regression",
        "the targets are heavy-tailed (choose Huber) when more than 1 % of them are outliers",
        "Gaussian data put 0.047 % of their mass beyond 3.5 standard deviations, so 1 % is over twenty "
        "times the normal rate; Laplace and Student-t(3) data put about 3 % there.",
    ),
    Threshold(
        "OUTLIER_SQUARED_SHARE", OUTLIER_SQUARED_SHARE, "regression",
        "the targets also count as heavy-tailed when the outliers carry more than half of the sum of squared "
        "deviations from the median",
        "A handful of gross errors (a price typed with three extra zeros) can be rarer than 1 % and still "
        "dominate the MSE gradient; past one half, MSE spends most of its effort on them.",
    ),
    Threshold(
        "HUBER_DELTA_FACTOR", HUBER_DELTA_FACTOR, "regression with outliers",
        "Huber delta = 1.345 * robust standard deviation of the targets",
        "Huber's constant: 1.345 standard deviations keeps 95 % of MSE's efficiency on Gaussian noise while "
        "bounding the influence of outliers. It is measured on the targets, an upper bound for the residual "
        "scale; re-estimate it from a baseline model's residuals once one exists.",
    ),
    Threshold(
        "MAD_TO_SD", MAD_TO_SD, "regression",
        "robust standard deviation = 1.4826 * median absolute deviation",
        "1.4826 = 1 / Phi^-1(3/4) makes the MAD a consistent estimate of the standard deviation for Gaussian "
        "data; when more than half the targets are equal (MAD = 0) the IQR / 1.349 and then 1.2533 * mean "
        "absolute deviation are used instead.",
    ),
    Threshold(
        "OVERDISPERSION_RATIO", OVERDISPERSION_RATIO, "count_regression",
        "counts are reported as overdispersed when variance / mean > 2",
        "Poisson NLL assumes variance = mean. Its mean fit stays consistent under overdispersion (the "
        "quasi-Poisson argument), so the loss is kept and the ratio is reported; a negative-binomial loss "
        "is not in the library.",
    ),
    Threshold(
        "EFFECTIVE_NUMBER_BETA", EFFECTIVE_NUMBER_BETA, "multiclass (alternative weights)",
        "class-balanced weights w_c proportional to (1 - beta) / (1 - beta^n_c) with beta = 0.999, "
        "normalised to sum to the number of classes",
        "Cui et al. (CVPR 2019): the effective number of samples (1 - beta^n) / (1 - beta) saturates for "
        "large classes, so the weights are milder than n_majority / n_class for very frequent classes; "
        "0.999 is among the values they report and the library's class_weights default.",
    ),
    Threshold(
        "ROW_SUM_TOLERANCE", ROW_SUM_TOLERANCE, "2-D targets in [0, 1]",
        "rows whose sum is within 1e-3 of 1 are probability vectors (soft multiclass targets)",
        "float32 softmax outputs sum to 1 within about 1e-6 per row, and probabilities rounded to 4 "
        "decimals over up to 20 classes within 20 * 5e-5 = 1e-3; rows of independent fractions almost never "
        "land that close.",
    ),
)

SCALE_SPREAD_RATIO = 10.0
THRESHOLDS = THRESHOLDS + (
    Threshold(
        "SCALE_SPREAD_RATIO", SCALE_SPREAD_RATIO, "regression with several outputs",
        "advise standardising the columns when their robust scales differ by more than a factor 10",
        "One loss sums the columns' errors, so a column ten times wider gets a hundred times the weight in "
        "MSE; and one Huber delta cannot suit columns of different scales.",
    ),
)
