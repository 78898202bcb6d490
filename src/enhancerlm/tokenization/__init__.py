"""Tokenization: pure string -> token ids (k-mer DNABERT-compatible, character, hub tokenizers)."""
