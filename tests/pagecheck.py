"""Looking at rendered pages in headless Chromium: a screenshot that is not blank, and no text
that overflows its box (measured by the browser itself)."""

import json
import re
import struct
import zlib
from pathlib import Path

from scorecard.browser import dump_dom, find_browser, screenshot

BROWSER = find_browser()
NO_BROWSER = "no headless Chromium (apt-get install chromium, or set SCORECARD_CHROMIUM)"

#: appended to a copy of the page: lists every element whose content is wider than its box
#: (boxes that scroll sideways are allowed: that is how wide tables stay whole), a page wider
#: than the window, and chart text outside its chart
MEASURE = """
<script>
window.addEventListener("load", () => {
  const bad = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1)
    bad.push("page " + doc.scrollWidth + " wider than window " + window.innerWidth);
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("svg") || el.id === "measure") continue;
    const ox = getComputedStyle(el).overflowX;
    if (ox === "auto" || ox === "scroll") continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
      bad.push(el.tagName + " " + el.scrollWidth + ">" + el.clientWidth + ": "
               + el.textContent.trim().slice(0, 60));
  }
  for (const svg of document.querySelectorAll("svg.chart")) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll("text")) {
      const r = t.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
          || r.bottom > box.bottom + 1)
        bad.push("chart " + svg.dataset.chart + " text outside: " + t.textContent.trim());
    }
  }
  const pre = document.createElement("pre");
  pre.id = "measure";
  pre.textContent = JSON.stringify({bad: bad, charts: document.querySelectorAll("svg.chart")
    .length, width: doc.scrollWidth});
  document.body.appendChild(pre);
});
</script>
"""


def overflows(html_path: Path, width: int, height: int = 1200) -> dict:
    """The browser's own measurements of the page at ``width`` CSS pixels."""
    probe = html_path.with_name(html_path.stem + ".measure.html")
    probe.write_text(html_path.read_text(encoding="utf-8").replace("</body>", MEASURE +
                                                                   "</body>"),
                     encoding="utf-8")
    dom = dump_dom(probe, width, height)
    m = re.search(r'<pre id="measure">(.*?)</pre>', dom, re.S)
    assert m, f"the page did not report its measurements:\n{dom[-2000:]}"
    return json.loads(m.group(1).replace("&quot;", '"').replace("&gt;", ">")
                      .replace("&lt;", "<").replace("&amp;", "&"))


def png_pixels(path: Path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced PNG (what Chromium
    writes), decoded with zlib only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) *
                                                        (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) \
                    & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def looked_at(html_path: Path, png_path: Path, width: int, height: int) -> dict:
    """Screenshot the page and describe it: how many distinct colours, how much of it is not
    white (a blank or failed render is one colour)."""
    screenshot(html_path, png_path, width, height)
    w, h, rows, bpp = png_pixels(png_path)
    colours, inked = set(), 0
    for row in rows[::4]:
        for x in range(0, w * bpp, bpp * 4):
            px = row[x:x + 3]
            colours.add(px)
            inked += px != b"\xff\xff\xff"
    return {"width": w, "height": h, "colours": len(colours),
            "inked": inked / (len(rows[::4]) * len(range(0, w * bpp, bpp * 4)))}
