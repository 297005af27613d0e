//! Splits a 1920x1080 frame's image work into stages (decode, resize+tensor, model, encode)
//! to see what dominates. `cargo run --release --example frame_profile`.
#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use image::RgbaImage;
use veil::detect::image::{bgr_tensor, input_size, ImageDetector};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    median((0..n).map(|_| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64() * 1e3
    }).collect())
}

fn main() {
    let photo = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/faces/astronaut.png")).expect("test photo").into_rgba8();
    let img: RgbaImage = image::imageops::resize(&photo, 1920, 1080, image::imageops::FilterType::Triangle);
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let png = png.into_inner();
    let dir = veil::runtime::default_models_dir();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let faces = veil::detect::faces::FaceDetector::load(&dir, 1, threads, 640, 0.5).unwrap();
    let text = veil::detect::text_regions::TextRegionDetector::load(&dir.join("text_det.onnx"), 1, threads, 960).unwrap();
    println!("decode png      {:7.2} ms", time(9, || { veil::screenshot::paint::decode(&png, 1 << 30).unwrap(); }));
    println!("encode png      {:7.2} ms", time(9, || { veil::screenshot::paint::encode(&img, "f.png").unwrap(); }));
    let (w, h) = input_size(1920, 1080, 960);
    println!("tensor 960      {:7.2} ms", time(9, || { bgr_tensor(&img, w, h, |_, v| v as f32); }));
    println!("faces 640 total {:7.2} ms", time(9, || { faces.detect(&img).unwrap(); }));
    println!("text 960 total  {:7.2} ms", time(9, || { text.detect(&img).unwrap(); }));
    let (frames, _, _) = common::frame();
    let ui = veil::screenshot::paint::decode(&frames.0["frames/f.png"], 1 << 30).expect("bench frame decodes");
    println!("text 960 on UI  {:7.2} ms ({} regions)", time(9, || { text.detect(&ui).unwrap(); }), text.detect(&ui).unwrap().len());
}

