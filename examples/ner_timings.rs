//! NER latency, cold (memo off: every text runs the model) and warm (default policy: repeated
//! text is remembered): one short UI string, one ~512-token text, a batch of 1,000 distinct
//! short text events. Medians. `cargo run --release --example ner_timings`.
use std::time::Instant;

#[path = "../benches/common/mod.rs"]
mod common;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    for (name, memo) in [("cold", 0), ("warm", 16384)] {
        println!("{name}:");
        run(&veil::Engine::new(veil::Policy::from_toml(&format!("[models]\nfaces = false\ntext_regions = false\nner_memo = {memo}")).unwrap()).unwrap());
    }
}

fn run(engine: &veil::Engine) {
    let time = |n: usize, f: &dyn Fn()| median((0..n).map(|_| { let t = Instant::now(); f(); t.elapsed().as_secs_f64() * 1e3 }).collect());
    let long = common::long_text();
    println!("short UI string  {:8.2} ms", time(51, &|| { engine.redact_text(common::SHORT).unwrap(); }));
    println!("512-token text   {:8.2} ms", time(11, &|| { engine.redact_text(&long).unwrap(); }));
    let frames = common::MemFrames(Default::default(), Default::default());
    let ms = time(5, &|| { engine.redact_batch(common::text_events(1000), &frames, &|_| {}).unwrap(); });
    println!("1000 text events {:8.2} ms ({:.3} ms per event)", ms, ms / 1000.0);
}
