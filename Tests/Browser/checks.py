"""Helpers the scenarios share (not a scenario itself): reading back what the page drew on its
WebGL canvases (drawn with preserveDrawingBuffer, so the last frame stays readable), and
clicking an element of a list the page may re-render at any moment."""

import time

# Counts pixels by colour class in one pass in the page: the map's highlight colours (web/map.js)
# and "lit" pixels (anything clearly brighter than the dark background).
_COUNT_JS = """
const c = arguments[0];
const w = c.width, h = c.height;
let data;
const gl = c.dataset.renderer === 'webgl' ? c.getContext('webgl') : null;
if (gl) {
  data = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, data);
} else {
  data = c.getContext('2d').getImageData(0, 0, w, h).data;
}
const want = {host: [251, 191, 36], mine: [56, 189, 248], rec: [167, 139, 250], play: [74, 222, 128]};
const out = {host: 0, mine: 0, rec: 0, play: 0, lit: 0, total: w * h, hash: 0};
let hash = 0;
for (let i = 0; i < data.length; i += 4) {
  const r = data[i], g = data[i + 1], b = data[i + 2];
  if (r + g + b > 200) out.lit++;
  for (const k in want) {
    const [wr, wg, wb] = want[k];
    if (Math.abs(r - wr) < 24 && Math.abs(g - wg) < 24 && Math.abs(b - wb) < 24) { out[k]++; break; }
  }
  hash = (Math.imul(hash, 31) + r + (g << 8) + (b << 16)) | 0;
}
out.hash = hash;
return out;
"""


def count(page, testid):
    """{host, mine, rec, play, lit, total, hash} for the canvas with that data-testid."""
    return page.js(_COUNT_JS, page.testid(testid))


def click(page, find, what, timeout=10):
    """Finds an element with `find()` and clicks it, finding it again when the page replaced it
    in between (a list re-rendered by a message that just arrived)."""
    from selenium.common.exceptions import StaleElementReferenceException
    deadline = time.monotonic() + timeout
    while True:
        try:
            element = find()
            element.click()
            return element
        except StaleElementReferenceException:
            if time.monotonic() > deadline:
                page.harness.fail(f"[{page.identity}] {what} kept being replaced for {timeout} s")
            time.sleep(0.05)


YOUTUBE_PREFIX = "https://www.youtube.com/watch?v="


def youtube_link(link, what):
    """Checks a "YouTube" link as the page shows one (docs/youtube.md): the video's URL, opened
    in a new tab without giving that tab a handle on the page. Returns its href."""
    href = link.get_attribute("href") or ""
    assert href.startswith(YOUTUBE_PREFIX), f"{what}: link to {href!r}, not a YouTube video"
    assert link.get_attribute("target") == "_blank", f"{what}: target {link.get_attribute('target')!r}"
    assert "noopener" in (link.get_attribute("rel") or "").split(), f"{what}: rel {link.get_attribute('rel')!r}"
    assert link.text.strip() == "YouTube", f"{what}: text {link.text!r}"
    return href
