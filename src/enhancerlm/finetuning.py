"""The fine-tuning settings a backbone's registry entry chooses (`FinetuneDefaults`), each declared once; light to import.

``TrainConfig`` (how the trainer runs) and ``RunConfig`` (the flags of ``enhancerlm run``) declare these
settings again with :func:`enhancerlm.config.setting_from`, which takes their range, choices and help
from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from enhancerlm.config import ConfigBase, setting
from enhancerlm.errors import ConfigError
from enhancerlm.evaluate.names import BEST_METRICS


@dataclass(frozen=True)
class FinetuneDefaults(ConfigBase):
    """How ``enhancerlm run`` fine-tunes a backbone when neither the config file nor a flag says otherwise.

    The defaults are the reference study's DNABERT setting, right for a pre-trained BERT-base (and the
    fallback for any hub model or folder without an entry); a random-init small model needs a learning
    rate some 30 times higher and more epochs, so each family's entry sets its own.
    """

    lr: float = setting(3e-5, gt=0, help="Fine-tuning learning rate, the peak of AdamW's schedule.")
    epochs: int = setting(2, ge=1, help="Fine-tuning epochs.")
    batch_size: int = setting(8, ge=1, help="Per-device batch size of the search and the fine-tune.")
    search_lrs: tuple[float, ...] = setting((5e-5, 4e-5, 3e-5, 2e-5), gt=0, help="Learning rates of the grid search.")
    search_epochs: int = setting(5, ge=1, help="Epochs per search trial, every epoch evaluated.")
    search_metric: str = setting(
        "mcc", choices=BEST_METRICS, help="Validation metric that picks the best (lr, epochs)."
    )
    warmup_ratio: float = setting(0.1, ge=0, lt=1, help="Share of steps with linear warm-up.")
    metric_for_best: str = setting(
        "last",
        choices=("last",) + BEST_METRICS,
        help="Validation metric whose best epoch the fine-tuned model keeps, or 'last'.",
    )

    config_label = "fine-tuning defaults"

    def check(self) -> None:
        if not self.search_lrs:
            raise ConfigError(f"{self.config_label}: search_lrs: give at least one learning rate")
