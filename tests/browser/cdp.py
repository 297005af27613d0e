#!/usr/bin/env python3
"""Loads a review page in headless Chromium (Debian's package) over the DevTools protocol
(--remote-debugging-pipe, standard library only) and reports, as JSON on stdout, what the
Rust test (tests/review_browser.rs) checks: console errors and exceptions, every request the
page made, the outlined boxes (CSS pixels, outline colour, label), the state after clicking a
frame open (zoom), the text the page shows, and a screenshot at a given path.

Usage: cdp.py PAGE.html SHOT.png [ZOOMED.png]
It never loads anything but the page; a request elsewhere is reported, never followed up.
"""
import base64, json, os, shutil, subprocess, sys, tempfile, time

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="veil-review-")
        r1, w1 = os.pipe()  # we write commands -> chromium fd 3
        r2, w2 = os.pipe()  # chromium fd 4 -> we read
        args = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--user-data-dir=" + self.profile, "--remote-debugging-pipe"]
        def fds():
            os.dup2(r1, 3)
            os.dup2(w2, 4)
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r1); os.close(w2)
        self.w, self.r = os.fdopen(w1, "wb"), os.fdopen(r2, "rb")
        self.next_id, self.buf, self.events = 0, b"", []

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.w.write(json.dumps(msg).encode() + b"\0"); self.w.flush()
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
        raise TimeoutError(method)

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.r.fileno(), 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        m = json.loads(raw)
        if "method" in m:
            self.events.append(m)
        return m

    def wait(self, pred, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(pred(e) for e in self.events):
                return True
            self.read()
        return False

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    page, shot = os.path.abspath(sys.argv[1]), sys.argv[2]
    zoomed = sys.argv[3] if len(sys.argv) > 3 else None
    url = "file://" + page
    b = Browser()
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for m in ["Page.enable", "Runtime.enable", "Log.enable", "Network.enable"]:
            b.send(m, session=s)
        b.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=s)
        t0 = time.time()
        b.send("Page.navigate", {"url": url}, session=s)
        loaded = b.wait(lambda e: e.get("method") == "Page.loadEventFired", 120)

        def ev(expr):
            r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True}, session=s)
            if "exceptionDetails" in r:
                raise RuntimeError("evaluate: " + json.dumps(r["exceptionDetails"])[:500])
            return r["result"].get("value")

        ready = ev("document.body.getAttribute('data-ready') === '1'")
        # Images on the first page decoded (they are lazy: scroll each into view first).
        images = ev("""(async () => {
            const imgs = [...document.querySelectorAll('.frame img')];
            for (const i of imgs) { i.scrollIntoView(); try { await i.decode(); } catch (e) {} }
            window.scrollTo(0, 0);
            return imgs.map(i => ({complete: i.complete, w: i.naturalWidth, h: i.naturalHeight}));
        })()""")
        load_ms = (time.time() - t0) * 1000
        # Scroll the first frame into view and take its boxes' geometry and colours.
        boxes = ev("""(() => {
            const f = document.querySelector('.frame');
            if (!f) return [];
            f.scrollIntoView();
            return [...f.querySelectorAll('.box')].map(b => { const r = b.getBoundingClientRect(); const c = getComputedStyle(b);
              return {x: r.x, y: r.y, w: r.width, h: r.height, color: c.borderTopColor, width: c.borderTopWidth, label: b.textContent, why: b.getAttribute('data-why'), below: b.classList.contains('below')}; });
        })()""")
        png = base64.b64decode(b.send("Page.captureScreenshot", {"format": "png"}, session=s)["data"])
        open(shot, "wb").write(png)
        state = ev("""(() => ({
            frames_in_dom: document.querySelectorAll('.frame').length,
            rows_in_dom: document.querySelectorAll('.timeline tr').length - 1,
            text: document.body.innerText,
            scripts: document.scripts.length,
            foreign_imgs: [...document.images].filter(i => !i.src.startsWith('data:')).length,
            title: document.title
        }))()""")
        zoom = None
        if zoomed:
            zoom = ev("""(async () => {
                const st = document.querySelector('.frame .stage'); if (!st) return null;
                st.click();
                const v = document.querySelector('.viewer'); const plus = [...v.querySelectorAll('button')].find(b => b.textContent === '+');
                plus.click(); plus.click();
                const img = v.querySelector('img'); await img.decode();
                const b = v.querySelector('.box'); const r = b.getBoundingClientRect(); const ir = img.getBoundingClientRect();
                return {img_w: ir.width, natural_w: img.naturalWidth, box: {x: r.x, y: r.y, w: r.width, h: r.height, color: getComputedStyle(b).borderTopColor, why: b.getAttribute('data-why'), below: b.classList.contains('below')}};
            })()""")
            open(zoomed, "wb").write(base64.b64decode(b.send("Page.captureScreenshot", {"format": "png"}, session=s)["data"]))
        # Let late events arrive.
        deadline = time.time() + 0.5
        while time.time() < deadline:
            b.send("Runtime.evaluate", {"expression": "1"}, session=s)
        errors, requests = [], []
        for e in b.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                errors.append({"console": p.get("type"), "args": [a.get("value", a.get("description")) for a in p.get("args", [])]})
            elif m == "Runtime.exceptionThrown":
                errors.append({"exception": p.get("exceptionDetails", {}).get("text"), "detail": str(p.get("exceptionDetails", {}).get("exception", {}).get("description"))[:300]})
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                errors.append({"log": p["entry"].get("source"), "text": p["entry"].get("text")})
            elif m == "Network.requestWillBeSent":
                u = p.get("request", {}).get("url", "")
                requests.append(u if not u.startswith("data:") else "data:")
        print(json.dumps({"loaded": loaded, "ready": ready, "load_ms": load_ms, "images": images, "boxes": boxes, "state": state,
                          "zoom": zoom, "errors": errors, "requests": requests, "page_url": url}))
    finally:
        b.close()


if __name__ == "__main__":
    main()
