//! Image detectors: the seam for pixel modalities (faces, text regions), and the shared
//! pre-processing (resize to a multiple of 32 under a long-side cap, NCHW tensors).

use image::RgbaImage;

use crate::capture::Rect;
use crate::runtime::ModelError;

/// A region found in an image, in that image's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub rect: Rect,
    pub score: f32,
}

/// Finds regions (faces, text) in a frame. Loaded once, shared across threads.
pub trait ImageDetector: Send + Sync {
    fn detect(&self, img: &RgbaImage) -> Result<Vec<Region>, ModelError>;
}

/// The network input size for an image: long side at most `max_side` (never upscaled),
/// both sides rounded to multiples of 32 (at least 32).
pub fn input_size(w: u32, h: u32, max_side: u32) -> (u32, u32) {
    let ratio = (max_side as f64 / w.max(h) as f64).min(1.0);
    let r32 = |v: u32| (((v as f64 * ratio) / 32.0).round() as u32).max(1) * 32;
    (r32(w), r32(h))
}

/// Resizes to `(w, h)` and lays the pixels out as a 1x3xHxW BGR tensor, each value mapped by
/// `f` (per channel index in B, G, R order).
pub fn bgr_tensor(img: &RgbaImage, w: u32, h: u32, f: impl Fn(usize, u8) -> f32) -> ndarray::Array4<f32> {
    let small = if (img.width(), img.height()) == (w, h) { img.clone() } else { image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle) };
    let mut t = ndarray::Array4::<f32>::zeros((1, 3, h as usize, w as usize));
    for (x, y, p) in small.enumerate_pixels() {
        let (x, y) = (x as usize, y as usize);
        t[[0, 0, y, x]] = f(0, p[2]);
        t[[0, 1, y, x]] = f(1, p[1]);
        t[[0, 2, y, x]] = f(2, p[0]);
    }
    t
}

/// Greedy non-maximum suppression (IoU above `iou` suppressed), highest score first.
pub fn nms(mut v: Vec<Region>, iou: f32) -> Vec<Region> {
    v.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut keep: Vec<Region> = Vec::new();
    for r in v {
        if keep.iter().all(|k| iou_of(&k.rect, &r.rect) <= iou) {
            keep.push(r);
        }
    }
    keep
}

pub fn iou_of(a: &Rect, b: &Rect) -> f32 {
    let inter = intersection(a, b) as f32;
    let union = (a.w() * a.h() + b.w() * b.h()) as f32 - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

pub fn intersection(a: &Rect, b: &Rect) -> i64 {
    let x0 = a.x().max(b.x());
    let y0 = a.y().max(b.y());
    let x1 = (a.x() + a.w()).min(b.x() + b.w());
    let y1 = (a.y() + a.h()).min(b.y() + b.h());
    (x1 - x0).max(0) * (y1 - y0).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_to_32_and_never_upscale() {
        assert_eq!(input_size(1920, 1080, 960), (960, 544));
        assert_eq!(input_size(1920, 1080, 640), (640, 352));
        assert_eq!(input_size(100, 50, 960), (96, 64));
        assert_eq!(input_size(10, 10, 960), (32, 32));
    }

    #[test]
    fn nms_keeps_the_best_of_overlaps() {
        let r = |x, s| Region { rect: Rect([x, 0, 10, 10]), score: s };
        let kept = nms(vec![r(0, 0.5), r(1, 0.9), r(50, 0.3)], 0.3);
        assert_eq!(kept, vec![r(1, 0.9), r(50, 0.3)]);
    }
}
