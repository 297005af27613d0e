//! The rules-only text workloads of `tests/budgets.rs`, measured longer and alone (no models
//! loaded): a short UI string, the ~512-token text, and 20,000 text events through
//! `redact_batch`. Median and p95 per unit of several rounds, for comparing rule changes.
//! `cargo run --release --example regex_timings [rounds] [workload name filter]`; the
//! environment variable `VEIL_TIMINGS_POLICY` may add policy TOML (say, `disabled_rules`).

#[path = "../benches/common/mod.rs"]
mod common;

use common::measure;

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let only = std::env::args().nth(2).unwrap_or_default();
    let on = |name: &str| name.contains(only.as_str());
    let extra = std::env::var("VEIL_TIMINGS_POLICY").unwrap_or_default();
    let engine = veil::Engine::new(veil::Policy::from_toml(&format!("{extra}\n[models]\nfaces = false\ntext_regions = false\nner = false")).unwrap()).unwrap();
    let long = common::long_text();
    let frames = common::MemFrames(Default::default(), Default::default());
    println!("| workload | median µs | p95 µs |\n|---|---|---|");
    for _ in 0..rounds {
        if on("short_ui_string_regex_only") {
            let (m, p) = measure(400, 20.0, || (0..20).for_each(|_| drop(std::hint::black_box(engine.redact_text(common::SHORT).unwrap()))));
            println!("| short_ui_string_regex_only | {m:.2} | {p:.2} |");
        }
        if on("text_512_tokens_regex_only") {
            let (m, p) = measure(200, 1.0, || drop(std::hint::black_box(engine.redact_text(&long).unwrap())));
            println!("| text_512_tokens_regex_only | {m:.2} | {p:.2} |");
        }
        if on("text_event_throughput_regex_only") {
            let mut batches: Vec<_> = (0..6).map(|_| common::text_events(20_000)).collect();
            let (m, p) = measure(5, 20_000.0, || drop(engine.redact_batch(batches.pop().unwrap(), &frames, &|_| {}).unwrap()));
            println!("| text_event_throughput_regex_only | {m:.2} | {p:.2} |");
        }
    }
}
