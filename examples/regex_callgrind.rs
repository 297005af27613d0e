//! The rules-only workloads of `examples/regex_timings`, one call each, for instruction counts
//! under callgrind (wall time on a shared 2-core machine is too noisy to compare rule changes
//! by a few percent). Only `measured` is counted:
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=*measured* \
//!    target/release/examples/regex_callgrind short|long|batch [times]`
//! then `callgrind_annotate` (or the `summary:` line of the output file) for the total.
#[path = "../benches/common/mod.rs"]
mod common;

/// The counted work: `times` × (20 short strings | the ~512-token text | a batch of 2,000
/// text events).
#[inline(never)]
fn measured(engine: &veil::Engine, which: &str, long: &str, batches: &mut Vec<Vec<veil::pipeline::Record>>, frames: &common::MemFrames) {
    match which {
        "short" => (0..20).for_each(|_| drop(std::hint::black_box(engine.redact_text(common::SHORT).unwrap()))),
        "long" => drop(std::hint::black_box(engine.redact_text(long).unwrap())),
        _ => drop(engine.redact_batch(batches.pop().unwrap(), frames, &|_| {}).unwrap()),
    }
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "short".into());
    let times: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let engine = veil::Engine::new(veil::Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false").unwrap()).unwrap();
    let long = common::long_text();
    let frames = common::MemFrames(Default::default(), Default::default());
    let mut batches: Vec<_> = (0..times + 1).map(|_| common::text_events(2000)).collect();
    // Warm-up outside the count: thread-local caches, lazy tables.
    for _ in 0..5 {
        drop(engine.redact_text(common::SHORT));
        drop(engine.redact_text(&long));
    }
    drop(engine.redact_batch(batches.pop().unwrap(), &frames, &|_| {}));
    for _ in 0..times {
        measured(&engine, &which, &long, &mut batches, &frames);
    }
}
