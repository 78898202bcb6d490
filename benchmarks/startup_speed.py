"""Start-up time of the ``enhancerlm`` command (``--help``, ``tokenize`` of a 10-record FASTA) and of
``import enhancerlm``, as a ratio to ``python -c pass``.

Each command runs as a fresh process ``--repeats`` times; the fastest wall time is kept (steadier on a
shared machine). Targets: ``enhancerlm --help`` and ``python -c "import enhancerlm"`` each under 1 s.
Also printed: what ``import enhancerlm.cli.main`` and ``import enhancerlm`` load of the heavy libraries
(none should be: ``tests/cli/test_startup.py`` checks it).

    python benchmarks/startup_speed.py
    python benchmarks/startup_speed.py --repeats 10
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("torch", "transformers", "pandas", "sklearn", "scipy", "matplotlib", "numpy")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    return parser.parse_args()


def fastest(cmd: list[str], repeats: int) -> float:
    """Fastest wall time, in s, of ``cmd`` as a fresh process; a failing command is an error."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def enhancerlm_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m enhancerlm.cli.main``."""
    script = Path(sys.executable).with_name("enhancerlm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "enhancerlm.cli.main"]


def heavy_imports(module: str) -> list[str]:
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()


def main() -> None:
    args = parse_args()
    cli = enhancerlm_command()
    with tempfile.TemporaryDirectory() as folder:
        fasta = Path(folder) / "ten.fa"
        fasta.write_text("".join(f">seq{i}\n{'ACGTTGCA' * 25}\n" for i in range(10)))
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import enhancerlm": [sys.executable, "-c", "import enhancerlm"],
            "import enhancerlm.cli.main": [sys.executable, "-c", "import enhancerlm.cli.main"],
            "enhancerlm --help": [*cli, "--help"],
            "enhancerlm tokenize (10 records)": [*cli, "tokenize", str(fasta), "--backbone", "tiny-dnabert-6"],
        }
        times = {name: fastest(cmd, args.repeats) for name, cmd in commands.items()}
    base = times["python -c pass"]
    print(f"fastest of {args.repeats} fresh processes ({shutil.which(cli[0]) or cli[0]}):")
    for name, seconds in times.items():
        print(f"{name:34s} {seconds:6.2f} s  {seconds / base:6.1f} x python -c pass")
    for name in ("enhancerlm --help", "import enhancerlm"):
        print(f"target `{name}` < 1 s: {'met' if times[name] < 1 else 'NOT met'}")
    for module in ("enhancerlm.cli.main", "enhancerlm"):
        print(f"heavy libraries loaded by `import {module}`: {', '.join(heavy_imports(module)) or 'none'}")


if __name__ == "__main__":
    main()
