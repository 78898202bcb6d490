"""Fine-tuning on ``transformers.Trainer``: typed config, dynamic padding, checkpoints and resume.

The settings (``train.config``, ``train.pretrain_config``) import light, for the CLI's flags; the rest
loads on first use. ``enhancerlm.train.finetune`` is the module: the function is
``enhancerlm.train.finetune.finetune`` (a package attribute of the same name as a submodule would be
the module or the function depending on what was imported first).
"""

from typing import TYPE_CHECKING

from enhancerlm.train.config import TrainConfig

if TYPE_CHECKING:
    from enhancerlm.train.collate import PadCollator, TokenDataset, build_dataset
    from enhancerlm.train.finetune import FinetuneResult

__all__ = ["FinetuneResult", "PadCollator", "TokenDataset", "TrainConfig", "build_dataset"]
_LAZY = {"PadCollator": "collate", "TokenDataset": "collate", "build_dataset": "collate", "FinetuneResult": "finetune"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"enhancerlm.train.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'enhancerlm.train' has no attribute {name!r}")
