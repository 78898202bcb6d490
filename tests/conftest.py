"""Shared test fixtures: the read-only data beside the checkout, and quiet matplotlib."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (it lives beside the checkout, not in the repo)")
    return SHARED_DATA


# Counts images the browser decoded once the page has loaded, and writes the count into the DOM.
_PROBE = ('<script>window.addEventListener("load", function () {'
          'var imgs = Array.from(document.images);'
          'var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;'
          'var out = document.createElement("div"); out.id = "img-check";'
          'out.textContent = ok + "/" + imgs.length; document.body.appendChild(out); });</script>')


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no chromium binary on PATH (Debian: apt-get install -y chromium); headless image check skipped")


def _loaded_images(page: Path, tmp_path: Path) -> str:
    """``"k/n"``: images the browser decoded out of those on the page (skips without chromium)."""
    probe = tmp_path / f"probe-{page.name}"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'ud'}",
           "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'<div id="img-check">(\d+/\d+)</div>', dom)
    assert found, f"probe did not run; chromium printed: {dom[:300]!r}"
    return found.group(1)



@pytest.fixture
def loaded_images():
    """Open an HTML page in headless Chromium and count the images that loaded."""
    return _loaded_images
