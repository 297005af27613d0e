//! Per-frame latency of a 1920x1080 screenshot with a UI tree: text only (rules + NER, cold:
//! every node text runs the model), then with faces, then with text regions; the same frame
//! seen again (its UI text remembered); the frame with no UI tree; a stream of frames that
//! differ in small regions (temporal reuse).
//! `cargo bench --bench frame`. The frame: see `common::frame`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use veil::{Engine, Policy};

fn bench(c: &mut Criterion) {
    let (frames, with_tree, bare) = common::frame();
    let mut g = c.benchmark_group("frame_1920x1080");
    g.sample_size(20);
    for (name, models, line) in [
        ("ui_tree_only", "faces = false\ntext_regions = false\nner_memo = 0", &with_tree),
        ("ui_tree_faces", "faces = true\ntext_regions = false\nner_memo = 0", &with_tree),
        ("ui_tree_faces_text", "faces = true\ntext_regions = true\nner_memo = 0", &with_tree),
        ("ui_tree_faces_text_repeated", "faces = true\ntext_regions = true", &with_tree),
        ("no_ui_tree_faces_text", "faces = true\ntext_regions = true\nner_memo = 0", &bare),
    ] {
        let engine = Engine::new(Policy::from_toml(&format!("[models]\n{models}")).unwrap()).unwrap();
        g.bench_function(name, |b| b.iter(|| engine.redact_batch(vec![common::record(line)], &frames, &|_| {}).unwrap()));
    }
    g.finish();

    // A capture stream whose frames differ in small regions (typing, a scrolled pane, a
    // clock), fed to a Session: per frame after the first, reusing the previous frame's
    // image-model results where the pixels did not change.
    let engine = Engine::new(Policy::default()).unwrap();
    let mut g = c.benchmark_group("frame_stream");
    g.sample_size(10);
    let mut seed = 0;
    g.bench_function("small_change_stream_per_frame", |b| {
        b.iter_custom(|iters| {
            let (mut total, mut done) = (std::time::Duration::ZERO, 0);
            while done < iters {
                seed += 1;
                let (frames, lines) = common::change_stream(8, seed);
                for us in common::stream_frame_times(&engine, &frames, &lines).into_iter().take((iters - done) as usize) {
                    total += std::time::Duration::from_secs_f64(us / 1e6);
                    done += 1;
                }
            }
            total
        })
    });
    g.finish();

    // Frames/s: 8 full-HD frames with UI trees in one batch, rayon over the cores.
    let engine = Engine::new(Policy::from_toml("[models]\nner_memo = 0").unwrap()).unwrap();
    let mut g = c.benchmark_group("frame_throughput");
    g.sample_size(10);
    g.throughput(criterion::Throughput::Elements(8));
    g.bench_function("batch_of_8_ui_tree_faces_text", |b| {
        b.iter_batched(|| common::frame_batch(&with_tree, 8), |recs| engine.redact_batch(recs, &frames, &|_| {}).unwrap(), criterion::BatchSize::LargeInput)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
