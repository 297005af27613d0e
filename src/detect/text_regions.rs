//! Text regions, OCR-free: PP-OCRv4 detection (`models/text_det.onnx`, from the
//! `rapidocr-onnxruntime` wheel, Apache-2.0) with DB post-processing. Input: 1x3xHxW BGR,
//! `(x/255 - 0.5) / 0.5`; output: a text probability map. The map is thresholded (0.3),
//! dilated, split into connected components; a component whose mean probability reaches the
//! box threshold (0.5) becomes an axis-aligned box, grown by the DB unclip distance
//! (area x 1.6 / perimeter). Screen text is horizontal, so boxes need no rotation.

use std::path::Path;

use image::RgbaImage;

use super::image::{bgr_tensor, input_size, ImageDetector, Region};
use crate::capture::Rect;
use crate::runtime::{self, ModelError};

/// Model input pixels past which an area runs on the whole-frame session (a 640x400 input:
/// ~1/4 of the whole pass's memory).
const NEAR_MAX_PIXELS: u32 = 640 * 400;

pub struct TextRegionDetector {
    /// The whole-frame pass (frames with no UI tree): one session with all the model's threads
    /// (every core, up to four sessions' worth: `runtime::pool_shape`), the only
    /// one that holds that pass's memory (~190 MiB of ONNX Runtime arena at 1280 px: a pool
    /// of sessions taking turns at it would each keep as much).
    whole: runtime::Pool,
    /// Areas (unvouched ink, masked windows) up to [`NEAR_MAX_PIXELS`]: single-threaded
    /// sessions side by side (see `runtime::pool_shape`).
    near: runtime::Pool,
    pub max_side: u32,
    pub db: DbParams,
}

/// DB post-processing parameters (PaddleOCR's defaults).
#[derive(Debug, Clone, Copy)]
pub struct DbParams {
    pub threshold: f32,
    pub box_threshold: f32,
    pub unclip_ratio: f32,
}

impl Default for DbParams {
    fn default() -> Self {
        DbParams { threshold: 0.3, box_threshold: 0.5, unclip_ratio: 1.6 }
    }
}

impl TextRegionDetector {
    pub fn load(path: &Path, pool: usize, threads: usize, max_side: u32) -> Result<Self, ModelError> {
        let (whole, near) = runtime::Pool::whole_and_near(path, pool, threads)?;
        let d = TextRegionDetector { whole, near, max_side, db: DbParams::default() };
        // The first run allocates and plans: pay it at load, not on the first frame.
        d.run(&d.whole, &RgbaImage::new(64, 64), 64)?;
        d.run(&d.near, &RgbaImage::new(64, 64), 64)?;
        Ok(d)
    }
}

impl TextRegionDetector {
    /// Text regions inside `areas` only, at the pixel density the whole frame would get at
    /// `max_side` (so small text in a small area is seen as well as in a whole-frame pass).
    pub fn detect_areas(&self, img: &RgbaImage, areas: &[Rect]) -> Result<Vec<Region>, ModelError> {
        let scale = (self.max_side as f32 / img.width().max(img.height()) as f32).min(1.0);
        let mut out = Vec::new();
        for a in areas {
            let (x0, y0) = (a.x().clamp(0, img.width() as i64) as u32, a.y().clamp(0, img.height() as i64) as u32);
            let (x1, y1) = ((a.x() + a.w()).clamp(0, img.width() as i64) as u32, (a.y() + a.h()).clamp(0, img.height() as i64) as u32);
            if x1 <= x0 + 8 || y1 <= y0 + 8 {
                continue;
            }
            let crop = image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image();
            let side = (((x1 - x0).max(y1 - y0)) as f32 * scale).ceil() as u32;
            // A large area (a remote-desktop pane, a masked window) runs where the whole-frame
            // pass does, so that one session alone keeps a large run's memory.
            let (w, h) = input_size(crop.width(), crop.height(), side.max(32));
            let sessions = if w * h > NEAR_MAX_PIXELS { &self.whole } else { &self.near };
            for r in self.run(sessions, &crop, side.max(32))? {
                let shift = |r: Rect| Rect([r.x() + x0 as i64, r.y() + y0 as i64, r.w(), r.h()]);
                out.push(Region { rect: shift(r.rect), core: shift(r.core), score: r.score });
            }
        }
        Ok(out)
    }

    fn run(&self, sessions: &runtime::Pool, img: &RgbaImage, max_side: u32) -> Result<Vec<Region>, ModelError> {
        let (w, h) = input_size(img.width(), img.height(), max_side);
        let input = bgr_tensor(img, w, h, |_, v| (v as f32 / 255.0 - 0.5) / 0.5);
        let tensor = ort::value::Tensor::from_array(input).map_err(|e| ModelError::Run(e.to_string()))?;
        let mut session = sessions.get()?;
        let out = session.run(ort::inputs![tensor]).map_err(|e| ModelError::Run(e.to_string()))?;
        let (_, prob) = out[0].try_extract_tensor::<f32>().map_err(|e| ModelError::Run(e.to_string()))?;
        if prob.len() != (w * h) as usize {
            return Err(ModelError::Run("the text model's map does not match its input size".into()));
        }
        // Read where the session left it (no copy of the map); the session is busy ~1 ms longer.
        // A panic in the post-processing (none is known) must not unwind through the session's
        // lock: that would poison it and retire the session for the rest of the process. It is
        // this frame's model failure instead (the frame is dropped, fail closed).
        let (sx, sy) = (img.width() as f32 / w as f32, img.height() as f32 / h as f32);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| boxes_from_map(prob, w, h, &self.db, sx, sy)))
            .map_err(|_| ModelError::Run("the text map's post-processing failed".into()))
    }
}

impl ImageDetector for TextRegionDetector {
    /// Text regions in the whole frame, at `max_side`.
    fn detect(&self, img: &RgbaImage) -> Result<Vec<Region>, ModelError> {
        self.run(&self.whole, img, self.max_side)
    }
}

/// DB post-processing of a probability map (row-major, `w` x `h`) into boxes in image pixels.
fn boxes_from_map(prob: &[f32], w: u32, h: u32, d: &DbParams, sx: f32, sy: f32) -> Vec<Region> {
    let mut out = Vec::new();
    for c in components(prob, w as usize, h as usize, d.threshold) {
        let (x0, y0, x1, y1) = (c.x0 as u32, c.y0 as u32, c.x1 as u32, c.y1 as u32);
        let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        let score = c.sum / c.n as f32;
        if score < d.box_threshold || bw.min(bh) < 2.0 {
            continue;
        }
        let dist = bw * bh * d.unclip_ratio / (2.0 * (bw + bh));
        let (fx0, fy0) = ((x0 as f32 - dist).max(0.0), (y0 as f32 - dist).max(0.0));
        let (fx1, fy1) = ((x1 as f32 + 1.0 + dist).min(w as f32), (y1 as f32 + 1.0 + dist).min(h as f32));
        out.push(Region {
            rect: Rect([(fx0 * sx).floor() as i64, (fy0 * sy).floor() as i64, ((fx1 - fx0) * sx).ceil() as i64, ((fy1 - fy0) * sy).ceil() as i64]),
            core: Rect([(x0 as f32 * sx) as i64, (y0 as f32 * sy) as i64, (bw * sx).ceil() as i64, (bh * sy).ceil() as i64]),
            score,
        });
    }
    out
}

/// A connected component of the binarised, dilated map: its bounding box (inclusive), the
/// sum of the probabilities under it and its pixel count.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Component {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
    sum: f32,
    n: u32,
}

/// The 8-connected components of the map thresholded at `threshold` and dilated by a 2x2
/// kernel (DB's `use_dilation`: a pixel is set when it or its left, upper or upper-left
/// neighbour is over the threshold), in the raster order of their first pixels, each pixel's
/// probability summed in raster order (what `imageproc`'s per-pixel labelling gives, tested
/// against it). Works on the set pixels' runs, row by row, with a union-find over runs: a
/// frame's map is ~1 M pixels of which text sets a few percent, and a forest over every pixel
/// is ~15 MB written per call.
fn components(prob: &[f32], w: usize, h: usize, threshold: f32) -> Vec<Component> {
    // Runs of set pixels per row: (row, x start, x end exclusive).
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut row_first = Vec::with_capacity(h + 1);
    // Each pixel is compared with the threshold once: `above` holds the previous row's
    // answers, `col` whether a pixel or the one above it is over.
    let (mut above, mut col) = (vec![false; w], vec![false; w]);
    for y in 0..h {
        row_first.push(runs.len());
        for ((c, a), p) in col.iter_mut().zip(above.iter_mut()).zip(&prob[y * w..(y + 1) * w]) {
            let over = *p > threshold;
            *c = over || *a;
            *a = over;
        }
        let set = |x: usize| col[x] || (x > 0 && col[x - 1]);
        let mut x = 0;
        while x < w {
            if set(x) {
                let s = x;
                while x < w && set(x) {
                    x += 1;
                }
                runs.push((y, s, x));
            } else {
                x += 1;
            }
        }
    }
    row_first.push(runs.len());
    // Union-find over runs: a run joins every run of the row above that touches it
    // diagonally or directly (8-connectivity: x ranges overlapping when grown by one).
    let mut parent: Vec<usize> = (0..runs.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for y in 1..h {
        let (above, here) = (row_first[y - 1]..row_first[y], row_first[y]..row_first[y + 1]);
        let mut j = above.start;
        for i in here {
            let (_, s, e) = runs[i];
            while j < above.end && runs[j].2 < s {
                j += 1; // ends before this run's left neighbour column
            }
            let mut k = j;
            while k < above.end && runs[k].1 <= e {
                let (a, b) = (root(&mut parent, i), root(&mut parent, k));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
                k += 1;
            }
        }
    }
    // Components numbered by their first run in raster order; sums in raster order.
    let mut index = vec![usize::MAX; runs.len()];
    let mut out: Vec<Component> = Vec::new();
    for (i, &(y, s, e)) in runs.iter().enumerate() {
        let r = root(&mut parent, i);
        if index[r] == usize::MAX {
            index[r] = out.len();
            out.push(Component { x0: usize::MAX, y0: usize::MAX, x1: 0, y1: 0, sum: 0.0, n: 0 });
        }
        let c = &mut out[index[r]];
        (c.x0, c.y0, c.x1, c.y1) = (c.x0.min(s), c.y0.min(y), c.x1.max(e - 1), c.y1.max(y));
        c.n += (e - s) as u32;
    }
    // Sums pixel by pixel in raster order, as one pass over the map would add them.
    for (i, &(y, s, e)) in runs.iter().enumerate() {
        let c = &mut out[index[root(&mut parent, i)]];
        for v in &prob[y * w + s..y * w + e] {
            c.sum += v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labelling as one pass over every pixel with `imageproc` gives it: binarise, dilate
    /// 2x2, label 8-connected, then per label (in label order) box, sum and count.
    fn components_by_pixels(prob: &[f32], w: u32, h: u32, threshold: f32) -> Vec<Component> {
        use image::{GrayImage, Luma};
        use imageproc::region_labelling::{connected_components, Connectivity};
        let mut bin = GrayImage::new(w, h);
        for y in 0..h {
            for x in 0..w {
                if prob[(y * w + x) as usize] > threshold {
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        if x + dx < w && y + dy < h {
                            bin.put_pixel(x + dx, y + dy, Luma([255]));
                        }
                    }
                }
            }
        }
        let labels = connected_components(&bin, Connectivity::Eight, Luma([0u8]));
        let mut comps: Vec<Component> = Vec::new();
        for (x, y, l) in labels.enumerate_pixels() {
            let l = l[0] as usize;
            if l == 0 {
                continue;
            }
            if comps.len() < l {
                comps.resize(l, Component { x0: usize::MAX, y0: usize::MAX, x1: 0, y1: 0, sum: 0.0, n: 0 });
            }
            let c = &mut comps[l - 1];
            let (x, y) = (x as usize, y as usize);
            (c.x0, c.y0, c.x1, c.y1) = (c.x0.min(x), c.y0.min(y), c.x1.max(x), c.y1.max(y));
            c.sum += prob[y * w as usize + x];
            c.n += 1;
        }
        comps
    }

    /// Random maps of blobs, noise, stripes, rings (a component reaching back up and left),
    /// diagonals (touching only at corners) and edges: the run labelling equals the per-pixel
    /// one, component for component, sums bit for bit.
    #[test]
    fn run_labelling_equals_pixel_labelling() {
        let mut next = crate::screenshot::xorshift32(11);
        let mut unit = move || (next() % 1_000_000) as f32 / 1_000_000.0;
        for case in 0..400u32 {
            // At least 2x2 (imageproc's labelling panics on a 1x1 image; the model's maps are 32x32 at least).
            let (w, h) = (2 + (case * 7919) % 97, 2 + (case * 104_729) % 61);
            let mut prob = vec![0.0f32; (w * h) as usize];
            match case % 5 {
                0 => prob.iter_mut().for_each(|p| *p = unit()),
                1 => prob.iter_mut().for_each(|p| *p = if unit() < 0.08 { 0.3 + 0.7 * unit() } else { 0.29 * unit() }),
                2 => {
                    for y in 0..h {
                        for x in 0..w {
                            let d = ((x as f32 - w as f32 / 2.0).powi(2) + (y as f32 - h as f32 / 2.0).powi(2)).sqrt();
                            prob[(y * w + x) as usize] = if (d as u32) % 6 < 2 { 0.9 * unit() + 0.1 } else { 0.0 };
                        }
                    }
                }
                3 => {
                    for y in 0..h {
                        for x in 0..w {
                            prob[(y * w + x) as usize] = if (x + y) % 5 == 0 || (x + 2 * y) % 11 == 0 { 0.5 + 0.5 * unit() } else { 0.1 };
                        }
                    }
                }
                _ => {
                    for y in 0..h {
                        for x in 0..w {
                            prob[(y * w + x) as usize] = if x == 0 || y == 0 || x + 1 == w || y + 1 == h || y % 4 == 0 && x % 3 != 0 { 0.31 } else { 0.3 };
                        }
                    }
                }
            }
            assert_eq!(components(&prob, w as usize, h as usize, 0.3), components_by_pixels(&prob, w, h, 0.3), "case {case}: {w}x{h}");
        }
        assert!(components(&[], 0, 0, 0.3).is_empty());
        assert_eq!(components(&[0.9], 1, 1, 0.3).len(), 1);
    }

    #[test]
    fn db_postprocess_finds_and_unclips_blobs() {
        let (w, h) = (64u32, 32u32);
        let mut prob = vec![0.0f32; (w * h) as usize];
        // A confident text blob 20x4 at (10, 10), and a faint one under the box threshold.
        for y in 10..14 {
            for x in 10..30 {
                prob[(y * w + x) as usize] = 0.9;
            }
            for x in 40..50 {
                prob[(y * w + x) as usize] = 0.35;
            }
        }
        let boxes = boxes_from_map(&prob, w, h, &DbParams::default(), 2.0, 2.0);
        assert_eq!(boxes.len(), 1, "{boxes:?}");
        let r = boxes[0].rect;
        // Covers the blob (scaled x2) with a margin on every side.
        assert!(r.x() < 20 && r.y() < 20 && r.x() + r.w() > 62 && r.y() + r.h() > 30, "{r:?}");
    }
}
