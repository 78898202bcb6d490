"""Where models run: CUDA (bf16, larger batches) when present, else CPU."""

from __future__ import annotations

import contextlib

import torch


def best_device() -> torch.device:
    """CUDA if available, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def default_batch_size(device: torch.device) -> int:
    """Inference batch size: GPUs take larger batches."""
    return 256 if device.type == "cuda" else 64


def autocast(device: torch.device):
    """bf16 autocast on CUDA; on CPU a no-op (bf16 matmuls are slow on most CPUs)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
