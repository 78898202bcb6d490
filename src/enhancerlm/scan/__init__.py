"""Genome scanning: windows -> scores -> bedGraph/bigWig track and BED enhancer calls, resumable and multi-process."""

from enhancerlm.scan.config import ScanConfig

__all__ = ["ScanConfig", "ScanResult", "scan_genome"]


def __getattr__(name: str):
    # scan.run imports torch; loaded on first use so that the CLI's flags (from ScanConfig) start fast.
    if name in ("ScanResult", "scan_genome"):
        from enhancerlm.scan import run

        return getattr(run, name)
    raise AttributeError(f"module 'enhancerlm.scan' has no attribute {name!r}")
