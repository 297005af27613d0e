//! The frame workloads of the speed table, each as median and p95 over many samples:
//! a frame seen cold (NER memo off), the same frame again (a fresh batch, and inside one
//! stream), a stream whose frames differ in small regions (per frame, after its first), no UI
//! tree, 8 frames in one batch, and PNG decode/encode of the bench frame and a photo-heavy one.
//! `nice -n 19 cargo run --release --example frame_bench [-- SAMPLES]`.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{measure, stats};
use veil::{Engine, Policy};

fn row(name: &str, (median, p95): (f64, f64)) {
    println!("{name:<36} median {:8.1} ms   p95 {:8.1} ms", median / 1e3, p95 / 1e3);
}

fn main() {
    let samples: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(15);
    let (frames, with_tree, bare) = common::frame();
    let all_cold = Engine::new(Policy::from_toml("[models]\nner_memo = 0").unwrap()).unwrap();
    let all_warm = Engine::new(Policy::default()).unwrap();
    let run = |e: &Engine, line: &str| drop(e.redact_batch(vec![common::record(line)], &frames, &|_| {}).unwrap());
    row("ui_tree_faces_text (cold)", measure(samples, 1.0, || run(&all_cold, &with_tree)));
    row("same frame again (fresh batch)", measure(samples, 1.0, || run(&all_warm, &with_tree)));
    row("same frame again (one stream)", {
        let mut session = veil::Session::new(&all_warm, &frames, 0);
        let mut seq = 0u64;
        measure(samples, 1.0, || {
            seq += 1;
            let mut v: serde_json::Value = serde_json::from_str(&with_tree).unwrap();
            v["seq"] = seq.into();
            v["ts"] = (1000 * seq).into();
            assert_eq!(session.push_line(v.to_string().as_bytes()).unwrap().events.len(), 1);
        })
    });
    row("small-change stream, per frame", {
        let mut all = Vec::new();
        for seed in 0..(samples / 5).max(2) as u32 {
            let (sf, lines) = common::change_stream(8, seed);
            all.extend(common::stream_frame_times(&all_warm, &sf, &lines));
        }
        stats(all)
    });
    row("no_ui_tree_faces_text (cold)", measure(samples.div_ceil(2), 1.0, || run(&all_cold, &bare)));
    row("batch of 8 (same frame), per frame", {
        let mut batches: Vec<_> = (0..samples.div_ceil(3) + 1).map(|_| common::frame_batch(&with_tree, 8)).collect();
        measure(samples.div_ceil(3), 8.0, || drop(all_cold.redact_batch(batches.pop().unwrap(), &frames, &|_| {}).unwrap()))
    });
    row("batch of 8 (small-change stream), per frame", {
        let streams: Vec<_> = (0..samples.div_ceil(3) + 1).map(|seed| common::change_stream(8, 100 + seed as u32)).collect();
        let mut i = 0;
        measure(samples.div_ceil(3), 8.0, || {
            let (sf, lines) = &streams[i];
            i += 1;
            drop(all_cold.redact_batch(lines.iter().map(|l| common::record(l)).collect(), sf, &|_| {}).unwrap())
        })
    });
    let photo = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/faces/astronaut.png")).unwrap().into_rgba8();
    let photo = image::imageops::resize(&photo, 1920, 1080, image::imageops::FilterType::Triangle);
    row("batch of 8 (page, photo alternating), per frame", {
        // Every frame differs from the one before in most of its pixels: nothing to reuse, so
        // this is what running frames in order costs against running them in parallel.
        let (mut files, _) = (std::collections::HashMap::new(), ());
        files.insert("frames/f.png".to_string(), frames.0["frames/f.png"].clone());
        files.insert("frames/p.png".to_string(), common::png(&photo));
        let mixed = common::MemFrames(files, Default::default());
        let line_p = with_tree.replace("frames/f.png", "frames/p.png");
        let batch = || (1..=8).map(|k| if k % 2 == 0 { &line_p } else { &with_tree }).enumerate().map(|(k, l)| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["seq"] = (k + 1).into();
            common::record(&v.to_string())
        }).collect::<Vec<_>>();
        measure(samples.div_ceil(3), 8.0, || drop(all_cold.redact_batch(batch(), &mixed, &|_| {}).unwrap()))
    });
    for (name, img) in [("bench frame", common::page().0), ("photo 1080p", photo)] {
        let input = common::png(&img);
        row(&format!("decode, {name}"), measure(samples, 1.0, || drop(veil::screenshot::paint::decode(&input, 1 << 30).unwrap())));
        let out = veil::screenshot::paint::encode(&img, "f.png").unwrap();
        row(&format!("encode, {name}"), measure(samples, 1.0, || drop(veil::screenshot::paint::encode(&img, "f.png").unwrap())));
        println!("{:<36} input {} KiB, output {} KiB", format!("size, {name}"), input.len() / 1024, out.len() / 1024);
    }
}
