"""Fine-tuning on ``transformers.Trainer``: typed config, dynamic padding, checkpoints and resume."""

from enhancerlm.train.collate import PadCollator, TokenDataset, build_dataset
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.finetune import FinetuneResult, finetune

__all__ = ["FinetuneResult", "PadCollator", "TokenDataset", "TrainConfig", "build_dataset", "finetune"]
