"""From regions and a genome to a labelled data set (``enhancerlm data build``): ``build`` (the steps in
order), ``build_config`` (its settings), ``windows`` (peaks -> fixed or native windows, merged),
``background`` (composition-matched genomic negatives), ``shuffle`` (k-mer-preserving shuffles),
``build_truth`` (multi-label overlaps and activity targets) and ``build_outputs`` (tables, BED, manifest,
composition figure)."""
