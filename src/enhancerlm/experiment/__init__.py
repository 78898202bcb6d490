"""The study's whole experiment as one pipeline: audit -> zero-shot -> search -> fine-tune -> test -> report."""
