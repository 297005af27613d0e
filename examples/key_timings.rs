//! Per-key cost of the keys pass, median and p95 over repeated runs, for two streams of 2,000
//! keys: plain typing (the budget workload) and typing with ordinary editing (typos fixed with
//! Backspace and arrows, a selection, a click, Enter in the middle of a value, AltGr).
//! `cargo run --release --example key_timings` (regex-only and with NER cold).

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use veil::pipeline::Record;
use veil::{Engine, Policy};

use common::stats;

fn main() {
    let frames = common::MemFrames(Default::default(), Default::default());
    for (name, policy) in [("regex-only", "[models]\nfaces = false\ntext_regions = false\nner = false"), ("NER cold", "[models]\nfaces = false\ntext_regions = false\nner_memo = 0")] {
        let e = Engine::new(Policy::from_toml(policy).unwrap()).unwrap();
        for (wl, make) in [("plain", common::keystrokes as fn(usize) -> Vec<Record>), ("edited", common::edited_keystrokes)] {
            let mut drops = Default::default();
            let runs: Vec<f64> = (0..15)
                .map(|_| {
                    let recs = make(2000);
                    let t = Instant::now();
                    let (_, report) = e.redact_batch(recs, &frames, &|_| {}).unwrap();
                    drops = report.totals.drops;
                    t.elapsed().as_secs_f64() * 1e6 / 2000.0
                })
                .collect();
            let (m, p) = stats(runs);
            let drops: Vec<String> = drops.iter().map(|(r, n)| format!("{} {n}", r.as_str())).collect();
            println!("{name:10} {wl:7} median {m:7.1} µs/key  p95 {p:7.1} µs/key  keys dropped: {}", drops.join(", "));
        }
    }
}
