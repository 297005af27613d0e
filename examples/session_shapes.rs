//! What decides the models' session shapes (`runtime::pool_shape`): each model's run time on
//! one intra-op thread vs two, by input size; the cold UI-tree and no-UI-tree frames' stage
//! times from the batch report; the frame's CPU searches for where to call the models;
//! resident memory over a few frames (the arenas).
//! `cargo run --release --example session_shapes [ner|faces|text|stages|cpu|rss]` (all by default).
#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use veil::detect::image::ImageDetector;
use veil::{Engine, Policy};

fn median_ms(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut v: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ner() {
    let dir = veil::runtime::default_models_dir();
    for threads in [2usize, 1] {
        let ner = veil::detect::ner::NerDetector::load(&dir.join("ner.onnx"), &dir.join("ner_tokenizer.json"), 1, threads, [0.5; 3]).unwrap();
        for words in [1usize, 3, 8, 16, 32, 64, 120] {
            let text = (0..words).map(|i| ["report", "meeting", "budget", "window", "review"][i % 5]).collect::<Vec<_>>().join(" ");
            println!("NER, {threads} thread(s), {words:3} words: {:.3} ms", median_ms(15, || drop(ner.detect_batch(&[&text]).unwrap())));
        }
    }
}

fn faces() {
    let (img, _) = common::page();
    let dir = veil::runtime::default_models_dir();
    for side in [640u32, 384, 256, 128] {
        for threads in [2usize, 1] {
            let fd = veil::detect::faces::FaceDetector::load(&dir, 1, threads, side, 0.5).unwrap();
            let small = image::imageops::resize(&img, side, side * 9 / 16, image::imageops::FilterType::Triangle);
            println!("faces, {threads} thread(s), {side} px: {:.2} ms", median_ms(9, || drop(fd.detect(&small).unwrap())));
        }
    }
}

fn text() {
    let (img, _) = common::page();
    let dir = veil::runtime::default_models_dir();
    for side in [1280u32, 640, 256] {
        for threads in [2usize, 1] {
            let td = veil::detect::text_regions::TextRegionDetector::load(&dir.join("text_det.onnx"), 1, threads, side).unwrap();
            println!("text regions, {threads} thread(s), {side} px: {:.2} ms", median_ms(7, || drop(td.detect(&img).unwrap())));
        }
    }
}

fn stages() {
    let (frames, with_tree, bare) = common::frame();
    let cold = Engine::new(Policy::from_toml("[models]\nner_memo = 0").unwrap()).unwrap();
    for (name, line) in [("UI tree", &with_tree), ("no UI tree", &bare)] {
        let mut rows: Vec<[f64; 4]> = (0..12)
            .map(|_| {
                let (_, r) = cold.redact_batch(vec![common::record(line)], &frames, &|_| {}).unwrap();
                let t = &r.timings;
                [t.ner_ms, t.frames_ms, t.faces_ms, t.text_regions_ms]
            })
            .collect();
        rows.sort_by(|a, b| (a[0] + a[1]).total_cmp(&(b[0] + b[1])));
        let m = rows[rows.len() / 2];
        println!("{name}, cold: NER {:.1} ms, frame {:.1} ms (face calls {:.1}, text calls {:.1}, summed over threads)", m[0], m[1], m[2], m[3]);
    }
}

fn cpu() {
    let (img, _) = common::page();
    println!("picture-like regions (whole 1080p frame): {:.2} ms", median_ms(15, || drop(veil::screenshot::pictures::regions(&img, 16, 24))));
    println!("ink areas, no vouchers (whole 1080p frame): {:.2} ms", median_ms(15, || drop(veil::screenshot::localize::unvouched_areas(&img, &[], 32, 6))));
}

fn rss() {
    let field = |key: &str| {
        let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) / 1024
    };
    let (frames, with_tree, bare) = common::frame();
    let e = Engine::new(Policy::from_toml("[models]\nner_memo = 0").unwrap()).unwrap();
    println!("engine loaded: {} MiB", field("VmRSS"));
    for (name, line) in [("UI tree", &with_tree), ("no UI tree", &bare), ("UI tree", &with_tree), ("no UI tree", &bare), ("no UI tree", &bare)] {
        e.redact_batch(vec![common::record(line)], &frames, &|_| {}).unwrap();
        println!("after a {name} frame: {} MiB (peak {} MiB)", field("VmRSS"), field("VmHWM"));
    }
}

fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    let parts: [(&str, fn()); 6] = [("ner", ner), ("faces", faces), ("text", text), ("stages", stages), ("cpu", cpu), ("rss", rss)];
    for (name, part) in parts {
        if what.is_empty() || what == name {
            part();
        }
    }
}
