//! Image detectors: the seam for pixel modalities (faces, text regions), and the shared
//! pre-processing (resize to a multiple of 32 under a long-side cap, NCHW tensors).

use image::RgbaImage;

use crate::capture::Rect;
use crate::runtime::ModelError;

/// A region found in an image, in that image's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    /// What to paint (for text: grown by the DB unclip margin).
    pub rect: Rect,
    /// What was actually detected (for text: before the margin); used to ask whether UI
    /// nodes vouch for it.
    pub core: Rect,
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
/// `f` (per channel index in B, G, R order). A shrink samples the frame straight into the
/// planes (the values [`downscale`] then the mapping would give, without the intermediate
/// image: a whole 1080p frame's text input is ~4 MB of pixels not written and read again).
pub fn bgr_tensor(img: &RgbaImage, w: u32, h: u32, f: impl Fn(usize, u8) -> f32) -> ndarray::Array4<f32> {
    // Lookup tables: one per channel, 256 entries.
    let lut: [[f32; 256]; 3] = std::array::from_fn(|c| std::array::from_fn(|v| f(c, v as u8)));
    let plane = (w * h) as usize;
    let mut data = vec![0f32; 3 * plane];
    let (b, rest) = data.split_at_mut(plane);
    let (g, r) = rest.split_at_mut(plane);
    if (img.width(), img.height()) != (w, h) && w <= img.width() && h <= img.height() {
        let grid = Grid::new(img, w, h);
        let src = img.as_raw();
        for y in 0..h as usize {
            let rows = grid.rows(y);
            let row = y * w as usize;
            for (x, &cols) in grid.cols.iter().enumerate() {
                let at = |c: usize| Grid::average(src, rows, cols, c) as usize;
                b[row + x] = lut[0][at(2)];
                g[row + x] = lut[1][at(1)];
                r[row + x] = lut[2][at(0)];
            }
        }
    } else {
        let src = resized(img, w, h);
        for (i, px) in src.as_raw().chunks_exact(4).enumerate() {
            b[i] = lut[0][px[2] as usize];
            g[i] = lut[1][px[1] as usize];
            r[i] = lut[2][px[0] as usize];
        }
    }
    ndarray::Array4::from_shape_vec((1, 3, h as usize, w as usize), data).expect("shape matches length")
}

/// The image at `(w, h)`: itself, or [`downscale`]d, or (any side growing) resampled.
pub fn resized(img: &RgbaImage, w: u32, h: u32) -> std::borrow::Cow<'_, RgbaImage> {
    if (img.width(), img.height()) == (w, h) {
        std::borrow::Cow::Borrowed(img)
    } else if w <= img.width() && h <= img.height() {
        std::borrow::Cow::Owned(downscale(img, w, h))
    } else {
        std::borrow::Cow::Owned(image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle))
    }
}

/// Where [`downscale`] samples a `w` x `h` output: for each output column two source byte
/// offsets, for each output row two source row offsets (a 2x2 grid over its footprint).
struct Grid {
    cols: Vec<[usize; 2]>,
    fy: f32,
    height: usize,
    stride: usize,
}

impl Grid {
    fn new(img: &RgbaImage, w: u32, h: u32) -> Grid {
        let (fx, fy) = (img.width() as f32 / w as f32, img.height() as f32 / h as f32);
        let col = |x: u32, q: f32| (((x as f32 + q) * fx) as usize).min(img.width() as usize - 1) * 4;
        Grid { cols: (0..w).map(|x| [col(x, 0.25), col(x, 0.75)]).collect(), fy, height: img.height() as usize, stride: img.width() as usize * 4 }
    }

    fn rows(&self, y: usize) -> (usize, usize) {
        let row = |q: f32| (((y as f32 + q) * self.fy) as usize).min(self.height - 1) * self.stride;
        (row(0.25), row(0.75))
    }

    /// Channel `c` of one output pixel: the rounded mean of its four samples.
    fn average(src: &[u8], (r0, r1): (usize, usize), [c0, c1]: [usize; 2], c: usize) -> u8 {
        let sum = src[r0 + c0 + c] as u32 + src[r0 + c1 + c] as u32 + src[r1 + c0 + c] as u32 + src[r1 + c1 + c] as u32;
        ((sum + 2) / 4) as u8
    }
}

/// A fast downscale for detector inputs: each output pixel averages four source samples
/// spread over its footprint (a 2x2 grid), which keeps thin strokes visible at a fraction of
/// a filtered resize's cost.
pub fn downscale(img: &RgbaImage, w: u32, h: u32) -> RgbaImage {
    let grid = Grid::new(img, w, h);
    let src = img.as_raw();
    let mut out = RgbaImage::new(w, h);
    for (y, row) in out.as_mut().chunks_exact_mut(w as usize * 4).enumerate() {
        let rows = grid.rows(y);
        for (px, &cols) in row.chunks_exact_mut(4).zip(&grid.cols) {
            for (c, v) in px.iter_mut().enumerate() {
                *v = Grid::average(src, rows, cols, c);
            }
        }
    }
    out
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
    fn tensor_is_planar_bgr() {
        let img = RgbaImage::from_fn(2, 1, |x, _| if x == 0 { image::Rgba([10, 20, 30, 255]) } else { image::Rgba([40, 50, 60, 255]) });
        let t = bgr_tensor(&img, 2, 1, |_, v| v as f32);
        assert_eq!(t.shape(), &[1, 3, 1, 2]);
        assert_eq!(t.iter().copied().collect::<Vec<_>>(), vec![30.0, 60.0, 20.0, 50.0, 10.0, 40.0]);
    }

    /// A shrink samples straight into the tensor: the values must be those of [`downscale`]
    /// then the mapping, on odd sizes and ratios too.
    #[test]
    fn a_shrunk_tensor_equals_the_downscaled_image_mapped() {
        let mut next = crate::screenshot::xorshift32(7);
        for &(sw, sh, w, h) in &[(1920, 1080, 1280, 736), (1366, 768, 1280, 704), (333, 97, 64, 32), (40, 40, 32, 32), (1000, 33, 992, 32), (7, 300, 1, 288)] {
            let img = RgbaImage::from_fn(sw, sh, |_, _| {
                let v = next();
                image::Rgba([v as u8, (v >> 8) as u8, (v >> 16) as u8, (v >> 24) as u8])
            });
            let map = |c: usize, v: u8| v as f32 * 0.5 + c as f32 * 1000.0;
            let fused = bgr_tensor(&img, w, h, map);
            let small = downscale(&img, w, h);
            let plain = bgr_tensor(&small, w, h, map);
            assert_eq!(fused, plain, "{sw}x{sh} -> {w}x{h}");
        }
    }

    #[test]
    fn nms_keeps_the_best_of_overlaps() {
        let r = |x, s| Region { rect: Rect([x, 0, 10, 10]), core: Rect([x, 0, 10, 10]), score: s };
        let kept = nms(vec![r(0, 0.5), r(1, 0.9), r(50, 0.3)], 0.3);
        assert_eq!(kept, vec![r(1, 0.9), r(50, 0.3)]);
    }
}
