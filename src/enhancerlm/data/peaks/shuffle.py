"""k-mer-preserving shuffles (Altschul & Erickson 1985): composition kept, motifs destroyed.

A sequence's k-mers are the edges of a graph on its (k-1)-mers; the sequence is an Eulerian path
from its first (k-1)-mer to its last. Every sequence with the same k-mer counts (and the same first
and last (k-1)-mer) is another Eulerian path of that graph, and this one is drawn uniformly
(Altschul & Erickson 1985; Kandel et al. 1996): each vertex but the last gets a random last exit
edge, kept only if those edges form a tree towards the last vertex (else drawn again); the other
edges leave in random order; the walk takes each vertex's edges in that order.

Written here rather than taken from a library: ``ushuffle`` (the C uShuffle behind MEME's tools)
is a 2020 source-only package whose extension no longer compiles on Python 3.11 (it includes the
removed ``longintrepr.h``) and draws from the C library's global ``rand()``, so the same seed gives
other bytes on another platform; ``dinuc-shuf`` is a one-release beta for k=2 only; tangermeme's
shuffle brings torch and numba. Here every sequence of a batch is shuffled at once with numpy
(one vectorised step per output base), from one seeded generator.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from enhancerlm.errors import ConfigError
from enhancerlm.sequences.dna import ACGT, concat_codes

_LETTERS = np.frombuffer(b"ACGTN", dtype=np.uint8)
_ALPHABET = 5  # ACGT codes 0-3, anything else 4 (N)
_DIRECT_VERTICES = 1 << 24  # up to this many (sequence, (k-1)-mer) slots, vertices are numbered without a sort


def kmer_shuffle(seqs: Sequence[str], k: int = 2, seed: int | np.random.Generator = 0) -> list[str]:
    """Shuffle each sequence keeping its k-mer counts exactly (k=2: dinucleotides, the usual control).

    Parameters
    ----------
    seqs : sequence of str, length n
        Upper-case ``ACGTN`` (other characters are read as N).
    k : int
        1 (a plain permutation of the bases) to 6.
    seed : int or numpy Generator

    Returns
    -------
    list of str, length n
        Each shuffle has the same length, the same k-mer counts, and the same first and last k-1 bases.

    Cost: O(total bp log total bp) time; memory a few arrays of total bp int64.
    """
    if not 1 <= k <= 6:
        raise ConfigError(f"k-mer shuffle: k={k!r} must be between 1 and 6")
    rng = np.random.default_rng(seed)
    flat, lengths = concat_codes(list(seqs), ACGT)
    if k == 1:
        return _split(_permute_within(flat, lengths, rng), lengths)
    out = flat.copy()
    graph = _Graph.build(flat, lengths, k)
    order = graph.draw_orders(rng)
    graph.walk(order, out, lengths)
    return _split(out, lengths)


def _permute_within(flat: np.ndarray, lengths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    owner = np.repeat(np.arange(len(lengths)), lengths)
    return flat[np.lexsort((rng.random(len(flat)), owner))]


def _split(codes: np.ndarray, lengths: np.ndarray) -> list[str]:
    text = _LETTERS[codes].tobytes().decode("ascii")
    ends = np.cumsum(lengths)
    return [text[e - n : e] for e, n in zip(ends.tolist(), lengths.tolist())]


class _Graph:
    """The (k-1)-mer graphs of all sequences at once; vertex = (sequence, (k-1)-mer), numbered densely.

    Attributes
    ----------
    src, dst, letter, owner : np.ndarray, shape=(n_edges,)
        Each k-mer occurrence: its source and target vertex, its last base (code), its sequence.
    first, last : np.ndarray of int64, shape=(n_seqs,)
        Each sequence's first and last vertex (-1 for a sequence shorter than k).
    vertex_owner : np.ndarray of int64, shape=(n_vertices,)
    """

    def __init__(self, src, dst, letter, owner, first, last, vertex_owner, k):
        self.src, self.dst, self.letter, self.owner = src, dst, letter, owner
        self.first, self.last, self.vertex_owner, self.k = first, last, vertex_owner, k

    @property
    def n_vertices(self) -> int:
        return len(self.vertex_owner)

    @classmethod
    def build(cls, flat: np.ndarray, lengths: np.ndarray, k: int) -> "_Graph":
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        ids = np.zeros(len(flat), dtype=np.int64)  # (k-1)-mer starting at each position (junk near the end)
        for j in range(k - 1):
            shifted = np.zeros(len(flat), dtype=np.int64)
            shifted[: len(flat) - j] = flat[j:]
            ids = ids * _ALPHABET + shifted
        owner = np.repeat(np.arange(len(lengths)), lengths)
        position = np.arange(len(flat)) - offsets[owner]
        has_vertex = position + k - 1 <= lengths[owner]  # a whole (k-1)-mer starts here
        base = _ALPHABET ** (k - 1)
        keys = owner[has_vertex] * base + ids[has_vertex]
        if len(lengths) * base <= _DIRECT_VERTICES:  # every possible vertex numbered: no sort needed
            dense, vertex_owner = keys, np.arange(len(lengths) * base) // base
        else:
            table, dense = np.unique(keys, return_inverse=True)
            vertex_owner = table // base
        vertex = np.full(len(flat) + 1, -1, dtype=np.int64)
        vertex[np.flatnonzero(has_vertex)] = dense
        edge_pos = np.flatnonzero(position + k <= lengths[owner])  # a whole k-mer starts here
        short = lengths < k  # no edge: the sequence stays as it is
        first = np.where(short, -1, vertex[np.minimum(offsets[:-1], len(flat))])
        last = np.where(short, -1, vertex[np.minimum(offsets[:-1] + np.maximum(lengths - k + 1, 0), len(flat))])
        return cls(
            vertex[edge_pos],
            vertex[edge_pos + 1],
            flat[edge_pos + k - 1],
            owner[edge_pos],
            first,
            last,
            vertex_owner,
            k,
        )

    def draw_orders(self, rng: np.random.Generator) -> np.ndarray:
        """Edge order: grouped by source vertex, random inside, each group's last edge a tree edge.

        Only the last exit edges decide acceptance, so the rejection loop redraws those alone, for the
        sequences whose draw failed (a shrinking set); the other edges are ordered once, at the end.
        """
        by_src = np.argsort(self.src, kind="stable")
        count = np.bincount(self.src, minlength=self.n_vertices)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        root = self.last[self.vertex_owner]
        chooses = np.flatnonzero((count > 0) & (np.arange(self.n_vertices) != root))  # vertices with a last exit
        last_edge = np.zeros(self.n_vertices, dtype=np.int64)
        jump = np.arange(self.n_vertices)
        todo = chooses
        while len(todo):
            last_edge[todo] = by_src[start[todo] + (rng.random(len(todo)) * count[todo]).astype(np.int64)]
            jump[todo] = self.dst[last_edge[todo]]
            for _ in range(self.max_path_doublings):
                jump[todo] = jump[jump[todo]]  # pointer jumping: where each path of last exits ends
            failed = np.unique(self.vertex_owner[todo[jump[todo] != root[todo]]])
            todo = todo[np.isin(self.vertex_owner[todo], failed)]
        within = rng.random(len(self.src)) * 0.5  # random order inside each vertex's edges...
        within[last_edge[chooses]] = 0.75  # ...its last exit edge after all of them
        return np.argsort(self.src + within)  # one float sort instead of a lexsort (vertex ids < 2**52)

    @property
    def max_path_doublings(self) -> int:
        """Pointer-jumping rounds that cover the longest possible path inside one sequence's graph."""
        return int(np.ceil(np.log2(_ALPHABET ** (self.k - 1) + 1))) + 1

    def walk(self, order: np.ndarray, out: np.ndarray, lengths: np.ndarray) -> None:
        """Follow each sequence's edges in ``order`` from its first vertex; write the letters into ``out``."""
        pointer = np.searchsorted(self.src[order], np.arange(self.n_vertices))  # next unused edge per vertex
        offsets = np.concatenate([[0], np.cumsum(lengths)])[:-1]
        n_steps = np.maximum(lengths - self.k + 1, 0)
        seqs = np.flatnonzero(n_steps > 0)
        current = self.first[seqs]
        for step in range(int(n_steps.max(initial=0))):  # one vectorised step per output base
            alive = n_steps[seqs] > step
            seqs, current = seqs[alive], current[alive]
            edge = order[pointer[current]]
            pointer[current] += 1
            out[offsets[seqs] + self.k - 1 + step] = self.letter[edge]
            current = self.dst[edge]
