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
# Multi-label: per-label AUROC/AUPRC averaged over labels (macro) or pooled over every (sequence, label) (micro).
# These rank epochs and trials; a test-set block (evaluate.multilabel) adds the calls' F1 (macro and micro)
# and ``per_label.<label>`` blocks of BINARY_METRICS.
MULTILABEL_METRICS = ("auroc_macro", "auprc_macro", "auroc_micro", "auprc_micro")
MULTILABEL_F1 = ("f1_macro", "f1_micro")
# Regression: agreement of predicted and measured values, averaged over targets.
REGRESSION_METRICS = ("pearson", "spearman", "r2", "mse")
# Validation metrics that can pick an epoch or rank a search: "loss" is the validation loss (lower is
# better); the rest are whole-set metrics (higher is better), so mse (lower is better) is left out:
# "loss" is the MSE of a regression head already.
BEST_METRICS = ("loss",) + tuple(
    m
    for m in dict.fromkeys(BINARY_METRICS + MULTICLASS_METRICS + MULTILABEL_METRICS + REGRESSION_METRICS)
    if m != "mse"
)
