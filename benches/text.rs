//! Text-path latency: one short UI string, one ~512-token text, a keystroke stream, and the
//! whole sample archive. `cargo bench --bench text`.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use veil::capture::parse_line;
use veil::pipeline::{FrameIo, Record};
use veil::{Engine, Policy, RunOptions};

const SHORT: &str = "Jane Doe <jane.doe@example.com>";

fn long_text() -> String {
    // ~512 BERT tokens of mixed prose, code and PII.
    let para = "Hi team, the deploy failed again last night. Logs: connection to 10.0.4.17 refused, retry in 30s. \
        Please call me on +1 415-555-2671 or mail ops-oncall@example.com. The card ending 4111 1111 1111 1111 was charged twice; \
        refund to GB82 WEST 1234 5698 7654 32. export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE and keep the rest as is. ";
    para.repeat(5)
}

struct NoFrames;
impl FrameIo for NoFrames {
    fn read(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn write(&self, _: &str, _: Vec<u8>) -> veil::Result<()> {
        Ok(())
    }
}

fn keystrokes(n: usize) -> Vec<Record> {
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

fn bench(c: &mut Criterion) {
    let engine = Engine::new(Policy::default()).unwrap();
    let mut g = c.benchmark_group("text");
    g.bench_function("short_ui_string", |b| b.iter(|| engine.redact_text(std::hint::black_box(SHORT))));
    g.bench_function("short_ui_string_no_pii", |b| b.iter(|| engine.redact_text(std::hint::black_box("Meeting notes for Q3"))));
    let long = long_text();
    g.throughput(Throughput::Bytes(long.len() as u64));
    g.bench_function("text_512_tokens", |b| b.iter(|| engine.redact_text(std::hint::black_box(&long))));
    g.finish();

    let mut g = c.benchmark_group("keys");
    let n = 2000;
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("stream_2000_keys", |b| {
        b.iter_batched(|| keystrokes(n), |recs| engine.redact_batch(recs, &NoFrames, &|_| {}).unwrap(), BatchSize::LargeInput)
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
