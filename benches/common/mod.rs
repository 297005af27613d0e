//! Workloads shared by the criterion benches (`benches/*.rs`) and the budget check
//! (`tests/budgets.rs`), so both measure the same thing.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use image::{Rgba, RgbaImage};
use veil::capture::parse_line;
use veil::pipeline::{FrameIo, Record};

/// (median, p95) of samples.
pub fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (p(0.5), p(0.95))
}

/// Times `f` `samples` times (after one warm-up); returns per-unit (median, p95) in µs.
pub fn measure(samples: usize, units: f64, mut f: impl FnMut()) -> (f64, f64) {
    f();
    stats(
        (0..samples)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e6 / units
            })
            .collect(),
    )
}

pub const SHORT: &str = "Jane Doe <jane.doe@example.com>";

/// ~512 BERT tokens of mixed prose, log lines and PII.
pub fn long_text() -> String {
    let para = "Hi team, the deploy failed again last night. Logs: connection to 10.0.4.17 refused, retry in 30s. \
        Please call me on +1 415-555-2671 or mail ops-oncall@example.com. The card ending 4111 1111 1111 1111 was charged twice; \
        refund to GB82 WEST 1234 5698 7654 32. export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE and keep the rest as is. ";
    para.repeat(5)
}

/// `n` key events typing mail text with PII into one element.
pub fn keystrokes(n: usize) -> Vec<Record> {
    let text = "mail jane.doe@example.com about invoice 4711, then call +44 20 7946 0018. ";
    text.chars()
        .cycle()
        .take(n)
        .enumerate()
        .map(|(i, c)| {
            let line = serde_json::json!({"seq": i + 1, "ts": 1000 + i, "kind": "key", "key": c.to_string(), "text": c.to_string(),
                "target": {"app": "mail", "element": "body"}});
            Record::Event { line: i + 1, parsed: parse_line(line.to_string().as_bytes()).unwrap() }
        })
        .collect()
}

/// `n` key events of the same mail text edited as people edit (a typo fixed with Backspace,
/// arrows, a selection, a click every 29 characters, AltGr, Enter): one long, heavily edited
/// field, the keys planner's hardest ordinary case.
pub fn edited_keystrokes(n: usize) -> Vec<Record> {
    let text = "mail jane.doe@example.com about invoice 4711, then call +44 20 7946 0018. ";
    let mut out = Vec::new();
    let mut seq = 0u64;
    let mut push = |v: serde_json::Value, out: &mut Vec<Record>| {
        seq += 1;
        let mut v = v;
        v["seq"] = seq.into();
        v["ts"] = (1000 + seq).into();
        out.push(Record::Event { line: seq as usize, parsed: parse_line(v.to_string().as_bytes()).unwrap() });
    };
    let target = serde_json::json!({"app": "mail", "element": "body"});
    let key = |k: &str, t: Option<&str>, mods: &[&str]| {
        let mut v = serde_json::json!({"kind": "key", "key": k, "target": target});
        if let Some(t) = t {
            v["text"] = t.into();
        }
        if !mods.is_empty() {
            v["mods"] = serde_json::json!(mods);
        }
        v
    };
    let mut i = 0;
    while out.len() < n {
        for (j, c) in text.chars().enumerate() {
            let s = c.to_string();
            if c == '@' {
                push(key("q", Some("@"), &["ctrl", "alt"]), &mut out);
            } else {
                push(key(&s, Some(&s), &[]), &mut out);
            }
            match (i + j) % 29 {
                3 => {
                    push(key("x", Some("x"), &[]), &mut out);
                    push(key("Backspace", None, &[]), &mut out);
                }
                11 => {
                    push(key("ArrowLeft", None, &[]), &mut out);
                    push(key("ArrowRight", None, &[]), &mut out);
                }
                17 => push(key("ArrowLeft", None, &["shift"]), &mut out),
                23 => push(serde_json::json!({"kind": "mouse", "action": "click", "x": 5, "y": 5}), &mut out),
                _ => {}
            }
        }
        push(key("Enter", None, &[]), &mut out);
        i += 1;
    }
    out.truncate(n);
    out
}

/// `n` text events (UI strings, some with PII).
pub fn text_events(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let text = if i % 5 == 0 { format!("Reply to user{i}@example.com") } else { format!("Quarterly planning item {i}") };
            let line = serde_json::json!({"seq": i + 1, "ts": 1000 + i, "kind": "text", "source": "accessibility", "text": text});
            Record::Event { line: i + 1, parsed: parse_line(line.to_string().as_bytes()).unwrap() }
        })
        .collect()
}

/// Frames held in memory; written frames are only counted.
pub struct MemFrames(pub HashMap<String, Vec<u8>>, pub Mutex<usize>);

impl FrameIo for MemFrames {
    fn read(&self, p: &str) -> Option<Vec<u8>> {
        self.0.get(p).cloned()
    }
    fn write(&self, _: &str, b: Vec<u8>) -> veil::Result<()> {
        *self.1.lock().unwrap() += b.len();
        Ok(())
    }
}

/// Text-like strokes: `n` glyphs of 8x14 px from (x, y), 11 px apart; `salt` varies the
/// pattern (a different glyph).
pub fn strokes(img: &mut RgbaImage, x: u32, y: u32, n: u32, salt: u32) {
    for k in 0..n {
        for yy in 0..14 {
            for xx in 0..8 {
                if (xx + yy + k + salt) % 3 != 0 {
                    img.put_pixel(x + k * 11 + xx, y + yy, Rgba([30, 30, 30, 255]));
                }
            }
        }
    }
}

/// The bench page's pixels and nodes: 60 text nodes (every tenth with an email) over
/// text-like strokes, a 64 px avatar node and a 200 px photo.
pub fn page() -> (RgbaImage, Vec<serde_json::Value>) {
    let mut img = RgbaImage::from_pixel(1920, 1080, Rgba([250, 250, 250, 255]));
    let photo = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/faces/astronaut.png")).unwrap().into_rgba8();
    let small = image::imageops::resize(&photo, 200, 200, image::imageops::FilterType::Triangle);
    image::imageops::replace(&mut img, &small, 1500, 600);
    let avatar = image::imageops::resize(&photo, 64, 64, image::imageops::FilterType::Triangle);
    image::imageops::replace(&mut img, &avatar, 40, 40);
    let mut nodes = Vec::new();
    for i in 0..60u32 {
        let (x, y) = (120 + (i % 3) * 560, 40 + (i / 3) * 48);
        strokes(&mut img, x, y + 4, 24, 0);
        let text = if i % 10 == 0 { format!("Contact jane{i}@example.com") } else { format!("Quarterly planning item {i}") };
        nodes.push(serde_json::json!({"id": format!("n{i}"), "role": "text", "text": text, "bounds": [x, y, 270, 22]}));
    }
    nodes.push(serde_json::json!({"id": "av", "role": "image", "text": "", "bounds": [40, 40, 64, 64]}));
    (img, nodes)
}

/// PNG bytes of a frame, as a capture client writes them (the `image` crate's defaults).
pub fn png(img: &RgbaImage) -> Vec<u8> {
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

/// A 1920x1080 page ([`page`]). Returns the frames and the screenshot event line, with and
/// without its UI tree.
pub fn frame() -> (MemFrames, String, String) {
    let (img, nodes) = page();
    let with_tree = serde_json::json!({"seq": 1, "ts": 1, "kind": "screenshot", "image": "frames/f.png", "app": "chrome", "nodes": nodes});
    let bare = serde_json::json!({"seq": 1, "ts": 1, "kind": "screenshot", "image": "frames/f.png", "app": "rdp"});
    (MemFrames(HashMap::from([("frames/f.png".to_string(), png(&img))]), Mutex::new(0)), with_tree.to_string(), bare.to_string())
}

/// A capture stream of `n` 1920x1080 frames of the bench page ([`page`]) in which consecutive
/// frames differ in small regions, as a person working changes a screen: a character typed into
/// a field per frame, a side pane (a message list, rows of 24 px, every fourth with an email)
/// scrolled by 8 px per frame, and a clock ticking. Returns the frames and the screenshot
/// event lines, in order (`seq` 1..=n, 500 ms apart), each with its UI tree. `seed` makes the
/// typed text differ between streams (so the NER memo has not seen it).
pub fn change_stream(n: usize, seed: u32) -> (MemFrames, Vec<String>) {
    let (base, base_nodes) = page();
    let typed = "Draft: the numbers look fine, see you at the review on Thursday. ";
    // The pane: x 1240..1520, y 40..368 (the third column's top seven rows give way to it).
    let pane = (1240u32, 40u32, 280u32, 328u32);
    let mut files = HashMap::new();
    let mut lines = Vec::new();
    for f in 0..n as u32 {
        let mut img = base.clone();
        let mut nodes: Vec<serde_json::Value> = base_nodes
            .iter()
            .filter(|v| {
                let b = &v["bounds"];
                let (x, y) = (b[0].as_u64().unwrap() as u32, b[1].as_u64().unwrap() as u32);
                !(x >= pane.0 && x < pane.0 + pane.2 && y + 22 > pane.1 && y < pane.1 + pane.3)
            })
            .cloned()
            .collect();
        for y in pane.1..pane.1 + pane.3 {
            for x in pane.0..pane.0 + pane.2 {
                img.put_pixel(x, y, Rgba([244, 246, 250, 255]));
            }
        }
        // Pane rows scroll up by 8 px a frame; a row is drawn and named only while whole inside.
        let scroll = f * 8;
        for row in 0..40u32 {
            let top = row * 24;
            if top < scroll || top + 20 - scroll > pane.3 {
                continue;
            }
            let y = pane.1 + top - scroll;
            strokes(&mut img, pane.0 + 6, y + 3, 22, row);
            let text = if row % 4 == 1 { format!("Reply to sam{row}@example.org") } else { format!("Build {row} passed on main") };
            nodes.push(serde_json::json!({"id": format!("m{row}"), "role": "listitem", "text": text, "bounds": [pane.0 + 4, y, 260, 20]}));
        }
        // The field being typed into: one more character each frame.
        let field = (120u32, 1012u32);
        let k = f as usize + 4;
        let shown: String = format!("Note {seed} ").chars().chain(typed.chars().cycle()).take(k + 6).collect();
        strokes(&mut img, field.0 + 4, field.1 + 4, k.min(60) as u32, 0);
        nodes.push(serde_json::json!({"id": "field", "role": "textbox", "text": shown, "bounds": [field.0, field.1, 700, 24]}));
        // The clock: its digits change every frame.
        strokes(&mut img, 1820, 1050, 5, f);
        nodes.push(serde_json::json!({"id": "clock", "role": "text", "text": format!("10:{:02}", (41 + f) % 60), "bounds": [1816, 1046, 64, 22]}));
        let name = format!("frames/s{f:04}.png");
        files.insert(name.clone(), png(&img));
        let seq = f as u64 + 1;
        lines.push(serde_json::json!({"seq": seq, "ts": 1000 + 500 * seq, "kind": "screenshot", "image": name, "app": "chrome", "nodes": nodes}).to_string());
    }
    (MemFrames(files, Mutex::new(0)), lines)
}

/// Per-frame times (µs) of a [`change_stream`] fed to a [`veil::Session`] one event at a time,
/// after its first frame (which has nothing to reuse): the steady state of a capture stream.
pub fn stream_frame_times(engine: &veil::Engine, frames: &MemFrames, lines: &[String]) -> Vec<f64> {
    let mut session = veil::Session::new(engine, frames, 0);
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = Instant::now();
        let released = session.push_line(line.as_bytes()).unwrap();
        let us = t.elapsed().as_secs_f64() * 1e6;
        assert_eq!(released.events.len(), 1, "each frame leaves at once");
        if i > 0 {
            out.push(us);
        }
    }
    session.finish().unwrap();
    out
}

/// One record from an event line.
pub fn record(line: &str) -> Record {
    Record::Event { line: 1, parsed: parse_line(line.as_bytes()).unwrap() }
}

/// `n` copies of a screenshot event (seq 1..=n): a batch for frames/s throughput.
pub fn frame_batch(line: &str, n: usize) -> Vec<Record> {
    (1..=n)
        .map(|seq| {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            v["seq"] = seq.into();
            Record::Event { line: seq, parsed: parse_line(v.to_string().as_bytes()).unwrap() }
        })
        .collect()
}
