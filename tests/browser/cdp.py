"""cdp.py: a headless Chromium driven through the DevTools protocol over
--remote-debugging-pipe (file descriptors 3 and 4, NUL-separated JSON), so
Python's standard library is enough: no websocket client, no network port.
Also a PNG reader (zlib, stdlib) to tell a screenshot from a blank one.

Every browser gets a fresh profile, and every way it could reach the
network is closed: host names resolve to nothing and any proxy is a dead
local port, so a request the page made would fail, and the Network domain
records it either way (tests/browser/run.py asserts there is none)."""
import base64
import json
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
import zlib

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--hide-scrollbars", "--force-color-profile=srgb", "--force-device-scale-factor=1",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
    "--remote-debugging-pipe",
]


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, binary, timeout=60.0):
        self.profile = tempfile.mkdtemp(prefix="tcpshake-chromium-")
        self.timeout = timeout
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()

        def child():  # fds 3 and 4 in the child, inheritable
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + self.profile, "about:blank"],
            preexec_fn=child, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events = []

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("timed out waiting for the browser")
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                continue
            data = os.read(self._r, 1 << 20)
            if not data:
                raise CDPError("the browser closed the pipe")
            self._buf += data
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self._id:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, session=None, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == method and (session is None or e.get("sessionId") == session):
                    return self.events.pop(i)
            self.events.append(self._read_message(deadline))

    def pump(self, seconds):
        """Collect events for a while (e.g. while the page plays)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.events.append(self._read_message(deadline))
            except CDPError as e:
                if "timed out" in str(e):
                    return
                raise


class Page:
    def __init__(self, browser, width=1280, height=720):
        self.b = browser
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.s = browser.call("Target.attachToTarget",
                              {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(domain + ".enable")
        self.resize(width, height)

    def call(self, method, params=None):
        return self.b.call(method, params, self.s)

    def resize(self, width, height):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def goto(self, url, keep_events=False):
        """Load url afresh (through about:blank, so that a new fragment of
        the same page runs its script again)."""
        if not keep_events:
            self.b.events = [e for e in self.b.events if e.get("sessionId") != self.s]
        for u in ("about:blank", url):
            self.call("Page.navigate", {"url": u})
            self.b.wait_event("Page.loadEventFired", self.s)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise CDPError("script error: %s" % json.dumps(r["exceptionDetails"])[:500])
        return r["result"].get("value")

    def key(self, key, code=None, vk=0):
        base = {"key": key, "code": code or key, "windowsVirtualKeyCode": vk}
        if key == " ":
            base["text"] = " "
        self.call("Input.dispatchKeyEvent", dict(base, type="keyDown"))
        self.call("Input.dispatchKeyEvent", dict(base, type="keyUp"))

    def screenshot(self, path):
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.b.events
                if e.get("sessionId") == self.s and e["method"] == "Network.requestWillBeSent"]

    def console_errors(self):
        out = []
        for e in self.b.events:
            if e.get("sessionId") != self.s:
                continue
            if e["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(e["params"])[:300])
            elif e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                out.append(e["params"]["entry"].get("text", "")[:300])
        return out


def png_pixels(data):
    """(width, height, set of distinct colours, share of non-white pixels)
    of an 8-bit RGB or RGBA PNG, as Chromium writes screenshots."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError("PNG colour type %d depth %d not handled" % (ctype, depth))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours, nonwhite, i = set(), 0, 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp * 3):  # every third pixel is plenty
            px = bytes(line[x:x + 3])
            colours.add(px)
            if px != b"\xff\xff\xff":
                nonwhite += 1
        prev = line
    sampled = h * ((w + 2) // 3)
    return w, h, colours, nonwhite / float(sampled)
