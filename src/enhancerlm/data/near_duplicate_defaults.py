"""Default near-duplicate settings (k, threshold, MinHash functions), light to import for the CLI's flags.

``enhancerlm.data.near_duplicates`` (numpy, pandas, scipy) uses them; its docstring says what they mean.
"""

DEFAULT_K = 8
DEFAULT_THRESHOLD = 0.5
DEFAULT_NUM_PERM = 128
