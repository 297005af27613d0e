//! The stage timings the report gives for the bench frame (benches/frame.rs), medians of 15
//! runs per configuration. `cargo run --release --example frame_timings`.

use std::collections::HashMap;
use std::sync::Mutex;

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

fn main() {
    let (png, line) = frame();
    let frames = MemFrames(HashMap::from([("frames/f.png".to_string(), png)]), Mutex::new(0));
    let extra = std::env::args().nth(1).unwrap_or_default().replace(';', "\n");
    for (name, models) in [("ui_tree_only", "faces = false\ntext_regions = false"), ("ui_tree_faces", "faces = true\ntext_regions = false"), ("ui_tree_faces_text", "faces = true\ntext_regions = true")] {
        let models = format!("{models}\n{extra}");
        let engine = Engine::new(Policy::from_toml(&format!("[models]\n{models}")).unwrap()).unwrap();
        let mut rows: Vec<(f64, f64, f64, f64)> = (0..15)
            .map(|_| {
                let rec = Record::Event { line: 1, parsed: parse_line(line.as_bytes()).unwrap() };
                let (_, r) = engine.redact_batch(vec![rec], &frames, &|_| {}).unwrap();
                (r.timings.text_ms, r.timings.frames_ms, r.timings.faces_ms, r.timings.text_regions_ms)
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let m = rows[rows.len() / 2];
        println!("{name:<20} wall {:6.1} ms  frame {:6.1}  faces {:6.1}  text regions {:6.1}", m.0, m.1, m.2, m.3);
    }
}
