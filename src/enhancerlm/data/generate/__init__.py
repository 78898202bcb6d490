"""Data whose truth is known: ``motifs`` (JASPAR matrices), ``synthetic`` (enhancers with planted motif
sites), ``synthetic_celltypes`` (cell-type-specific enhancers with activity) and ``ensembl_like`` (sets
shaped like Genomic Benchmarks ``human_enhancers_ensembl``)."""
