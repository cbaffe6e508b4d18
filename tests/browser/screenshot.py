#!/usr/bin/env python3
"""screenshot.py PAGE.html FRAGMENT OUT.png [WIDTH HEIGHT]: one screenshot of
an --html page in headless Chromium (cdp.py), at the step the URL fragment
names (#conn=ID&step=N). Used by scripts/make-figures."""
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

page_path, frag, out = sys.argv[1:4]
w, h = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (1280, 720)
b = cdp.Browser(os.environ.get("TCPSHAKE_CHROMIUM", "/usr/bin/chromium"))
try:
    p = cdp.Page(b, w, h)
    p.goto("file://" + os.path.abspath(page_path) + frag)
    data = base64.b64decode(p.call("Page.captureScreenshot", {"format": "png"})["data"])
    width, height, colours, ink = cdp.png_pixels(data)
    if (width, height) != (w, h) or len(colours) < 20 or ink < 0.03:
        sys.exit("screenshot looks blank")
    with open(out, "wb") as f:
        f.write(data)
finally:
    b.close()
