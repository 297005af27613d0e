//! Per-frame latency of a 1920x1080 screenshot with a UI tree: regex only (UI-tree boxes),
//! then with faces, then with text regions; and the same frame with no UI tree.
//! `cargo bench --bench frame`. The frame: a white page with 60 text nodes (a few holding
//! PII), a 64 px avatar node and a photo.

use std::collections::HashMap;
use std::sync::Mutex;

use criterion::{criterion_group, criterion_main, Criterion};
use image::{Rgba, RgbaImage};
use veil::capture::parse_line;
use veil::pipeline::{FrameIo, Record};
use veil::{Engine, Policy};

struct MemFrames(HashMap<String, Vec<u8>>, Mutex<usize>);
impl FrameIo for MemFrames {
    fn read(&self, p: &str) -> Option<Vec<u8>> {
        self.0.get(p).cloned()
    }
    fn write(&self, _: &str, b: Vec<u8>) -> veil::Result<()> {
        *self.1.lock().unwrap() += b.len();
        Ok(())
    }
}

fn frame() -> (Vec<u8>, String) {
    let mut img = RgbaImage::from_pixel(1920, 1080, Rgba([250, 250, 250, 255]));
    let photo = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/faces/astronaut.png")).unwrap().into_rgba8();
    let small = image::imageops::resize(&photo, 200, 200, image::imageops::FilterType::Triangle);
    image::imageops::replace(&mut img, &small, 1500, 600);
    let avatar = image::imageops::resize(&photo, 64, 64, image::imageops::FilterType::Triangle);
    image::imageops::replace(&mut img, &avatar, 40, 40);
    // Dark bars where text would be (the detector sees text-like strokes via the pattern).
    let mut nodes = Vec::new();
    for i in 0..60 {
        let (x, y) = (120 + (i % 3) * 560, 40 + (i / 3) * 48);
        for k in 0..24 {
            for yy in 0..14 {
                for xx in 0..8 {
                    if (xx + yy + k) % 3 != 0 {
                        img.put_pixel((x + k * 11 + xx) as u32, (y + 4 + yy) as u32, Rgba([30, 30, 30, 255]));
                    }
                }
            }
        }
        let text = if i % 10 == 0 { format!("Contact jane{i}@example.com") } else { format!("Quarterly planning item {i}") };
        nodes.push(serde_json::json!({"id": format!("n{i}"), "role": "text", "text": text, "bounds": [x, y, 270, 22]}));
    }
    nodes.push(serde_json::json!({"id": "av", "role": "image", "text": "", "bounds": [40, 40, 64, 64]}));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let ev = serde_json::json!({"seq": 1, "ts": 1, "kind": "screenshot", "image": "frames/f.png", "app": "chrome", "nodes": nodes});
    (png.into_inner(), ev.to_string())
}

fn bench(c: &mut Criterion) {
    let (png, line) = frame();
    let frames = MemFrames(HashMap::from([("frames/f.png".to_string(), png)]), Mutex::new(0));
    let mut g = c.benchmark_group("frame_1920x1080");
    g.sample_size(20);
    for (name, models) in [("ui_tree_only", "faces = false\ntext_regions = false"), ("ui_tree_faces", "faces = true\ntext_regions = false"), ("ui_tree_faces_text", "faces = true\ntext_regions = true")] {
        let engine = Engine::new(Policy::from_toml(&format!("[models]\n{models}")).unwrap()).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| {
                let rec = Record::Event { line: 1, parsed: parse_line(line.as_bytes()).unwrap() };
                engine.redact_batch(vec![rec], &frames, &|_| {}).unwrap()
            })
        });
    }
    // A remote-desktop frame: no UI tree, so the whole frame goes through the text model.
    let bare: serde_json::Value = serde_json::json!({"seq": 1, "ts": 1, "kind": "screenshot", "image": "frames/f.png", "app": "rdp"});
    let engine = Engine::new(Policy::default()).unwrap();
    g.bench_function("no_ui_tree_faces_text", |b| {
        b.iter(|| {
            let rec = Record::Event { line: 1, parsed: parse_line(bare.to_string().as_bytes()).unwrap() };
            engine.redact_batch(vec![rec], &frames, &|_| {}).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
