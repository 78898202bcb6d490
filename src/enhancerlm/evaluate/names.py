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
# Validation metrics that can pick an epoch or rank a search: "loss" is the validation loss (lower is
# better); the rest are whole-set metrics (higher is better).
BEST_METRICS = ("loss",) + tuple(dict.fromkeys(BINARY_METRICS + MULTICLASS_METRICS))
