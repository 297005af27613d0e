#!/usr/bin/env python3
"""Builds testdata/sample/ (a capture/1 archive with planted PII) and
testdata/sample.expected.json (what the engine must do with it).

Reproducible: `pip install pillow==11.3.0 && python3 testdata/make_sample.py`.
Every personal value here is synthetic. Frames are drawn with DejaVu Sans when installed
(Debian fonts-dejavu-core), else Pillow's built-in font; node bounds are measured from the
drawn text, so boxes match pixels.
"""
import json
import os
import shutil

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sample")
W, H = 1280, 720

try:
    FONT = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 16)
except OSError:
    FONT = ImageFont.load_default(size=16)

events = []
planted = []   # values that must not survive anywhere in the output
kept = []      # non-PII strings that must survive in events.jsonl
painted = []   # (image, box) that must be fully painted
untouched = [] # (image, box) whose pixels must be unchanged
seq = 0
ts = 1716200000000


def ev(kind, **fields):
    global seq, ts
    seq += 1
    ts += 250
    e = {"seq": seq, "ts": ts, "kind": kind}
    e.update(fields)
    events.append(e)
    return e


def plant(value, entity, where):
    planted.append({"value": value, "entity": entity, "where": where})


def type_text(s, target, mods=None):
    for ch in s:
        e = {"key": ch, "text": ch, "target": target}
        if mods:
            e["mods"] = mods
        ev("key", **e)


def draw_frame(name, nodes, windows=None, extra_draw=None):
    img = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(img)
    if windows:
        for w in reversed(windows):
            x, y, ww, hh = w["bounds"]
            d.rectangle([x, y, x + ww - 1, y + hh - 1], fill=(238, 240, 245), outline=(120, 120, 140))
    for n in nodes:
        if "lines" in n:
            for l in n["lines"]:
                d.text((l["bounds"][0], l["bounds"][1]), l["text"], fill=(20, 20, 20), font=FONT)
        else:
            text = "\u2022" * 10 if n.get("secure") else n["text"]
            d.text((n["bounds"][0], n["bounds"][1]), text, fill=(20, 20, 20), font=FONT)
    if extra_draw:
        extra_draw(img, d)
    img.save(os.path.join(OUT, "frames", name), optimize=True)


def node(i, text, x, y, **kw):
    l, t, r, b = FONT.getbbox(text if not kw.get("secure") else "\u2022" * 10)
    n = {"id": f"n{i}", "role": kw.pop("role", "text"), "text": text, "bounds": [x, y, r + 2, b + 2], "secure": kw.pop("secure", False)}
    n.update(kw)
    return n


def lines_node(i, texts, x, y):
    lines, yy, width = [], y, 0
    for t in texts:
        _, _, r, b = FONT.getbbox(t)
        lines.append({"text": t, "bounds": [x, yy, r + 2, b + 2]})
        width = max(width, r + 2)
        yy += 22
    return {"id": f"n{i}", "role": "text", "text": "\n".join(texts), "bounds": [x, y, width, yy - y], "secure": False, "lines": lines}


AST = Image.open(os.path.join(HERE, "faces", "astronaut.png")).convert("RGB")
HEAD = AST.crop((110, 0, 350, 240))        # head and shoulders; the face is at about
FACE_IN_HEAD = (71 / 240, 52 / 240, 89 / 240, 122 / 240)  # (x, y, w, h) as shares of the crop


def face_core(x, y, size):
    """The central 40% of the face in a head crop pasted at (x, y) with side `size`."""
    fx, fy, fw, fh = [v * size for v in FACE_IN_HEAD]
    return [int(x + fx + 0.3 * fw), int(y + fy + 0.3 * fh), max(1, int(0.4 * fw)), max(1, int(0.4 * fh))]


def ink_box(x, y, text):
    l, t, r, b = FONT.getbbox(text)
    return [x + l, y + t, r - l, b - t]


shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(os.path.join(OUT, "frames"))
with open(os.path.join(OUT, "meta.json"), "w") as f:
    json.dump({"format": "capture/1", "client": "sample-recorder 0.1", "screen": [W, H]}, f)

# 1. Mail in a browser: window title with an email, a frame with PII nodes.
title_email = "john.smith@acme-corp.com"
plant(title_email, "EMAIL_ADDRESS", "window title")
ev("window", app="chrome", title=f"Re: contract - {title_email} - Mail", bounds=[0, 0, W, H], url="https://mail.example.com/inbox")
kept.append("Meeting notes for Q3")
plant("jane.doe@example.com", "EMAIL_ADDRESS", "node text + frame pixels")
plant("+1 415-555-2671", "PHONE_NUMBER", "node text + frame pixels")
plant("4111 1111 1111 1111", "CREDIT_CARD", "node line + frame pixels")
plant("Sup3rS3cret!", "PASSWORD", "secure node")
nodes = [
    node(1, "Jane Doe <jane.doe@example.com>", 40, 60),
    node(2, "Meeting notes for Q3", 40, 100),
    node(3, "Call me at +1 415-555-2671", 40, 140),
    node(4, "Sup3rS3cret!", 40, 180, role="password", secure=True),
    lines_node(5, ["Card on file:", "4111 1111 1111 1111", "Thanks for your order"], 40, 230),
    {"id": "n6", "role": "image", "text": "", "bounds": [360, 50, 48, 48], "secure": False},
]
# Text drawn inside a picture (no UI node): only the pixels know it.
pic_text = "Invoice total 4,200 EUR"


def frame2_extra(img, d):
    img.paste(HEAD.resize((48, 48)), (360, 50))
    d.text((700, 400), pic_text, fill=(20, 20, 20), font=FONT)


draw_frame("000002.png", nodes, extra_draw=frame2_extra)
ev("screenshot", image="frames/000002.png", app="chrome", windows=[{"app": "chrome", "title": f"Re: contract - {title_email} - Mail", "bounds": [0, 0, W, H]}], nodes=nodes)
painted += [("frames/000002.png", nodes[0]["bounds"]), ("frames/000002.png", nodes[2]["bounds"]), ("frames/000002.png", nodes[3]["bounds"]),
            ("frames/000002.png", nodes[4]["lines"][1]["bounds"]), ("frames/000002.png", face_core(360, 50, 48)),
            ("frames/000002.png", ink_box(700, 400, pic_text))]
untouched += [("frames/000002.png", nodes[1]["bounds"]), ("frames/000002.png", nodes[4]["lines"][0]["bounds"]), ("frames/000002.png", nodes[4]["lines"][2]["bounds"])]

# 2. Typing an email key by key, with a typo fixed by Backspace; then a shortcut.
to = {"app": "chrome", "element": "compose-to", "role": "textbox", "secure": False}
plant("mary.major@example.net", "EMAIL_ADDRESS", "keystrokes")
type_text("mary.major@exampel", to)
for _ in range(3):
    ev("key", key="Backspace", target=to)
type_text("le.net", to)
ev("key", key="Tab", target=to)
ev("key", key="c", text="c", mods=["ctrl"], target=to)
kept.append('"mods":["ctrl"]')

# 3. Clipboard with an IBAN; a text event with an unknown field.
plant("GB82 WEST 1234 5698 7654 32", "IBAN_CODE", "clipboard")
ev("text", source="clipboard", text="IBAN: GB82 WEST 1234 5698 7654 32", app="chrome")
plant("debug-7f3a9c-internal", "OTHER", "unknown field")
e = ev("text", source="accessibility", text="Inbox (3)", app="chrome", element="n9", role="heading")
e["debug_payload"] = "debug-7f3a9c-internal"
kept.append("Inbox (3)")

# 4. A password typed into a secure field.
pw = {"app": "chrome", "element": "login-pass", "role": "password", "secure": True}
plant("hunter2pass", "PASSWORD", "secure keystrokes")
type_text("hunter2pass", pw)
ev("key", key="Enter", target=pw)

# 5. A password manager: out of scope, everything inside it dropped.
ev("window", app="1Password", title="1Password - Vault", bounds=[100, 100, 800, 500])
plant("vault-master-horse-staple", "PASSWORD", "out-of-scope app")
type_text("vault-master-horse-staple", {"app": "1Password", "element": "search"})
ev("text", source="accessibility", text="Login: vault-master-horse-staple", app="1Password")
ev("mouse", action="click", x=300, y=200, button="left")

# 6. Incognito window: out of scope by title.
ev("window", app="chrome", title="New Incognito Tab - Google Chrome", bounds=[0, 0, W, H])
plant("secret-search-about-diagnosis", "OTHER", "incognito window")
ev("text", source="accessibility", text="secret-search-about-diagnosis", app="chrome")

# 7. A terminal: secrets in text.
ev("window", app="terminal", title="bash - ~/deploy", bounds=[0, 0, W, H])
plant("AKIAIOSFODNN7EXAMPLE", "SECRET", "terminal")
plant("s3cr3tP4ss", "PASSWORD", "terminal connection string")
ev("text", source="terminal", text="$ export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n$ psql postgres://admin:s3cr3tP4ss@db.internal:5432/app", app="terminal")
kept.append("db.internal:5432/app")
jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
plant(jwt, "SECRET", "editor")
plant("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "SECRET", "editor")
ev("text", source="editor", text=f'const token = "{jwt}";\n// GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', app="code")

# 8. The person pauses capture; nothing in between may leave.
ev("control", action="pause")
plant("paused-private-note-42", "OTHER", "paused")
ev("text", source="editor", text="paused-private-note-42", app="code")
ev("control", action="resume")

# 9. HR form: date of birth and SSN; then "forget the last 2 seconds".
plant("04/12/1985", "DATE_OF_BIRTH", "form")
plant("536-22-1234", "US_SSN", "form")
ev("text", source="accessibility", text="DOB: 04/12/1985  SSN: 536-22-1234", app="chrome")
ev("mouse", action="move", x=10, y=10)
plant("forget-me@example.org", "EMAIL_ADDRESS", "forgotten")
ev("text", source="accessibility", text="forget-me@example.org", app="chrome")
ev("control", action="forget", span_ms=600)

# 10. A frame with two windows, one of an out-of-scope app; a frame without nodes;
# a frame whose image is missing.
wins = [{"app": "1Password", "title": "1Password", "bounds": [700, 80, 500, 400]},
        {"app": "chrome", "title": "Docs", "bounds": [0, 0, 1280, 720]}]
n2 = [node(10, "Quarterly report draft", 40, 60), node(11, "vault item: bank pin 9931", 760, 140)]
plant("vault item: bank pin 9931", "OTHER", "out-of-scope window node")
draw_frame("000040.png", n2, windows=wins)
ev("screenshot", image="frames/000040.png", app="chrome", windows=wins, nodes=n2)
kept.append("Quarterly report draft")
painted.append(("frames/000040.png", wins[0]["bounds"]))
untouched.append(("frames/000040.png", n2[0]["bounds"]))
# A remote-desktop frame: no UI tree at all. Its text regions and the face are painted.
rd_lines = [(60, 80, "Patient: Maria Gonzalez"), (60, 110, "Ward 7, bed 3, admitted today")]


def frame41_extra(img, d):
    for x, y, t in rd_lines:
        d.text((x, y), t, fill=(20, 20, 20), font=FONT)
    img.paste(HEAD.resize((300, 300)), (800, 200))


draw_frame("000041.png", [], extra_draw=frame41_extra)
ev("screenshot", image="frames/000041.png", app="remote-desktop")
painted += [("frames/000041.png", ink_box(x, y, t)) for x, y, t in rd_lines] + [("frames/000041.png", face_core(800, 200, 300))]
untouched.append(("frames/000041.png", [300, 500, 300, 150]))
ev("screenshot", image="frames/missing.png", app="chrome", nodes=[node(12, "x", 0, 0)])

# 11. A full-HD frame: UI nodes (some with PII) beside text the UI tree does not cover (a
# remote-desktop pane), at 11-16 px; a photo. Checks span localisation, text-region recall by
# size, and that checked UI text stays readable.
def font(px):
    try:
        return ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", px)
    except OSError:
        return ImageFont.load_default(size=px)


hd = Image.new("RGB", (1920, 1080), (255, 255, 255))
dd = ImageDraw.Draw(hd)
hd_nodes, hd_sizes = [], []
ui_lines = [("Project status: on track", False), ("Reviewer: pat.lee@example.org", True), ("Next milestone in 3 weeks", False),
            ("Escalations: call +44 20 7946 0018", True), ("Budget approved by finance", False)]
for i, (t, _) in enumerate(ui_lines):
    f14 = font(14)
    x, y = 60, 120 + i * 30
    dd.text((x, y), t, fill=(25, 25, 25), font=f14)
    l, tt, r, b = f14.getbbox(t)
    hd_nodes.append({"id": f"h{i}", "role": "text", "text": t, "bounds": [x, y, r + 2, b + 2], "secure": False,
                     "lines": [{"text": t, "bounds": [x, y, r + 2, b + 2]}]})
    if not ui_lines[i][1]:
        untouched.append(("frames/000091.png", [x + l, y + tt, r - l, b - tt]))
def substring_ink(x, y, line, value, px=14):
    """Ink box of `value` inside `line` drawn at (x, y): measured with the font's advances."""
    f = font(px)
    start = line.index(value)
    x0 = x + f.getlength(line[:start])
    _, t, _, b = f.getbbox(line)
    return [int(x0) + 1, y + t, int(f.getlength(value)) - 2, b - t]


painted.append(("frames/000091.png", substring_ink(60, 150, ui_lines[1][0], "pat.lee@example.org")))
painted.append(("frames/000091.png", substring_ink(60, 210, ui_lines[3][0], "+44 20 7946 0018")))
# The remote pane: a grey panel with text nobody vouches for.
dd.rectangle([1000, 100, 1860, 700], fill=(236, 238, 242))
for j, px in enumerate([11, 12, 13, 14, 16, 16, 14, 13, 12, 11]):
    t = f"Customer record {j}: Alex Morgan, 221B Baker Street, London"
    x, y = 1030, 130 + j * 50
    dd.text((x, y), t, fill=(30, 30, 30), font=font(px))
    l, tt, r, b = font(px).getbbox(t)
    hd_sizes.append({"px": px, "box": [x + l, y + tt, r - l, b - tt]})
    painted.append(("frames/000091.png", [x + l, y + tt, r - l, b - tt]))
hd.paste(HEAD.resize((160, 160)), (300, 700))
painted.append(("frames/000091.png", face_core(300, 700, 160)))
hd.save(os.path.join(OUT, "frames", "000091.png"), optimize=True)
ev("screenshot", image="frames/000091.png", app="chrome", windows=[{"app": "chrome", "title": "Status", "bounds": [0, 0, 1920, 1080]}], nodes=hd_nodes)
plant("pat.lee@example.org", "EMAIL_ADDRESS", "full-HD node")
with open(os.path.join(HERE, "text_sizes.json"), "w") as f:
    json.dump({"image": "frames/000091.png", "lines": hd_sizes}, f, indent=1)

# 13. Names, places and organisations (the NER model): a chat window and a chat message.
plant("Priya Raman", "PERSON", "window title (NER)")
ev("window", app="slack", title="Priya Raman (DM) - Slack", bounds=[0, 0, W, H])
for v, e in [("Olusegun Adeyemi", "PERSON"), ("Brightwater Logistics", "ORGANIZATION"), ("14 Elm Grove, Leeds", "LOCATION")]:
    plant(v, e, "chat text (NER)")
ev("text", source="accessibility", text="Lunch with Olusegun Adeyemi from Brightwater Logistics at 14 Elm Grove, Leeds on Friday?", app="slack")
ev("text", source="accessibility", text="Pull requests", app="slack")
kept += ["(DM) - Slack", "Pull requests", "on Friday?"]

# 12. Malformed lines: not JSON, unknown kind.
lines = [json.dumps(e, separators=(",", ":")) for e in events]
seq += 1
lines.insert(5, '{"seq": 999999, "ts": 1, "kind": "text", "source": "other", "text": "unterminated')
lines.insert(9, json.dumps({"seq": 1000000, "ts": 1, "kind": "telemetry", "cpu": 3}))
with open(os.path.join(OUT, "events.jsonl"), "w") as f:
    f.write("\n".join(lines) + "\n")

expected = {
    "planted": planted,
    "kept": kept,
    "painted": [{"image": i, "box": b} for i, b in painted],
    "untouched": [{"image": i, "box": b} for i, b in untouched],
    "drops": {"bad_json": 1, "unknown_kind": 1, "out_of_scope": 5 + len("vault-master-horse-staple"), "paused": 1,
              "forgotten": 2, "secure_input": len("hunter2pass") + 1, "missing_image": 1},
    "min_findings": {"EMAIL_ADDRESS": 3, "PHONE_NUMBER": 1, "CREDIT_CARD": 1, "IBAN_CODE": 1, "SECRET": 3, "PASSWORD": 1,
                     "DATE_OF_BIRTH": 1, "US_SSN": 1, "PERSON": 2, "LOCATION": 1},
    "unknown_fields": 1,
}
with open(os.path.join(HERE, "sample.expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
print(f"{len(lines)} lines, {len(planted)} planted values")
