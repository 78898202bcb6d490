"""Names of the whole-set metrics, light to import: settings take their choices from here."""

# Scalar metrics that get a bootstrap interval, by task. Binary: positive = class id 1.
BINARY_METRICS = ("accuracy", "precision", "recall", "specificity", "fpr", "f1", "mcc", "auroc", "auprc")
MULTICLASS_METRICS = (
    "accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_micro",
    "recall_micro",
    "f1_micro",
    "mcc",
    "auroc_macro",
)
# Multi-label: each label is a binary task of its own (``per_label.<label>`` holds BINARY_METRICS); these
# summarise the labels. Macro: the mean over labels; micro: every (sequence, label) pair pooled.
MULTILABEL_METRICS = ("auroc_macro", "auprc_macro", "auroc_micro", "auprc_micro", "f1_macro", "f1_micro")
# Regression, per target (``per_target.<name>`` with several targets; the top level is the mean over targets).
REGRESSION_METRICS = ("pearson", "spearman", "r2", "mse")
# Metrics where lower is better besides the loss; nothing ranks epochs or trials by them.
LOWER_IS_BETTER = ("mse",)
# Validation metrics that can pick an epoch or rank a search: "loss" is the validation loss (lower is
# better); the rest are whole-set metrics (higher is better).
BEST_METRICS = ("loss",) + tuple(
    m
    for m in dict.fromkeys(BINARY_METRICS + MULTICLASS_METRICS + MULTILABEL_METRICS + REGRESSION_METRICS)
    if m not in LOWER_IS_BETTER
)


def task_metric_names(kind: str) -> tuple[str, ...]:
    """The scalar metrics at the top of a task's evaluation block (``kind``: binary, multiclass, ...)."""
    return {
        "binary": BINARY_METRICS,
        "multiclass": MULTICLASS_METRICS,
        "multilabel": MULTILABEL_METRICS,
        "regression": REGRESSION_METRICS,
    }[kind]
