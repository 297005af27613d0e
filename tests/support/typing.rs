//! Typing scripts and their oracle, shared by `tests/keystrokes.rs` (thousands of seeded
//! cases per `make test`) and the `keystrokes` cargo-fuzz target (driven by fuzz bytes).
//!
//! A generator writes typing scripts: a value of some entity type typed into a field with
//! ordinary editing, or arriving otherwise (box by box, by IME, autocomplete, paste, split over
//! fields, element ids or apps, into a field secure at some point). The oracle replays the
//! OUTPUT keys with an editor of its own that knows where each click really put the cursor,
//! appends every typed character in order (per field and across fields), and reads the output
//! text events: none may rebuild the planted value, nor a piece of it of 4+ characters. Every
//! script also runs through a `Session` in random chunks: its output must equal the archive
//! run's.
#![allow(dead_code)]

use std::collections::HashMap;

use serde_json::{json, Value};
use veil::capture::parse_line;
use veil::pipeline::Record;
use veil::{Engine, Policy};

/// A tiny deterministic RNG (the case's seed is all a failure needs to be replayed); with
/// fuzz bytes, each draw takes the next 8 bytes first.
pub struct Rng(pub u64, pub Vec<u8>);
impl Rng {
    pub fn seeded(seed: u64) -> Rng {
        Rng(seed | 1, Vec::new())
    }
    pub fn from_bytes(data: &[u8]) -> Rng {
        Rng(0x9E37_79B9_7F4A_7C15, data.to_vec())
    }
    pub fn next(&mut self) -> u64 {
        if !self.1.is_empty() {
            let n = self.1.len().min(8);
            let mut b = [0u8; 8];
            b[..n].copy_from_slice(&self.1[..n]);
            self.1.drain(..n);
            self.0 ^= u64::from_le_bytes(b);
        }
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    pub fn chars(&mut self, set: &str, n: usize) -> String {
        let cs: Vec<char> = set.chars().collect();
        (0..n).map(|_| *self.pick(&cs)).collect()
    }
}

pub fn luhn_complete(prefix: &str) -> String {
    let digits: Vec<u32> = prefix.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = digits.iter().rev().enumerate().map(|(i, &d)| if i % 2 == 0 { let x = d * 2; if x > 9 { x - 9 } else { x } } else { d }).sum();
    format!("{prefix}{}", (10 - sum % 10) % 10)
}

pub fn iban_de(rng: &mut Rng) -> String {
    let bban = rng.chars("0123456789", 18);
    let num = format!("{bban}131400"); // D=13 E=14, then 00
    let rem = num.chars().fold(0u64, |r, c| (r * 10 + c.to_digit(10).unwrap() as u64) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

/// (label typed before the value, the value, entity name).
pub fn value(rng: &mut Rng) -> (String, String, &'static str) {
    let lower = "abcdefghijklmnopqrstuvwxyz";
    match rng.below(9) {
        0 => {
            let v = format!("{}.{}@{}.{}", rng.chars(lower, 4), rng.chars(lower, 5), rng.chars(lower, 6), rng.pick(&["com", "net", "org", "io"]));
            ("mail ".into(), v, "EMAIL_ADDRESS")
        }
        1 => {
            let d = luhn_complete(&format!("4{}", rng.chars("0123456789", 14)));
            let v = if rng.below(2) == 0 { d.clone() } else { format!("{} {} {} {}", &d[..4], &d[4..8], &d[8..12], &d[12..]) };
            ("card ".into(), v, "CREDIT_CARD")
        }
        2 => {
            let v = format!("{}{}-{}{}-{}", rng.pick(&["2", "3", "4", "5"]), rng.chars("0123456789", 2), rng.pick(&["1", "2", "3"]), rng.chars("0123456789", 1), rng.chars("123456789", 4));
            ("ssn ".into(), v, "US_SSN")
        }
        3 => (String::new(), iban_de(rng), "IBAN_CODE"),
        4 => {
            let v = format!("({}{}) {}{}-{}", rng.pick(&["2", "4", "6", "8"]), rng.chars("0123456789", 2), rng.pick(&["2", "5", "7"]), rng.chars("0123456789", 2), rng.chars("0123456789", 4));
            ("call ".into(), v, "PHONE_NUMBER")
        }
        5 => (String::new(), format!("AKIA{}", rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)), "SECRET"),
        6 => ("password: ".into(), rng.chars("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789#%", 12), "PASSWORD"),
        7 => (String::from("host "), format!("10.{}.{}.{}", 1 + rng.below(250), 1 + rng.below(250), 1 + rng.below(250)), "IP_ADDRESS"),
        _ => {
            let v = format!("{}{}@{}.{}", rng.chars(lower, 3), rng.chars("0123456789", 3), rng.chars(lower, 7), rng.pick(&["com", "de"]));
            ("to ".into(), v, "EMAIL_ADDRESS")
        }
    }
}

/// What a script did to a field, for the oracle's own editor: where each click put the
/// cursor (by the click's seq), and whether Enter/Tab insert (a multi-line field) or leave.
#[derive(Default)]
pub struct Truth {
    clicks: HashMap<u64, usize>,
    multiline: HashMap<String, bool>,
}

pub struct Script {
    pub events: Vec<Value>,
    /// The planted value (what must not be rebuilt), and text typed that is not it.
    pub value: String,
    pub context: String,
    pub truth: Truth,
    pub kind: &'static str,
}

pub struct Writer {
    pub events: Vec<Value>,
    pub seq: u64,
    pub ts: u64,
    pub truth: Truth,
}

impl Writer {
    pub fn push(&mut self, mut v: Value) -> u64 {
        self.seq += 1;
        self.ts += 120;
        v["seq"] = self.seq.into();
        v["ts"] = self.ts.into();
        self.events.push(v);
        self.seq
    }
    pub fn target(app: &str, el: &str, secure: bool, role: &str) -> Value {
        json!({"app": app, "element": el, "role": role, "secure": secure})
    }
    pub fn key(&mut self, t: &Value, key: &str, text: Option<&str>, mods: &[&str]) {
        let mut v = json!({"kind": "key", "key": key, "target": t});
        if let Some(x) = text {
            v["text"] = x.into();
        }
        if !mods.is_empty() {
            v["mods"] = json!(mods);
        }
        self.push(v);
    }
    pub fn typing(&mut self, t: &Value, s: &str) {
        for c in s.chars() {
            let k = c.to_string();
            self.key(t, &k, Some(&k), &[]);
        }
    }
    fn times(&mut self, t: &Value, key: &str, n: usize, mods: &[&str]) {
        for _ in 0..n {
            self.key(t, key, None, mods);
        }
    }
    fn text(&mut self, source: &str, text: &str, app: &str, el: Option<&str>) {
        let mut v = json!({"kind": "text", "source": source, "text": text, "app": app});
        if let Some(e) = el {
            v["element"] = e.into();
        }
        self.push(v);
    }
    fn click(&mut self, pos: usize) {
        let s = self.push(json!({"kind": "mouse", "action": "click", "x": 10, "y": 10, "button": "left"}));
        self.truth.clicks.insert(s, pos);
    }
}

pub const KINDS: [&str; 18] = [
    "plain", "backspace", "arrows", "delete", "selection", "select_all", "click", "undo", "altgr", "shortcut_text", "boxes", "ime",
    "autocomplete", "paste", "interleaved", "element_change", "two_apps", "secure_flip",
];

/// One script, from a seed.
pub fn script(seed: u64) -> Script {
    let mut rng = Rng::seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (label, value, _) = value(&mut rng);
    let kind = *rng.pick(&KINDS);
    script_for(&mut rng, label, value, kind)
}

/// A script typing `label` + `value` with the editing of `kind`.
pub fn script_for(rng: &mut Rng, label: String, value: String, kind: &'static str) -> Script {
    let mut rng = Rng::seeded(rng.next());
    let mut w = Writer { events: Vec::new(), seq: 0, ts: 1_700_000_000_000, truth: Truth::default() };
    w.push(json!({"kind": "window", "app": "mail", "title": "Compose", "bounds": [0, 0, 800, 600]}));
    let multiline = rng.below(3) == 0;
    let el = if multiline { "body" } else { "field" };
    w.truth.multiline.insert(el.into(), multiline);
    let t = Writer::target("mail", el, false, if multiline { "textarea" } else { "textbox" });
    let full = format!("{label}{value}");
    let n = full.chars().count();
    let vchars: Vec<char> = value.chars().collect();
    let start = label.chars().count();
    // An index inside the value, away from its first character.
    let inner = |rng: &mut Rng| start + 1 + rng.below(vchars.len().saturating_sub(2).max(1));
    let ending = |w: &mut Writer, rng: &mut Rng, t: &Value| match rng.below(3) {
        0 => w.key(t, "Enter", None, &[]),
        1 => w.key(t, "Tab", None, &[]),
        _ => {}
    };
    let fc: Vec<char> = full.chars().collect();
    let s = |a: usize, b: usize| -> String { fc[a..b].iter().collect() };
    match kind {
        "plain" => {
            w.typing(&t, &full);
            ending(&mut w, &mut rng, &t);
        }
        "backspace" => {
            let i = inner(&mut rng);
            w.typing(&t, &s(0, i));
            w.typing(&t, "z");
            w.key(&t, "Backspace", None, &[]);
            w.typing(&t, &s(i, n));
            ending(&mut w, &mut rng, &t);
        }
        "arrows" => {
            // A character forgotten, then put back with the arrows; Enter or Tab may then be
            // pressed with the cursor still inside the value.
            let i = inner(&mut rng);
            w.typing(&t, &(s(0, i) + &s(i + 1, n)));
            w.times(&t, "ArrowLeft", n - 1 - i, &[]);
            w.typing(&t, &s(i, i + 1));
            if rng.below(2) == 0 {
                w.key(&t, "End", None, &[]);
            }
            ending(&mut w, &mut rng, &t);
        }
        "delete" => {
            let i = inner(&mut rng);
            w.typing(&t, &(s(0, i) + "q" + &s(i, n)));
            w.times(&t, "ArrowLeft", n - i + 1, &[]);
            w.key(&t, "Delete", None, &[]);
            w.key(&t, "End", None, &[]);
            ending(&mut w, &mut rng, &t);
        }
        "selection" => {
            let i = inner(&mut rng).min(n - 2);
            w.typing(&t, &(s(0, i) + "XY"));
            w.times(&t, "ArrowLeft", 2, &["shift"]);
            w.typing(&t, &s(i, n));
            ending(&mut w, &mut rng, &t);
        }
        "select_all" => {
            w.typing(&t, "draft text");
            w.key(&t, "a", Some("a"), &["ctrl"]);
            w.typing(&t, &full);
            ending(&mut w, &mut rng, &t);
        }
        "click" => {
            let i = inner(&mut rng);
            w.typing(&t, &(s(0, i) + &s(i + 1, n)));
            w.click(i);
            w.typing(&t, &s(i, i + 1));
            w.click(n);
            ending(&mut w, &mut rng, &t);
        }
        "undo" => {
            w.typing(&t, &full);
            w.typing(&t, " oops");
            w.key(&t, "z", Some("z"), &["ctrl"]);
            ending(&mut w, &mut rng, &t);
        }
        "altgr" | "shortcut_text" => {
            for c in fc.iter().map(|c| c.to_string()) {
                let special = !c.chars().all(char::is_alphanumeric) && c != " ";
                match (kind, special) {
                    ("altgr", true) => w.key(&t, "q", Some(&c), &["ctrl", "alt"]),
                    ("shortcut_text", true) => w.key(&t, "k", Some(&c), &["ctrl"]),
                    _ => w.key(&t, &c, Some(&c), &[]),
                }
            }
            ending(&mut w, &mut rng, &t);
        }
        "boxes" => {
            // A card in 4 boxes, an SSN in 3, or a one-time code in 6 (the value replaced).
            let (parts, v): (Vec<String>, String) = match rng.below(3) {
                0 => {
                    let d = luhn_complete(&format!("5{}{}", 1 + rng.below(5), rng.chars("0123456789", 13)));
                    ((0..4).map(|k| d[k * 4..k * 4 + 4].to_string()).collect(), d)
                }
                1 => {
                    let (a, g, sr) = (format!("{}{}", 1 + rng.below(6), rng.chars("0123456789", 2)), format!("{}{}", 1 + rng.below(9), rng.below(10)), rng.chars("123456789", 4));
                    (vec![a.clone(), g.clone(), sr.clone()], format!("{a}{g}{sr}"))
                }
                _ => {
                    let c = rng.chars("0123456789", 6);
                    (c.chars().map(|x| x.to_string()).collect(), c)
                }
            };
            for (k, p) in parts.iter().enumerate() {
                let bt = Writer::target("bank", &format!("box{k}"), false, "textbox");
                w.typing(&bt, p);
                if rng.below(2) == 0 {
                    w.key(&bt, "Tab", None, &[]);
                }
            }
            return Script { events: w.events, value: v, context: String::new(), truth: w.truth, kind };
        }
        "ime" => {
            let vc: Vec<char> = value.chars().collect();
            w.typing(&t, &label);
            for k in (3..vc.len()).step_by(3) {
                w.text("ime", &vc[..k].iter().collect::<String>(), "mail", Some(el));
            }
            w.text("ime", &value, "mail", Some(el));
            return Script { events: w.events, value, context: label, truth: w.truth, kind };
        }
        "autocomplete" => {
            let k = start + 4 + rng.below(vchars.len().saturating_sub(5).max(1));
            w.typing(&t, &s(0, k.min(n)));
            w.text("accessibility", &full, "mail", Some(el));
        }
        "paste" => {
            let k = start + 4 + rng.below(vchars.len().saturating_sub(5).max(1));
            w.text("clipboard", &s(start, k.min(n)), "mail", None);
            w.typing(&t, &label);
            w.key(&t, "v", None, &["ctrl"]);
            w.typing(&t, &s(k.min(n), n));
            ending(&mut w, &mut rng, &t);
        }
        "interleaved" => {
            let k = inner(&mut rng);
            let other = Writer::target("mail", "subject", false, "textbox");
            w.typing(&t, &s(0, k));
            w.typing(&other, "Weekly status");
            w.typing(&t, &s(k, n));
        }
        "element_change" | "two_apps" => {
            let k = inner(&mut rng);
            let second = if kind == "two_apps" { Writer::target("notes", "page", false, "textarea") } else { Writer::target("mail", "field-2", false, "textbox") };
            w.typing(&t, &s(0, k));
            w.typing(&second, &s(k, n));
        }
        "secure_flip" => {
            // A password field reported secure only at times, or only by its role.
            let pw = rng.chars("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789", 10);
            let by_role = rng.below(2) == 0;
            let ft = Writer::target("mail", "pw", false, if by_role { "password" } else { "textbox" });
            if !by_role {
                w.key(&Writer::target("mail", "pw", true, "textbox"), "Shift", None, &[]);
            }
            w.typing(&ft, &pw);
            return Script { events: w.events, value: pw, context: String::new(), truth: w.truth, kind };
        }
        _ => unreachable!(),
    }
    Script { events: w.events, value, context: label, truth: w.truth, kind }
}

/// The oracle's own editor: what a person at a real field would see from a key stream.
#[derive(Default)]
pub struct Field {
    buf: Vec<char>,
    cur: usize,
    anchor: Option<usize>,
    undo: Vec<(Vec<char>, usize)>,
}

impl Field {
    fn sel(&self) -> Option<(usize, usize)> {
        self.anchor.filter(|&a| a != self.cur).map(|a| (a.min(self.cur), a.max(self.cur)))
    }
    fn insert(&mut self, s: &str) {
        if let Some((a, b)) = self.sel() {
            self.buf.drain(a..b);
            self.cur = a;
        }
        self.anchor = None;
        self.undo.push((self.buf.clone(), self.cur));
        for c in s.chars() {
            self.buf.insert(self.cur, c);
            self.cur += 1;
        }
    }
    fn key(&mut self, v: &Value, multiline: bool, clipboard: &str) {
        let key = v["key"].as_str().unwrap_or("");
        let text = v["text"].as_str();
        let mods: Vec<&str> = v["mods"].as_array().map(|m| m.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
        let ctrl = mods.contains(&"ctrl") || mods.contains(&"meta");
        let alt = mods.contains(&"alt");
        let shift = mods.contains(&"shift");
        if ctrl && !alt {
            match key.to_ascii_lowercase().as_str() {
                "a" => {
                    self.anchor = Some(0);
                    self.cur = self.buf.len();
                }
                "v" => self.insert(clipboard),
                "z" => {
                    if let Some((b, c)) = self.undo.pop() {
                        self.buf = b;
                        self.cur = c;
                    }
                }
                // A shortcut that carries other text: a layout's composed character.
                _ if text.is_some_and(|t| !t.eq_ignore_ascii_case(key)) => self.insert(text.unwrap()),
                _ => {}
            }
            return;
        }
        match key {
            "Backspace" => match self.sel() {
                Some((a, b)) => {
                    self.buf.drain(a..b);
                    self.cur = a;
                    self.anchor = None;
                }
                None if self.cur > 0 => {
                    self.cur -= 1;
                    self.buf.remove(self.cur);
                }
                None => {}
            },
            "Delete" => {
                if self.cur < self.buf.len() {
                    self.buf.remove(self.cur);
                }
            }
            "ArrowLeft" | "ArrowRight" | "Home" | "End" => {
                if shift {
                    self.anchor.get_or_insert(self.cur);
                } else {
                    self.anchor = None;
                }
                self.cur = match key {
                    "ArrowLeft" => self.cur.saturating_sub(1),
                    "ArrowRight" => (self.cur + 1).min(self.buf.len()),
                    "Home" => 0,
                    _ => self.buf.len(),
                };
            }
            "Enter" | "Tab" if multiline => self.insert(if key == "Enter" { "\n" } else { "\t" }),
            "Enter" | "Tab" | "Shift" | "Escape" => {}
            _ => {
                let t = text.map(str::to_string).unwrap_or_else(|| if key.chars().count() == 1 { key.to_string() } else { String::new() });
                self.insert(&t);
            }
        }
    }
}

/// Everything a replay of the output could show: each field as the oracle's editor rebuilds
/// it (clicks where they really were), every key's characters appended in order (per field
/// and across fields), and every text event.
pub fn replays(out: &[Value], truth: &Truth) -> Vec<String> {
    let mut fields: HashMap<String, Field> = HashMap::new();
    let mut appended: HashMap<String, String> = HashMap::new();
    let mut all = String::new();
    let mut last: Option<String> = None;
    let mut clipboard = String::new();
    let mut texts = Vec::new();
    for v in out {
        match v["kind"].as_str().unwrap() {
            "key" => {
                let id = format!("{}/{}", v["target"]["app"], v["target"]["element"]);
                // Ids leave hashed; the field kind is all the oracle needs from them.
                let multiline = truth.multiline.values().any(|&m| m) && v["target"]["role"] == "textarea";
                fields.entry(id.clone()).or_default().key(v, multiline, &clipboard);
                let typed = v["text"].as_str().map(str::to_string).unwrap_or_else(|| v["key"].as_str().filter(|k| k.chars().count() == 1).unwrap_or("").to_string());
                appended.entry(id.clone()).or_default().push_str(&typed);
                all.push_str(&typed);
                last = Some(id);
            }
            "mouse" => {
                if let (Some(id), Some(&pos)) = (&last, truth.clicks.get(&v["seq"].as_u64().unwrap())) {
                    let f = fields.entry(id.clone()).or_default();
                    f.cur = pos.min(f.buf.len());
                    f.anchor = None;
                }
            }
            "text" => {
                let t = v["text"].as_str().unwrap().to_string();
                if v["source"] == "clipboard" {
                    clipboard = t.clone();
                }
                texts.push(t);
            }
            _ => {}
        }
    }
    let mut r: Vec<String> = fields.into_values().map(|f| f.buf.into_iter().collect()).collect();
    r.extend(appended.into_values());
    r.push(all);
    r.extend(texts);
    r
}

/// Pieces of 4+ characters of the value (those that do not occur in the script's other text).
pub fn pieces(value: &str, context: &str) -> Vec<String> {
    let cs: Vec<char> = value.chars().collect();
    cs.windows(4).map(|w| w.iter().collect::<String>()).filter(|p| !context.contains(p.as_str()) && p.chars().any(|c| c.is_alphanumeric())).collect()
}

/// Engine output as event values.
pub fn archive_run(engine: &Engine, events: &[Value]) -> Vec<Value> {
    let records: Vec<Record> = events.iter().enumerate().map(|(i, v)| Record::Event { line: i + 1, parsed: parse_line(v.to_string().as_bytes()).unwrap() }).collect();
    let frames = NoFrames;
    let (out, _) = engine.redact_batch(records, &frames, &|_| {}).unwrap();
    out.iter().map(|e| serde_json::to_value(e).unwrap()).collect()
}

/// The same events through a session, in chunks cut at random.
pub fn session_run(engine: &Engine, events: &[Value], rng: &mut Rng) -> Vec<Value> {
    let frames = NoFrames;
    let mut s = veil::Session::new(engine, &frames, 10_000_000);
    s.max_pending = 1 + rng.below(12);
    let mut out = Vec::new();
    for v in events {
        out.extend(s.push_line(v.to_string().as_bytes()).unwrap().events);
        if rng.below(4) == 0 {
            out.extend(s.flush().unwrap().events);
        }
    }
    out.extend(s.finish().unwrap().events);
    out.iter().map(|e| serde_json::to_value(e).unwrap()).collect()
}

pub struct NoFrames;
impl veil::FrameIo for NoFrames {
    fn read(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn write(&self, _: &str, _: Vec<u8>) -> veil::Result<()> {
        Ok(())
    }
}

pub fn engine() -> Engine {
    // Tags everywhere: no masked tail or pseudonym domain can look like a piece of a value.
    let p = "[models]\nfaces = false\ntext_regions = false\nner = false\n[actions]\ndefault = \"tag\"\nEMAIL_ADDRESS = \"tag\"\nPERSON = \"tag\"\nCREDIT_CARD = \"tag\"\nIBAN_CODE = \"tag\"\n";
    Engine::new(Policy::from_toml(p).unwrap()).unwrap()
}

/// Checks one script; returns the problem, if any.
pub fn check(engine: &Engine, seed: u64) -> Result<(), String> {
    check_script(engine, seed, script(seed))
}

pub fn check_script(engine: &Engine, seed: u64, sc: Script) -> Result<(), String> {
    let out = archive_run(engine, &sc.events);
    let ps = pieces(&sc.value, &sc.context);
    for r in replays(&out, &sc.truth) {
        let clean = regex_lite_strip(&r);
        if let Some(p) = ps.iter().find(|p| clean.contains(p.as_str())) {
            return Err(format!("seed {seed} ({}): piece {p:?} of the value can be rebuilt from the output: {r:?}", sc.kind));
        }
    }
    let mut rng = Rng::seeded(seed ^ 0xDEAD_BEEF);
    let streamed = session_run(engine, &sc.events, &mut rng);
    if streamed != out {
        return Err(format!("seed {seed} ({}): session output differs from the archive run\narchive: {out:?}\nsession: {streamed:?}", sc.kind));
    }
    Ok(())
}

/// Replacement tags (`<EMAIL_ADDRESS>`) are the engine's own words, not pieces of values.
pub fn regex_lite_strip(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        match rest[i..].find('>') {
            Some(j) if rest[i + 1..i + j].chars().all(|c| c.is_ascii_uppercase() || c == '_') => rest = &rest[i + j + 1..],
            _ => {
                out.push('<');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

