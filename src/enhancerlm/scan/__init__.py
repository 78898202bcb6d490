"""Genome scanning: windows -> scores -> bedGraph/bigWig track and BED enhancer calls, resumable and multi-process."""

from enhancerlm.scan.run import ScanConfig, ScanResult, scan_genome

__all__ = ["ScanConfig", "ScanResult", "scan_genome"]
