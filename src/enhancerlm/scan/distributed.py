"""Which process am I: a single run, or one of N under ``torchrun`` / ``accelerate launch``.

Work is split by chunk: every process takes every N-th unfinished chunk, writes it to the shared
chunk folder, and process 0 assembles the outputs after a barrier. The split does not change any
score (a chunk is scored the same way whichever process scores it), so the outputs are
byte-identical to a single-process scan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import torch

from enhancerlm.device import best_device

# Variables a launcher sets to the number of processes (torchrun/accelerate, MPI flavours).
_WORLD_SIZE_VARS = ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


@dataclass(frozen=True)
class Process:
    """This process's place in the run.

    Attributes
    ----------
    index : int
        0 .. n_processes - 1; process 0 writes the manifest and the outputs.
    n_processes : int
    device : torch.device
        Where this process runs its model (its own GPU under a multi-GPU launch).
    barrier : callable
        Returns when every process has called it.
    """

    index: int
    n_processes: int
    device: torch.device
    barrier: Callable[[], None]

    @property
    def is_main(self) -> bool:
        return self.index == 0

    def share(self, chunks: list[int]) -> list[int]:
        """This process's part of ``chunks``: every n-th, starting at its index."""
        return chunks[self.index :: self.n_processes]


def launched_processes() -> int:
    """Number of processes the launcher started (1 when run directly)."""
    for name in _WORLD_SIZE_VARS:
        if os.environ.get(name):
            return int(os.environ[name])
    return 1


def current_process() -> Process:
    """This process, joining the launcher's process group when there are several.

    A direct run does not touch ``accelerate`` (no global state, no process group). Under a launcher,
    ``accelerate.PartialState`` sets up the group: NCCL on GPUs, gloo on CPUs; without CUDA it is
    told so (``cpu=True``), since otherwise it would not start a CPU group.
    """
    if launched_processes() <= 1:
        return Process(0, 1, best_device(), lambda: None)
    from accelerate import PartialState

    state = PartialState(cpu=not torch.cuda.is_available())
    return Process(state.process_index, state.num_processes, state.device, state.wait_for_everyone)
