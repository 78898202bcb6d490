"""enhancerlm: is this DNA an enhancer, and why? DNA language models, honestly evaluated."""

__version__ = "0.1.0"
