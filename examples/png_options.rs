//! PNG encode settings for redacted frames, side by side: time and size per setting on the
//! bench page and a photo-heavy 1080p frame, each checked to decode to the same pixels.
//! `nice -n 19 cargo run --release --example png_options`.

#[path = "../benches/common/mod.rs"]
mod common;

use common::measure;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};

fn encode(rgb: &[u8], w: u32, h: u32, c: CompressionType, f: FilterType) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, c, f).write_image(rgb, w, h, image::ExtendedColorType::Rgb8).unwrap();
    out
}

fn main() {
    let photo = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/faces/astronaut.png")).unwrap().into_rgba8();
    let photo = image::imageops::resize(&photo, 1920, 1080, image::imageops::FilterType::Triangle);
    for (name, img) in [("bench frame", common::page().0), ("photo 1080p", photo)] {
        let (w, h) = img.dimensions();
        let rgb: Vec<u8> = img.as_raw().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        let (m, _) = measure(9, 1.0, || drop(std::hint::black_box(img.as_raw().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect::<Vec<u8>>())));
        println!("{name}: RGBA -> RGB {:.2} ms", m / 1e3);
        use {CompressionType as C, FilterType as F};
        for (label, c, f) in [
            ("fast adaptive (before)", C::Fast, F::Adaptive),
            ("fast sub", C::Fast, F::Sub),
            ("fast up (veil now)", C::Fast, F::Up),
            ("fast paeth", C::Fast, F::Paeth),
            ("fast none", C::Fast, F::NoFilter),
            ("default adaptive", C::Default, F::Adaptive),
            ("uncompressed", C::Uncompressed, F::NoFilter),
        ] {
            let out = encode(&rgb, w, h, c, f);
            let back = image::load_from_memory(&out).unwrap().into_rgb8();
            assert_eq!(back.as_raw(), &rgb, "{label}: pixels differ");
            let (med, p95) = measure(9, 1.0, || drop(std::hint::black_box(encode(&rgb, w, h, c, f))));
            let (dm, _) = measure(5, 1.0, || drop(std::hint::black_box(veil::screenshot::paint::decode(&out, 1 << 30).unwrap())));
            println!("  {label:<24} encode {:6.2} ms (p95 {:6.2})  {:6} KiB  decode {:6.2} ms", med / 1e3, p95 / 1e3, out.len() / 1024, dm / 1e3);
        }
    }
}
