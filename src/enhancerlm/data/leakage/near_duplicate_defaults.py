"""Default near-duplicate settings (k, threshold, MinHash functions) and dedup modes, light to import for the CLI's flags.

``enhancerlm.data.leakage.near_duplicates`` (numpy, pandas, scipy) uses them; its docstring says what they mean.
"""

DEFAULT_K = 8
DEFAULT_THRESHOLD = 0.5
DEFAULT_NUM_PERM = 128
# What removing test duplicates from train may drop (``data prepare --dedup``, ``data build --dedup``):
# nothing, exact and reverse-complement twins, or near duplicates as well.
DEDUP_MODES = ("none", "exact", "near")
