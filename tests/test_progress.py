"""Progress: a bar on a terminal, one log line per step elsewhere (never carriage returns in a log file)."""

from __future__ import annotations

import logging

from tqdm import tqdm

from enhancerlm import progress
from enhancerlm.progress import LineProgress, progress_bar


def test_off_a_terminal_each_step_is_one_log_line(capsys, caplog):
    with caplog.at_level(logging.INFO, logger="enhancerlm.progress"):
        for _ in progress_bar(range(3), desc="scan chunks", unit="chunk", mininterval=0):
            pass
    err = capsys.readouterr().err
    assert "\r" not in err and "%|" not in err  # no bar redrawn on stderr
    lines = [r.getMessage() for r in caplog.records if r.name == "enhancerlm.progress"]
    assert lines[0] == "scan chunks: 1/3 chunk [00:00 elapsed, about 00:00 left]"
    assert [m.split(" [")[0] for m in lines] == [f"scan chunks: {n}/3 chunk" for n in (1, 2, 3)]


def test_lines_are_spaced_but_the_last_count_is_always_logged(caplog):
    with caplog.at_level(logging.INFO, logger="enhancerlm.progress"):
        with progress_bar(desc="predict", unit="seq", leave=False) as bar:  # 1 s between lines by default
            for _ in range(50):
                bar.update(10)
    lines = [r.getMessage() for r in caplog.records if r.name == "enhancerlm.progress"]
    assert lines == ["predict: 500 seq [00:00 elapsed]"]  # 50 fast updates: one line, the final count


def test_on_a_terminal_it_is_a_plain_bar(monkeypatch):
    monkeypatch.setattr(progress, "on_terminal", lambda: True)
    bar = progress_bar(range(2), disable=True)
    assert type(bar) is tqdm and not isinstance(bar, LineProgress)
