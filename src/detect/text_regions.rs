//! Text regions, OCR-free: PP-OCRv4 detection (`models/text_det.onnx`, from the
//! `rapidocr-onnxruntime` wheel, Apache-2.0) with DB post-processing. Input: 1x3xHxW BGR,
//! `(x/255 - 0.5) / 0.5`; output: a text probability map. The map is thresholded (0.3),
//! dilated, split into connected components; a component whose mean probability reaches the
//! box threshold (0.5) becomes an axis-aligned box, grown by the DB unclip distance
//! (area x 1.6 / perimeter). Screen text is horizontal, so boxes need no rotation.

use std::path::Path;

use image::{GrayImage, Luma, RgbaImage};
use imageproc::region_labelling::{connected_components, Connectivity};

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
        let prob: Vec<f32> = {
            let mut session = sessions.get()?;
            let out = session.run(ort::inputs![tensor]).map_err(|e| ModelError::Run(e.to_string()))?;
            let (_, d) = out[0].try_extract_tensor::<f32>().map_err(|e| ModelError::Run(e.to_string()))?;
            d.to_vec()
        };
        Ok(boxes_from_map(&prob, w, h, &self.db, img.width() as f32 / w as f32, img.height() as f32 / h as f32))
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
    // Binarise, then dilate by a 2x2 kernel (as DB's use_dilation).
    let mut bin = GrayImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            if prob[(y * w + x) as usize] > d.threshold {
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    if x + dx < w && y + dy < h {
                        bin.put_pixel(x + dx, y + dy, Luma([255]));
                    }
                }
            }
        }
    }
    let labels = connected_components(&bin, Connectivity::Eight, Luma([0u8]));
    // Per component: bounding box, probability sum, pixel count.
    let mut comps: Vec<(u32, u32, u32, u32, f32, u32)> = Vec::new();
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l[0] as usize;
        if l == 0 {
            continue;
        }
        if comps.len() < l {
            comps.resize(l, (u32::MAX, u32::MAX, 0, 0, 0.0, 0));
        }
        let c = &mut comps[l - 1];
        c.0 = c.0.min(x);
        c.1 = c.1.min(y);
        c.2 = c.2.max(x);
        c.3 = c.3.max(y);
        c.4 += prob[(y * w + x) as usize];
        c.5 += 1;
    }
    let mut out = Vec::new();
    for (x0, y0, x1, y1, sum, n) in comps {
        if n == 0 {
            continue;
        }
        let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        let score = sum / n as f32;
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

#[cfg(test)]
mod tests {
    use super::*;

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
