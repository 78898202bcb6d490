"""Self-contained HTML pages (``report.html``, ``explain.html``): one skeleton, one style sheet, inlined PNGs."""

from __future__ import annotations

import base64
from html import escape

# One style sheet for every page, so that the run report and the explanation page read alike.
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1400px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}caption{text-align:left;font-style:italic}
.scroll{overflow-x:auto}.ci{color:#555;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .45em;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal;min-width:9em}thead th{background:#f2f2f2}
td.na{color:#999;text-align:center}.lm td:first-child{font-weight:600}
.warn{background:#fff4e5;border-left:4px solid #f0a030;padding:.5em 1em;margin:.5em 0}
.alert{background:#fdecea;border:2px solid #c5221f;padding:.5em 1em;margin:1em 0}.alert ul{margin:.3em 0}
.note{background:#eef5ff;border-left:4px solid #4a90d9;padding:.5em 1em;margin:.5em 0}
figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.85em}
.meta{color:#666;font-size:.85em}table.kv td{text-align:left;white-space:normal}
img.track{max-width:100%;display:block;margin-bottom:1em}td img{vertical-align:middle}
section.seq{border-top:1px solid #ddd;padding-top:.3em}.pair{display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start}
.pair table{margin-top:0}.pair td{white-space:nowrap}
"""


def html_page(title: str, body: str) -> str:
    """A whole page: doctype, UTF-8, ``title`` (escaped here), the style sheet and ``body`` (HTML, as given)."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for PNG bytes: the page needs no file beside it."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def png_img(png: bytes, alt: str, css_class: str = "") -> str:
    """An ``<img>`` of PNG bytes, inlined; ``alt`` is escaped."""
    css = f' class="{escape(css_class)}"' if css_class else ""
    return f'<img{css} src="{png_data_uri(png)}" alt="{escape(alt)}">'
