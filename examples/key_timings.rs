//! Per-key cost of the keys pass, median and p95 over repeated runs, for two streams of 2,000
//! keys: plain typing (the budget workload) and typing with ordinary editing (typos fixed with
//! Backspace and arrows, a selection, a click, Enter in the middle of a value, AltGr).
//! `cargo run --release --example key_timings` (regex-only and with NER cold).

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use veil::capture::parse_line;
use veil::pipeline::Record;
use veil::{Engine, Policy};

/// 2,000 key events of mail text with PII, edited as people edit.
fn edited(n: usize) -> Vec<Record> {
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

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[((v.len() - 1) as f64 * 0.95).round() as usize])
}

fn main() {
    let frames = common::MemFrames(Default::default(), Default::default());
    for (name, policy) in [("regex-only", "[models]\nfaces = false\ntext_regions = false\nner = false"), ("NER cold", "[models]\nfaces = false\ntext_regions = false\nner_memo = 0")] {
        let e = Engine::new(Policy::from_toml(policy).unwrap()).unwrap();
        for (wl, make) in [("plain", common::keystrokes as fn(usize) -> Vec<Record>), ("edited", edited)] {
            let runs: Vec<f64> = (0..15)
                .map(|_| {
                    let recs = make(2000);
                    let t = Instant::now();
                    e.redact_batch(recs, &frames, &|_| {}).unwrap();
                    t.elapsed().as_secs_f64() * 1e6 / 2000.0
                })
                .collect();
            let (m, p) = stats(runs);
            println!("{name:10} {wl:7} median {m:7.1} µs/key  p95 {p:7.1} µs/key");
        }
    }
}
