"""The one HTML page skeleton: self-contained (inline style, PNGs as data URIs), text escaped."""

import base64

from enhancerlm.html_page import CSS, html_page, png_data_uri, png_img

PNG = b"\x89PNG\r\n\x1a\nfake"


def test_page_is_one_self_contained_document():
    page = html_page("a <b> & c", "<p>body</p>")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    assert "<title>a &lt;b&gt; &amp; c</title>" in page and f"<style>{CSS}</style>" in page
    assert page.endswith("<body>\n<p>body</p>\n</body></html>\n") and "http" not in page


def test_png_is_inlined_and_alt_escaped():
    assert png_data_uri(PNG) == "data:image/png;base64," + base64.b64encode(PNG).decode("ascii")
    assert png_img(PNG, 'x "y"') == f'<img src="{png_data_uri(PNG)}" alt="x &quot;y&quot;">'
    assert png_img(PNG, "t", "track").startswith('<img class="track" src="data:image/png;base64,')
