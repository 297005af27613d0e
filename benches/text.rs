//! Text-path latency: one short UI string, one ~512-token text, a keystroke stream, archive
//! throughput (events/s) and the whole sample archive. `cargo bench --bench text`.

mod common;

use std::path::PathBuf;

use common::{keystrokes, long_text, text_events, MemFrames, SHORT};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use veil::{Engine, Policy, RunOptions};

fn bench(c: &mut Criterion) {
    // Text only; "cold": NER memo off, every text runs the model; "repeated": seen before.
    let text = "[models]\nfaces = false\ntext_regions = false\n";
    let engine = Engine::new(Policy::from_toml(&format!("{text}ner_memo = 0")).unwrap()).unwrap();
    let warm = Engine::new(Policy::from_toml(text).unwrap()).unwrap();
    let regex_only = Engine::new(Policy::from_toml(&format!("{text}ner = false")).unwrap()).unwrap();
    let no_frames = MemFrames(Default::default(), Default::default());
    let mut g = c.benchmark_group("text");
    g.bench_function("short_ui_string", |b| b.iter(|| engine.redact_text(std::hint::black_box(SHORT)).unwrap()));
    g.bench_function("short_ui_string_repeated", |b| b.iter(|| warm.redact_text(std::hint::black_box(SHORT)).unwrap()));
    g.bench_function("short_ui_string_regex_only", |b| b.iter(|| regex_only.redact_text(std::hint::black_box(SHORT)).unwrap()));
    g.bench_function("short_ui_string_no_pii_regex_only", |b| b.iter(|| regex_only.redact_text(std::hint::black_box("Meeting notes for Q3")).unwrap()));
    let long = long_text();
    g.throughput(Throughput::Bytes(long.len() as u64));
    g.sample_size(20);
    g.bench_function("text_512_tokens", |b| b.iter(|| engine.redact_text(std::hint::black_box(&long)).unwrap()));
    g.sample_size(100);
    g.bench_function("text_512_tokens_regex_only", |b| b.iter(|| regex_only.redact_text(std::hint::black_box(&long)).unwrap()));
    g.finish();

    let mut g = c.benchmark_group("keys");
    let n = 2000;
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("stream_2000_keys", |b| {
        b.iter_batched(|| keystrokes(n), |recs| engine.redact_batch(recs, &no_frames, &|_| {}).unwrap(), BatchSize::LargeInput)
    });
    g.finish();

    // Archive throughput: 1,000 distinct text events with NER (cold), 20,000 rules only.
    let mut g = c.benchmark_group("throughput");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("text_events_1000", |b| {
        b.iter_batched(|| text_events(1_000), |recs| engine.redact_batch(recs, &no_frames, &|_| {}).unwrap(), BatchSize::LargeInput)
    });
    g.throughput(Throughput::Elements(20_000));
    g.bench_function("text_events_20000_regex_only", |b| {
        b.iter_batched(|| text_events(20_000), |recs| regex_only.redact_batch(recs, &no_frames, &|_| {}).unwrap(), BatchSize::LargeInput)
    });
    g.finish();

    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sample");
    let full = Engine::new(Policy::default()).unwrap();
    let mut g = c.benchmark_group("archive");
    g.sample_size(20);
    g.bench_function("sample_archive", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |d| full.redact_archive(&sample, &d.path().join("o"), &RunOptions::default()).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
