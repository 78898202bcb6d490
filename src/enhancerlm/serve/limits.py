"""What one request to ``enhancerlm serve`` may ask for: bytes, sequences, bases, queued jobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from enhancerlm.config import ConfigBase
from enhancerlm.errors import ConfigError, EnhancerlmError, InputError


class LimitError(InputError):
    """A request asks for more than the server's limits allow (HTTP 413)."""


class QueueFullError(EnhancerlmError):
    """Every queue slot is taken; the client should try again shortly (HTTP 503)."""


@dataclass(frozen=True)
class ServeLimits(ConfigBase):
    """Per-request limits of the web app; each is a flag of ``enhancerlm serve``.

    The defaults keep one request under about a minute of CPU for a DNABERT-sized model and the
    server's memory flat whatever is posted; raise them on a GPU machine.
    """

    max_request_mb: float = field(default=10.0, metadata={"help": "Largest request body (paste plus upload), in MB."})
    max_sequences: int = field(default=2000, metadata={"help": "Most sequences per request."})
    max_total_bp: int = field(default=2_000_000, metadata={"help": "Most bases, summed over a request's sequences."})
    max_explain_bp: int = field(
        default=5000,
        metadata={"help": "Longest sequence whose per-base attribution is computed, in bp."},
    )
    queue_size: int = field(
        default=32,
        metadata={"help": "Jobs waiting for each worker (scoring, attribution) before new ones are refused."},
    )
    jobs_kept: int = field(
        default=100, metadata={"help": "Finished jobs whose results stay available (each holds its sequences)."}
    )

    config_label = "serve limits"

    def __post_init__(self):
        for name in ("max_request_mb", "max_sequences", "max_total_bp", "max_explain_bp", "queue_size", "jobs_kept"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"serve {name}={getattr(self, name)!r}: must be > 0")

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_mb * 1_000_000)

    def check_counts(self, n_sequences: int, total_bp: int) -> None:
        """Raise LimitError naming the limit and the flag that raises it when a table is too large."""
        if n_sequences > self.max_sequences:
            raise LimitError(
                f"{n_sequences} sequences is more than this server takes per request ({self.max_sequences}); "
                "send fewer, or start the server with a larger --max-sequences"
            )
        if total_bp > self.max_total_bp:
            raise LimitError(
                f"{total_bp} bp in all is more than this server takes per request ({self.max_total_bp} bp); "
                "send fewer bases, or start the server with a larger --max-total-bp"
            )

    def request_too_large(self, n_bytes: int) -> LimitError:
        return LimitError(
            f"the request is larger than this server takes ({n_bytes / 1e6:.1f} MB > {self.max_request_mb:g} MB); "
            "send less, or start the server with a larger --max-request-mb"
        )
