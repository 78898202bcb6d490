"""Print a Markdown table of the test metrics (with 95% CIs) of one or more `enhancerlm run` folders.

python experiments/summarize_runs.py RUN_DIR [RUN_DIR ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

COLUMNS = ("accuracy", "precision", "recall", "specificity", "mcc", "auroc")


def cell(block: dict, name: str) -> str:
    value, ci = block.get(name), (block.get("ci") or {}).get(name)
    if value is None:
        return "n/a"
    return f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{value:.3f}"


def rows(run: Path, seen: set):
    """The run's own model rows, then baselines not shown yet (runs on one split share them)."""
    metrics = json.loads((run / "metrics.json").read_text())
    backbone = run.name
    if "zero_shot" in metrics:
        yield f"{backbone}: untrained head", metrics["zero_shot"]
    yield f"{backbone}: trained", metrics["fine_tuned"]
    seen.add(backbone.replace("-", "_"))
    for name, block in metrics.get("baselines", {}).items():
        if name not in seen:
            seen.add(name)
            yield f"baseline {name}", block


def main(paths: list[str]) -> None:
    print("| model | n | " + " | ".join(COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    seen: set = set()
    for path in paths:
        for name, block in rows(Path(path), seen):
            print(f"| {name} | {block['n']} | " + " | ".join(cell(block, c) for c in COLUMNS) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
