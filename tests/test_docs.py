"""docs/python-api.md cannot rot: its ``python`` blocks run, in order, in one namespace, in a fresh folder."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def python_blocks(text: str) -> list[str]:
    """The code of every fenced ``python`` block of a Markdown page, in page order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


def test_python_blocks_are_found_in_page_order():
    text = "intro\n```python\na = 1\n```\n```bash\nls\n```\n```python\nb = a + 1\n```\n"
    assert python_blocks(text) == ["a = 1\n", "b = a + 1\n"]


@pytest.mark.slow  # the whole walk-through: fits kmer-lr and one epoch of tiny-dnabert-6 (~40 s on 2 cores)
def test_the_python_api_page_runs_top_to_bottom_and_its_claims_hold(tmp_path, monkeypatch, one_torch_thread):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "python_api_page"}
    blocks = python_blocks(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) == 10
    for number, code in enumerate(blocks, 1):
        exec(compile(code, f"{PAGE.name}, python block {number}", "exec"), namespace)
    run, track, planted = namespace["run"], namespace["track"], namespace["planted"]
    # what the page says in words
    assert run.metrics["fine_tuned"]["auroc"] > run.metrics["baselines"]["gc"]["auroc"]
    assert track[planted].mean() > track[~planted].mean()
    assert (tmp_path / "runs" / "kmer" / "inputs" / "train.tsv").is_file()
    assert (tmp_path / "attribution.png").stat().st_size > 0
    lm, long_seq = namespace["lm"], namespace["long_seq"]
    both = namespace["elm"].predict(lm, [long_seq], both_strands=True)
    np.testing.assert_array_equal(
        both[["p_not_enhancer", "p_enhancer"]].to_numpy(), lm.predict_proba([long_seq], both_strands=True)
    )
    assert len(namespace["ism"]) == 3 * 200 and namespace["X_test"].shape == (len(namespace["test"]), 128)
