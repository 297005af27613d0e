//! The image models over one frame, and the rule of which text they may leave: faces (the
//! whole frame, plus picture nodes and picture-like regions searched up close) and text regions that no checked UI
//! node vouches for. One rule, used twice: by the screenshot path to decide what to paint, and
//! by [`crate::verify`] to re-scan a frame that is about to leave.
//!
//! It must never let a picture node or an empty node vouch for pixels (an alt text says
//! nothing of the text drawn inside a picture), nor a window-sized container (see
//! [`localize::coverage`]).

use std::sync::Arc;
use std::time::Instant;

use image::RgbaImage;
use rayon::prelude::*;

use super::face_reuse::{self, FaceMemo};
use super::reuse::Plan;
use super::{localize, pictures};
use crate::capture::{Node, Rect, WindowRef};
use crate::detect::faces::FaceDetector;
use crate::detect::image::{input_size, intersection, ImageDetector, Region};
use crate::pipeline::{ms, Engine};
use crate::runtime::ModelError;

/// A node that shows a picture (avatar, photo): where small faces hide, and whose text
/// vouches for nothing.
pub fn is_picture(n: &Node) -> bool {
    n.role.as_deref().is_some_and(|r| {
        let r = r.to_ascii_lowercase();
        ["image", "img", "avatar", "picture", "photo", "figure", "icon"].iter().any(|k| r.contains(k))
    })
}

/// Does a box holding `text` vouch for the pixels under it? Only when its text was read (not
/// empty) and its node is not a picture ([`is_picture`]).
pub fn vouches(picture: bool, text: &str) -> bool {
    !picture && !text.trim().is_empty()
}

/// The boxes a node vouches for as it stands: each non-empty line, or the node's box when it
/// has no lines.
pub fn vouchers_of(node: &Node) -> Vec<Rect> {
    let picture = is_picture(node);
    match &node.lines {
        Some(lines) => lines.iter().filter(|l| vouches(picture, &l.text)).map(|l| l.bounds).collect(),
        None if vouches(picture, &node.text) => vec![node.bounds],
        None => Vec::new(),
    }
}

/// What the models need to know of a frame's layout.
pub(crate) struct Layout<'a> {
    /// Visible windows, topmost first, and whether each is in scope.
    pub windows: &'a [WindowRef],
    pub in_scope: &'a [bool],
    /// The frame's nodes (picture nodes are searched up close for faces).
    pub nodes: &'a [Node],
    /// Boxes whose text was read and checked.
    pub vouchers: &'a [Rect],
}

/// What the models found that must not leave unpainted.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub faces: Vec<Region>,
    /// Text regions no checked node vouches for (or inside a window whose app masks all
    /// text), outside out-of-scope windows.
    pub text_regions: Vec<Region>,
    pub faces_ms: f64,
    pub text_ms: f64,
}

/// The models' raw results over a frame, by where they looked: what temporal reuse
/// ([`super::reuse`]) keeps from one frame to the next. Each up-close area's result depends only
/// on the area's box and the pixels its crop reads, so it is kept exactly when both are
/// unchanged.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parts {
    /// The whole-frame face pass (nothing with faces off).
    pub whole: Whole,
    /// Everything else.
    pub areas: Areas,
}

/// A scan's results but the whole-frame face pass ([`Engine::scan_areas`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Areas {
    /// Areas searched up close for faces (picture nodes, picture-like regions), each with
    /// what was found in it.
    pub face_areas: Vec<(Rect, Vec<Region>)>,
    /// Areas the text model ran over (unvouched ink, masked windows; or the whole frame with
    /// no UI tree), each with its regions before the vouching rule.
    pub text_areas: Vec<(Rect, Vec<Region>)>,
    /// Which 8 px cells looked picture-like ([`pictures::cells`]; a bit per cell, nothing of
    /// the pixels): kept for the unchanged tiles of the next frame.
    pub picture_cells: Vec<bool>,
    /// The face and text model calls' own milliseconds, summed over the calls (they run side
    /// by side).
    pub faces_ms: f64,
    pub text_ms: f64,
}

/// The whole-frame face pass's outcome ([`Engine::whole_faces`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Whole {
    /// Its faces (on a reusing frame with no change: the previous ones; with any change the
    /// pass runs again, its head over the change alone: [`face_reuse`]).
    pub faces: Vec<Region>,
    /// Its milliseconds.
    pub ms: f64,
    /// What it keeps for the next frame of a stream.
    pub memo: Option<Arc<FaceMemo>>,
}

impl Parts {
    /// A scan's parts from the whole-frame face pass ([`Engine::whole_faces`]) and the rest.
    pub(crate) fn assemble(whole: Option<Whole>, areas: Areas) -> Parts {
        Parts { whole: whole.unwrap_or_default(), areas }
    }
}

impl Engine {
    /// Runs the engine's face and text-region models (those the policy switches on) over a
    /// frame, flattened to opaque RGB already: everything, from scratch.
    pub(crate) fn scan_frame(&self, img: &RgbaImage, l: &Layout) -> Result<Scan, ModelError> {
        let parts = self.scan_parts(img, l, &Plan::Full)?;
        Ok(self.finish_scan(&parts, l))
    }

    /// The models' raw results over a frame; with [`Plan::Reuse`], the previous frame's where
    /// their pixels are unchanged, the models run again only over the change (see
    /// [`super::reuse`]).
    pub(crate) fn scan_parts(&self, img: &RgbaImage, l: &Layout, plan: &Plan) -> Result<Parts, ModelError> {
        let (whole, areas) = rayon::join(|| self.whole_faces(img, plan, None, false), || self.scan_areas(img, l, plan));
        Ok(Parts::assemble(whole?, areas?))
    }

    /// The whole-frame face pass (`None` with faces off), and the milliseconds it took: with
    /// [`Plan::Reuse`] and no tile changed, the previous frame's result (it saw these very
    /// pixels); on any change it runs again over the whole frame, its head (with `memo`, the
    /// stream's last frame's pass) over the change alone, computing what a whole pass does
    /// ([`face_reuse`]). Over the change alone, the whole model would not: a face bigger than
    /// a margin and uncovered in part (a tooltip closing over a photo) would be seen cut or not
    /// at all, and a face near the change can score differently in a different crop.
    ///
    /// `keep`: whether the pass's memo will be kept for a next frame (a stream that may keep
    /// it; `memo` is only ever given then); without, a cold frame runs the plain whole-frame
    /// pass (the same computation, the frame sampled straight into the model's input) and
    /// hashes nothing.
    pub(crate) fn whole_faces(&self, img: &RgbaImage, plan: &Plan, memo: Option<&FaceMemo>, keep: bool) -> Result<Option<Whole>, ModelError> {
        let Some(fd) = &self.faces else { return Ok(None) };
        match plan {
            Plan::Reuse { previous, dirty } if dirty.is_clean() => Ok(Some(Whole { ms: 0.0, ..previous.whole.clone() })),
            _ if !keep => {
                let t = Instant::now();
                let faces = fd.detect(img)?;
                Ok(Some(Whole { faces, ms: ms(t), memo: None }))
            }
            _ => {
                let t = Instant::now();
                let (faces, memo, _) = face_reuse::whole_faces(fd, img, memo)?;
                Ok(Some(Whole { faces, ms: ms(t), memo: memo.map(Arc::new) }))
            }
        }
    }

    /// Everything of a scan but the whole-frame face pass: faces up close in picture nodes and
    /// picture-like regions, and text regions in unvouched ink (or the whole frame), each area
    /// taken from the previous frame where nothing it reads changed, the rest model calls run
    /// side by side.
    pub(crate) fn scan_areas(&self, img: &RgbaImage, l: &Layout, plan: &Plan) -> Result<Areas, ModelError> {
        let reuse = match plan {
            Plan::Full => None,
            Plan::Reuse { previous, dirty } => Some((*previous, dirty)),
        };
        // A previous area's result, when the area is the same and no pixel it reads changed.
        let kept = |prev: &[(Rect, Vec<Region>)], area: &Rect, reads: &Rect| -> Option<Vec<Region>> {
            let (_, dirty) = reuse?;
            if dirty.touches(reads) {
                return None;
            }
            prev.iter().find(|(r, _)| r == area).map(|(_, found)| found.clone())
        };
        let mut calls: Vec<Call> = Vec::new();
        let mut face_areas: Vec<(Rect, Option<Vec<Region>>)> = Vec::new();
        let mut picture_cells = Vec::new();
        if self.faces.is_some() {
            // Small faces, searched up close: in the pictures the UI tree names (avatars,
            // photos), and in picture-like regions found without it (avatars drawn as
            // backgrounds, video tiles, photos on canvases and remote desktops).
            let mut areas: Vec<Rect> = l.nodes.iter().filter(|n| is_picture(n) && n.bounds.w().max(n.bounds.h()) <= 400).map(|n| n.bounds).collect();
            // Picture-like cells of unchanged tiles are the previous frame's.
            let cells = pictures::cells(img, reuse.map(|(prev, dirty)| (prev.areas.picture_cells.as_slice(), dirty)));
            for r in pictures::regions_in(img.width(), img.height(), &cells, 16, 24) {
                if !areas.iter().any(|a| intersection(a, &r) * 10 >= r.w() * r.h() * 8) {
                    areas.push(r);
                }
            }
            for a in areas {
                let found = reuse.and_then(|(prev, _)| kept(&prev.areas.face_areas, &a, &FaceDetector::near_crop(img, a, 4)));
                if found.is_none() {
                    calls.push(Call::FaceArea(face_areas.len(), a));
                }
                face_areas.push((a, found));
            }
            picture_cells = cells;
        }
        let mut text_areas: Vec<(Rect, Option<Vec<Region>>)> = Vec::new();
        if self.text_regions.is_some() {
            let whole = Rect([0, 0, img.width() as i64, img.height() as i64]);
            // With a UI tree, only where ink lies that no checked node vouches for; without,
            // the whole frame.
            let areas = if l.vouchers.is_empty() {
                vec![whole]
            } else {
                // Descenders and accents reach a little past a line's box.
                let text_vouchers: Vec<_> = l.vouchers.iter().filter(|v| v.h() <= 120).map(localize::ink_reach).collect();
                let mut areas = localize::unvouched_areas(img, &text_vouchers, 32, 6);
                // Windows whose app masks all text are searched whole, vouched or not.
                areas.extend(l.windows.iter().zip(l.in_scope).filter(|(w, ok)| **ok && self.policy.mask_all_text.matches(&w.app)).map(|(w, _)| w.bounds));
                areas
            };
            for a in areas {
                let found = reuse.and_then(|(prev, _)| kept(&prev.areas.text_areas, &a, &a));
                if found.is_none() {
                    calls.push(if l.vouchers.is_empty() { Call::TextWhole(text_areas.len()) } else { Call::TextArea(text_areas.len(), a) });
                }
                text_areas.push((a, found));
            }
        }
        // The calls side by side, each on a session of its own (single-threaded sessions on
        // small machines: see `runtime::pool_shape`), the longest first; results land in their
        // own slots, so the outcome does not depend on the order they finish in.
        calls.sort_by_key(|c| std::cmp::Reverse(self.weight(img, c)));
        let results: Vec<(Vec<Region>, f64)> = calls.par_iter().map(|c| self.call(img, c)).collect::<Result<_, _>>()?;
        let mut out = Areas { picture_cells, ..Areas::default() };
        for (c, (found, took)) in calls.into_iter().zip(results) {
            match c {
                Call::FaceArea(i, _) => {
                    face_areas[i].1 = Some(found);
                    out.faces_ms += took;
                }
                Call::TextWhole(i) | Call::TextArea(i, _) => {
                    text_areas[i].1 = Some(found);
                    out.text_ms += took;
                }
            }
        }
        // Every area either kept its previous result or was a call. One left without either
        // would be a bug here: the frame is dropped (a model failure), never left unsearched.
        let filled = |areas: Vec<(Rect, Option<Vec<Region>>)>| {
            areas.into_iter().map(|(a, f)| f.map(|f| (a, f)).ok_or_else(|| ModelError::Run("a frame area was left without a model result".into()))).collect::<Result<Vec<_>, _>>()
        };
        out.face_areas = filled(face_areas)?;
        out.text_areas = filled(text_areas)?;
        Ok(out)
    }

    /// Roughly how long a call runs: the pixels its model reads (after scaling).
    fn weight(&self, img: &RgbaImage, c: &Call) -> u64 {
        let pixels = |w: u32, h: u32, side: u32| {
            let (w, h) = input_size(w, h, side);
            w as u64 * h as u64
        };
        let tw = self.text_regions.as_ref().map_or(0, |t| t.max_side);
        match *c {
            Call::TextWhole(_) => pixels(img.width(), img.height(), tw),
            Call::FaceArea(_, a) => (FaceDetector::near_target(a) as u64).pow(2),
            Call::TextArea(_, a) => {
                let k = (tw as f64 / img.width().max(img.height()) as f64).min(1.0);
                (a.w().max(0) as f64 * k * a.h().max(0) as f64 * k) as u64
            }
        }
    }

    /// One model call of a scan, and the milliseconds it took.
    fn call(&self, img: &RgbaImage, c: &Call) -> Result<(Vec<Region>, f64), ModelError> {
        let t = Instant::now();
        let found = match (*c, &self.faces, &self.text_regions) {
            (Call::FaceArea(_, a), Some(fd), _) => fd.detect_in(img, a)?,
            (Call::TextWhole(_), _, Some(td)) => td.detect(img)?,
            (Call::TextArea(_, a), _, Some(td)) => td.detect_areas(img, &[a])?,
            // A call is only made for a model the engine has.
            _ => return Err(ModelError::Run("scan called a model the engine did not load".into())),
        };
        Ok((found, ms(t)))
    }
}

/// A model call of a scan's areas: faces up close in an area (with its index among the face
/// areas), or text regions in the whole frame or in an area.
#[derive(Debug, Clone, Copy)]
enum Call {
    FaceArea(usize, Rect),
    TextWhole(usize),
    TextArea(usize, Rect),
}

impl Engine {
    /// What must be painted of the models' results: faces (overlaps suppressed), and the text
    /// regions no checked node vouches for (or in a window whose app masks all text), outside
    /// out-of-scope windows.
    pub(crate) fn finish_scan(&self, parts: &Parts, l: &Layout) -> Scan {
        let sc = &self.policy.file.screenshots;
        let mut out = Scan { faces_ms: parts.areas.faces_ms + parts.whole.ms, text_ms: parts.areas.text_ms, ..Scan::default() };
        if self.faces.is_some() {
            let all = parts.whole.faces.iter().chain(parts.areas.face_areas.iter().flat_map(|(_, f)| f)).copied().collect();
            out.faces = crate::detect::image::nms(all, 0.3);
        }
        let mask_all = |app: &str| self.policy.mask_all_text.matches(app);
        let reach = |v: &Rect| if v.h() <= 120 { localize::ink_reach(v) } else { *v };
        for r in parts.areas.text_areas.iter().flat_map(|(_, found)| found) {
            let (cx, cy) = localize::centre(&r.core);
            let window = localize::window_at(l.windows, cx, cy);
            if window.is_some_and(|w| !l.in_scope[w]) {
                continue; // blanked whole already
            }
            let masked = window.is_some_and(|w| mask_all(&l.windows[w].app));
            if masked || localize::coverage_reaching(&r.core, l.vouchers, 8, reach) < sc.text_coverage {
                out.text_regions.push(*r);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Line;

    fn node(role: &str, text: &str, lines: Option<Vec<(&str, Rect)>>) -> Node {
        Node {
            id: None,
            role: Some(role.into()),
            text: text.into(),
            bounds: Rect([0, 0, 100, 40]),
            secure: false,
            lines: lines.map(|v| v.into_iter().map(|(t, b)| Line { text: t.into(), bounds: b }).collect()),
        }
    }

    #[test]
    fn only_read_non_picture_text_vouches() {
        assert_eq!(vouchers_of(&node("text", "Inbox", None)), vec![Rect([0, 0, 100, 40])]);
        assert!(vouchers_of(&node("text", "  ", None)).is_empty(), "an empty node vouches for nothing");
        assert!(vouchers_of(&node("image", "Profile photo of Jane", None)).is_empty(), "a picture's alt text vouches for nothing");
        assert!(vouchers_of(&node("AXImage", "x", None)).is_empty());
        let lines = vec![("first", Rect([0, 0, 100, 20])), ("", Rect([0, 20, 100, 20]))];
        assert_eq!(vouchers_of(&node("text", "first\n", Some(lines))), vec![Rect([0, 0, 100, 20])], "only lines with text");
    }

    /// A scan's model calls run sorted by weight, not in the order of their areas: each
    /// result must still land in its own area's slot, as temporal reuse keeps a slot by its
    /// area (a face filed under another area is dropped when that area is re-run while its
    /// own is kept). Two picture nodes, the small one (listed first, run last) holding a
    /// face, the large one (run first) blank: each area's faces lie in the pixels it reads.
    #[test]
    fn each_model_result_lands_in_its_own_area() {
        let engine = Engine::new(crate::Policy::from_toml("[models]\ntext_regions = false\nner = false\n").unwrap()).unwrap();
        let photo = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/faces/astronaut.png")).unwrap().into_rgba8();
        let head = image::imageops::crop_imm(&photo, 110, 0, 240, 240).to_image();
        let avatar = image::imageops::resize(&head, 56, 56, image::imageops::FilterType::Triangle);
        let mut img = RgbaImage::from_pixel(1280, 720, image::Rgba([250, 250, 250, 255]));
        image::imageops::replace(&mut img, &avatar, 300, 300);
        let pic = |b: Rect| Node { bounds: b, ..node("img", "", None) };
        let (small, large) = (Rect([300, 300, 56, 56]), Rect([700, 200, 300, 300]));
        let nodes = [pic(small), pic(large)];
        let l = Layout { windows: &[], in_scope: &[], nodes: &nodes, vouchers: &[] };
        let parts = engine.scan_parts(&img, &l, &Plan::Full).unwrap();
        let inside = |r: &Rect, c: &Rect| r.x() >= c.x() - 2 && r.y() >= c.y() - 2 && r.x() + r.w() <= c.x() + c.w() + 2 && r.y() + r.h() <= c.y() + c.h() + 2;
        for (a, found) in &parts.areas.face_areas {
            let reads = FaceDetector::near_crop(&img, *a, 4);
            for f in found {
                assert!(inside(&f.rect, &reads), "a face at {:?} filed under area {a:?}, which reads {reads:?}", f.rect);
            }
        }
        let own = parts.areas.face_areas.iter().find(|(a, _)| *a == small).map(|(_, f)| f.len());
        assert_eq!(own, Some(1), "the avatar's face is found in its own area (else this test proves nothing): {:?}", parts.areas.face_areas);
    }
}
