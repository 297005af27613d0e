//! Pixel operators: decode a frame, paint boxes with a solid fill (blur is reversible, so text
//! is never blurred), and re-encode. Re-encoding writes pixels only, so EXIF and other
//! metadata never reach the output.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits, Rgba, RgbaImage};

use crate::capture::{DropReason, Rect};
use crate::policy::{PaintMode, ScreenshotsFile};
use crate::screenshot::localize::PaintReason;

/// Paints `boxes` (each padded by `padding` px, clipped to the image) on the encoded image
/// `bytes` and returns it re-encoded in the format its `path` names.
pub fn paint_frame(bytes: &[u8], path: &str, boxes: &[Rect], fill: [u8; 3], padding: u32, max_pixels: u64) -> Result<Vec<u8>, DropReason> {
    let mut img = decode(bytes, max_pixels)?;
    let colour = Rgba([fill[0], fill[1], fill[2], 255]);
    for r in boxes {
        fill_rect(&mut img, r, padding, colour);
    }
    encode(&img, path)
}

/// Paints one box with a mode: solid fill, pixelate (16 px blocks, at least 4 blocks
/// across), or a strong blur.
pub fn paint(img: &mut RgbaImage, r: &Rect, pad: u32, mode: PaintMode, fill: [u8; 3]) {
    match mode {
        PaintMode::Fill => fill_rect(img, r, pad, Rgba([fill[0], fill[1], fill[2], 255])),
        PaintMode::Pixelate => {
            let Some((x0, y0, x1, y1)) = clip(img, r, pad) else { return };
            let block = pixel_block(x0, y0, x1, y1);
            for by in (y0..y1).step_by(block as usize) {
                for bx in (x0..x1).step_by(block as usize) {
                    let (ex, ey) = ((bx + block).min(x1), (by + block).min(y1));
                    let mut acc = [0u64; 4];
                    for y in by..ey {
                        for x in bx..ex {
                            let p = img.get_pixel(x, y).0;
                            (0..4).for_each(|i| acc[i] += p[i] as u64);
                        }
                    }
                    let n = ((ex - bx) * (ey - by)) as u64;
                    let avg = Rgba([(acc[0] / n) as u8, (acc[1] / n) as u8, (acc[2] / n) as u8, 255]);
                    for y in by..ey {
                        for x in bx..ex {
                            img.put_pixel(x, y, avg);
                        }
                    }
                }
            }
        }
        PaintMode::Blur => {
            let Some((x0, y0, x1, y1)) = clip(img, r, pad) else { return };
            let sub = image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image();
            let sigma = ((x1 - x0).min(y1 - y0) as f32 / 6.0).max(4.0);
            let blurred = image::imageops::blur(&sub, sigma);
            image::imageops::replace(img, &blurred, x0 as i64, y0 as i64);
        }
    }
}

/// How a box painted for `why` is painted under the policy's `[screenshots]`: faces as the
/// policy says, out-of-scope windows and secure nodes always filled, text as the policy says.
pub fn mode_for(why: PaintReason, sc: &ScreenshotsFile) -> PaintMode {
    match why {
        PaintReason::Face => sc.faces,
        PaintReason::OutOfScopeWindow | PaintReason::SecureNode => PaintMode::Fill,
        _ => sc.text,
    }
}

/// The side of a pixelation block for a clipped box `x0..x1, y0..y1` (blocks start at its
/// top-left corner).
pub(crate) fn pixel_block(x0: u32, y0: u32, x1: u32, y1: u32) -> u32 {
    (((x1 - x0).min(y1 - y0)) / 4).clamp(4, 16)
}

/// A box grown by `pad` and clipped to the image: `(x0, y0, x1, y1)`, `None` when empty.
pub(crate) fn clip(img: &RgbaImage, r: &Rect, pad: u32) -> Option<(u32, u32, u32, u32)> {
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    let pad = pad as i64;
    let x0 = (r.x() - pad).clamp(0, iw);
    let y0 = (r.y() - pad).clamp(0, ih);
    let x1 = (r.x() + r.w() + pad).clamp(0, iw);
    let y1 = (r.y() + r.h() + pad).clamp(0, ih);
    (x1 > x0 && y1 > y0).then_some((x0 as u32, y0 as u32, x1 as u32, y1 as u32))
}

/// Composites every pixel over an opaque white background and makes it opaque. Detection sees
/// RGB; a frame that kept its alpha channel could hold text drawn in alpha alone, invisible to
/// the detectors and readable to anyone who views it over another background.
pub fn flatten_alpha(img: &mut RgbaImage) {
    for px in img.pixels_mut() {
        let a = px.0[3] as u32;
        if a != 255 {
            for c in &mut px.0[..3] {
                *c = ((*c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
            }
            px.0[3] = 255;
        }
    }
}

/// Decodes a PNG or JPEG frame, refusing other formats and images over `max_pixels`.
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<RgbaImage, DropReason> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| DropReason::BadImage)?;
    let format = reader.format().ok_or(DropReason::BadImage)?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return Err(DropReason::BadImage);
    }
    let (w, h) = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| DropReason::BadImage)?
        .into_dimensions()
        .map_err(|_| DropReason::BadImage)?;
    if w as u64 * h as u64 > max_pixels {
        return Err(DropReason::ImageTooLarge);
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_pixels * 8 + (64 << 20));
    reader.limits(limits);
    Ok(reader.decode().map_err(|_| DropReason::BadImage)?.into_rgba8())
}

/// Fills `r` grown by `pad` on every side, clipped to the image.
pub fn fill_rect(img: &mut RgbaImage, r: &Rect, pad: u32, colour: Rgba<u8>) {
    let Some((x0, y0, x1, y1)) = clip(img, r, pad) else { return };
    for y in y0..y1 {
        for x in x0..x1 {
            img.put_pixel(x, y, colour);
        }
    }
}

/// Re-encodes in the format the path names (pixels only: no metadata is carried).
pub fn encode(img: &RgbaImage, path: &str) -> Result<Vec<u8>, DropReason> {
    let lower = path.to_ascii_lowercase();
    let mut out = Cursor::new(Vec::new());
    if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        let rgb = image::DynamicImage::ImageRgba8(img.clone()).into_rgb8();
        rgb.write_to(&mut out, ImageFormat::Jpeg).map_err(|_| DropReason::BadImage)?;
    } else {
        use image::codecs::png::{CompressionType, FilterType, PngEncoder};
        use image::ImageEncoder;
        // Opaque: no alpha channel leaves (see `flatten_alpha`).
        let rgb: Vec<u8> = img.as_raw().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        // The `Up` filter, not adaptive: on the bench page 1.1 against 1.9 ms to encode and
        // 2.3 against 3.9 ms to decode, 7% larger; on a photo-heavy 1080p frame 7.9 against
        // 11.1 ms and 7.0 against 16.3 ms (adaptive picks Paeth, slow to undo), 29% larger
        // (`examples/png_options`). The pixels are the same.
        let enc = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Up);
        enc.write_image(&rgb, img.width(), img.height(), image::ExtendedColorType::Rgb8).map_err(|_| DropReason::BadImage)?;
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = RgbaImage::from_pixel(w, h, Rgba([255, 255, 255, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn paints_padded_and_clipped() {
        let out = paint_frame(&png(20, 20), "frames/a.png", &[Rect([15, 15, 10, 10])], [0, 0, 0], 2, 1 << 20).unwrap();
        let img = image::load_from_memory(&out).unwrap().into_rgba8();
        assert_eq!(img.get_pixel(13, 13).0, [0, 0, 0, 255]);
        assert_eq!(img.get_pixel(19, 19).0, [0, 0, 0, 255]);
        assert_eq!(img.get_pixel(12, 12).0, [255, 255, 255, 255]);
    }

    #[test]
    fn garbage_and_huge_images_are_drops() {
        assert_eq!(paint_frame(b"not an image", "frames/a.png", &[], [0; 3], 0, 1 << 20), Err(DropReason::BadImage));
        assert_eq!(paint_frame(&png(100, 100), "frames/a.png", &[], [0; 3], 0, 100), Err(DropReason::ImageTooLarge));
        let jpg = paint_frame(&png(8, 8), "frames/a.jpg", &[], [0; 3], 0, 1 << 20).unwrap();
        assert_eq!(image::guess_format(&jpg).unwrap(), ImageFormat::Jpeg);
    }

    #[test]
    fn metadata_does_not_survive_re_encoding() {
        // A JPEG carrying an EXIF segment (APP1) with a GPS-like payload.
        let img = RgbaImage::from_pixel(16, 16, Rgba([200, 10, 10, 255]));
        let mut jpg = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgba8(img).into_rgb8().write_to(&mut jpg, ImageFormat::Jpeg).unwrap();
        let jpg = jpg.into_inner();
        let payload = b"Exif\0\0GPS 48.8584N 2.2945E secret-serial-123";
        let mut with_exif = jpg[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1]);
        with_exif.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&jpg[2..]);
        for path in ["frames/a.jpg", "frames/a.png"] {
            let out = paint_frame(&with_exif, path, &[], [0; 3], 0, 1 << 20).unwrap();
            assert!(!out.windows(6).any(|w| w == b"secret"), "{path}: metadata survived");
            assert!(!out.windows(4).any(|w| w == b"Exif"), "{path}: EXIF survived");
        }
    }

    #[test]
    fn pixelate_and_blur_destroy_detail() {
        // A checkerboard: every mode leaves no 1-px alternation inside the box.
        let mut img = RgbaImage::from_fn(64, 64, |x, y| if (x + y) % 2 == 0 { Rgba([0, 0, 0, 255]) } else { Rgba([255, 255, 255, 255]) });
        let before = img.clone();
        for mode in [PaintMode::Pixelate, PaintMode::Blur] {
            let mut m = img.clone();
            paint(&mut m, &Rect([8, 8, 32, 32]), 0, mode, [0; 3]);
            let flips = (8..39).filter(|&x| m.get_pixel(x, 20).0[0].abs_diff(m.get_pixel(x + 1, 20).0[0]) > 100).count();
            assert!(flips < 4, "{mode:?} left {flips} sharp edges");
            assert_eq!(m.get_pixel(60, 60), before.get_pixel(60, 60), "outside the box untouched");
        }
        paint(&mut img, &Rect([8, 8, 32, 32]), 0, PaintMode::Fill, [9, 9, 9]);
        assert_eq!(img.get_pixel(20, 20).0, [9, 9, 9, 255]);
    }
}
