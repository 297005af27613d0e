//! Text-path latency: one short UI string, one ~512-token text, a keystroke stream, archive
//! throughput (events/s) and the whole sample archive. `cargo bench --bench text`.

mod common;

use std::path::PathBuf;

use common::{keystrokes, long_text, text_events, MemFrames, SHORT};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use veil::{Engine, Policy, RunOptions};

fn bench(c: &mut Criterion) {
    let engine = Engine::new(Policy::default()).unwrap();
    let no_frames = MemFrames(Default::default(), Default::default());
    let mut g = c.benchmark_group("text");
    g.bench_function("short_ui_string", |b| b.iter(|| engine.redact_text(std::hint::black_box(SHORT)).unwrap()));
    g.bench_function("short_ui_string_no_pii", |b| b.iter(|| engine.redact_text(std::hint::black_box("Meeting notes for Q3")).unwrap()));
    let long = long_text();
    g.throughput(Throughput::Bytes(long.len() as u64));
    g.bench_function("text_512_tokens", |b| b.iter(|| engine.redact_text(std::hint::black_box(&long)).unwrap()));
    g.finish();

    let mut g = c.benchmark_group("keys");
    let n = 2000;
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("stream_2000_keys", |b| {
        b.iter_batched(|| keystrokes(n), |recs| engine.redact_batch(recs, &no_frames, &|_| {}).unwrap(), BatchSize::LargeInput)
    });
    g.finish();

    // Archive throughput with rayon over all cores: 20,000 text events.
    let mut g = c.benchmark_group("throughput");
    g.sample_size(10);
    g.throughput(Throughput::Elements(20_000));
    g.bench_function("text_events_20000", |b| {
        b.iter_batched(|| text_events(20_000), |recs| engine.redact_batch(recs, &no_frames, &|_| {}).unwrap(), BatchSize::LargeInput)
    });
    g.finish();

    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sample");
    let mut g = c.benchmark_group("archive");
    g.sample_size(20);
    g.bench_function("sample_archive", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |d| engine.redact_archive(&sample, &d.path().join("o"), &RunOptions::default()).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
