//! The whole-frame face pass of a stream's next frame, run again over its change alone, and
//! exactly what a pass over the whole frame computes.
//!
//! CenterFace runs as a head and a tail ([`crate::detect::faces`]). Every output cell of the
//! head reads the model's input within [`REACH`] cells of [`STRIDE`] px around it, so where the
//! input did not change within that reach, the head's output did not change either. The
//! previous frame's head outputs are kept ([`FaceMemo`]); the head runs again on crops that
//! cover each changed place grown by its reach twice (the outer reach so that what is taken
//! from a crop never saw the crop's own edges; at the frame's edges a crop's edge is the
//! frame's, as in a whole pass), the outputs it gives there replace the kept ones, and the
//! tail, whose view spans the frame, runs whole. Where the input changed is told by keyed
//! hashes of its cells (as tiles are in [`super::reuse`]), not by keeping the input.
//!
//! It must never use kept outputs for a frame of another size or for what it did not run
//! again: sizes differ, nothing kept, much changed, or [`reuse::MAX_CHAIN`] partial passes
//! in a row, and the head runs whole. What it keeps lives with the stream's
//! [`super::reuse::FrameMemory`] and goes with it (`forget`: a pause, a forget, focus out of
//! scope, a model failure, a panic): the head's outputs over the last frame (numbers derived
//! from its pixels, at 1/4 and 1/8 of the model's input, from which a coarse picture of the
//! frame could be rebuilt; in memory only, never written anywhere, and not kept at all for a
//! frame with a window out of scope), the cells' keyed hashes and the faces found.

use std::sync::Arc;

use image::RgbaImage;

use super::reuse;
use crate::detect::faces::{FaceDetector, Features, F4, F8, REACH, STRIDE};
use crate::detect::image::Region;
use crate::runtime::ModelError;

/// Past this share of the input's cells under crops, the head runs whole (a crop of most of
/// the frame costs what the whole does).
pub const MAX_CROPPED: f64 = 0.5;
/// At most this many crops (a model run each); more changed places are cropped as one.
pub const MAX_CROPS: usize = 6;
/// Nothing is kept past this many model input pixels (8 bytes each: 8 MiB; 640 x 352, the
/// default for 1080p, is 1.8 MB).
pub const MAX_KEPT_PIXELS: u64 = 1 << 20;

/// What a stream keeps of its last frame's whole-frame face pass.
pub struct FaceMemo {
    /// The frame's size.
    frame: (u32, u32),
    /// Keyed hashes of the model input's cells, row-major.
    cells: Vec<u64>,
    features: Arc<Features>,
    found: Vec<Region>,
    /// Passes in a row that ran the head over a change alone: past [`reuse::MAX_CHAIN`] it
    /// runs whole, as a full scan comes back for the other models (the crop and the whole
    /// pass are bit for bit equal on the machines measured, `MODELS.md`; a CPU whose kernels
    /// round a crop differently cannot carry that difference far).
    chain: u32,
}

impl std::fmt::Debug for FaceMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceMemo").field("frame", &self.frame).field("faces", &self.found.len()).finish()
    }
}

impl FaceMemo {
    /// The head's outputs it holds (for tests that compare them with a whole pass's).
    pub fn features(&self) -> &Features {
        &self.features
    }
}

/// A block of cells: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cells {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl Cells {
    /// Grown by `by` cells on every side, within `cw` x `ch` cells.
    fn grown(self, by: u32, cw: u32, ch: u32) -> Cells {
        Cells { x0: self.x0.saturating_sub(by), y0: self.y0.saturating_sub(by), x1: (self.x1 + by).min(cw), y1: (self.y1 + by).min(ch) }
    }

    fn meets(&self, o: &Cells) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    fn join(self, o: Cells) -> Cells {
        Cells { x0: self.x0.min(o.x0), y0: self.y0.min(o.y0), x1: self.x1.max(o.x1), y1: self.y1.max(o.y1) }
    }

    fn area(&self) -> u64 {
        (self.x1 - self.x0) as u64 * (self.y1 - self.y0) as u64
    }
}

/// How a pass went (for timings and tests): how many input cells the head ran over, of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadWork {
    pub cells: u64,
    pub of: u64,
}

/// Faces in the whole frame, as [`FaceDetector`]'s whole-frame pass finds them; with `memo`
/// (the stream's last frame), the head runs again over the change alone. Gives what to keep
/// for the next frame (nothing past [`MAX_KEPT_PIXELS`]).
pub fn whole_faces(fd: &FaceDetector, img: &RgbaImage, memo: Option<&FaceMemo>) -> Result<(Vec<Region>, Option<FaceMemo>, HeadWork), ModelError> {
    let small = fd.input_image(img);
    let (w, h) = small.dimensions();
    let (cw, ch) = (w / STRIDE, h / STRIDE);
    let all = cw as u64 * ch as u64;
    if w as u64 * h as u64 > MAX_KEPT_PIXELS {
        let features = fd.head(&small)?;
        return Ok((fd.tail(&features, img.width(), img.height())?, None, HeadWork { cells: all, of: all }));
    }
    let cells = reuse::square_hashes(&small, STRIDE);
    let frame = img.dimensions();
    // Input sizes are multiples of 32 px: whole cells. Anything else, a memo of another frame
    // size, or a long chain of partial passes, and the head runs whole.
    let prev = memo.filter(|m| w % STRIDE == 0 && h % STRIDE == 0 && m.frame == frame && (m.features.w, m.features.h) == (w, h) && m.cells.len() == cells.len());
    let chain = prev.map_or(0, |m| m.chain);
    let prev = prev.filter(|_| chain < reuse::MAX_CHAIN);
    let (features, work) = match prev {
        Some(m) if m.cells == cells => {
            // Not a cell changed: the same input, the same faces.
            let memo = FaceMemo { frame, cells, features: m.features.clone(), found: m.found.clone(), chain };
            return Ok((m.found.clone(), Some(memo), HeadWork { cells: 0, of: all }));
        }
        Some(m) => {
            let dirty: Vec<bool> = m.cells.iter().zip(&cells).map(|(a, b)| a != b).collect();
            match crops(&dirty, cw, ch) {
                Some(crops) => {
                    let mut f = Features::clone(&m.features);
                    let mut work = 0;
                    for (redo, crop) in crops {
                        patch(fd, &small, &mut f, redo, crop)?;
                        work += crop.area();
                    }
                    (f, HeadWork { cells: work, of: all })
                }
                None => (fd.head(&small)?, HeadWork { cells: all, of: all }),
            }
        }
        None => (fd.head(&small)?, HeadWork { cells: all, of: all }),
    };
    let found = fd.tail(&features, frame.0, frame.1)?;
    let chain = if work.cells < work.of { chain + 1 } else { 0 };
    Ok((found.clone(), Some(FaceMemo { frame, cells, features: Arc::new(features), found, chain }), work))
}

/// Where the head must run again for `dirty` cells (`cw` x `ch`, row-major): for each changed
/// place, the cells whose outputs may have changed (the place grown by [`REACH`]) and the crop
/// that computes them as a whole pass would (grown by [`REACH`] again). `None`: run it whole.
pub fn crops(dirty: &[bool], cw: u32, ch: u32) -> Option<Vec<(Cells, Cells)>> {
    if dirty.len() as u64 != cw as u64 * ch as u64 {
        return None;
    }
    // Runs of changed cells in each row, then places: runs whose crops would meet are one.
    let mut places: Vec<Cells> = Vec::new();
    for y in 0..ch {
        let row = &dirty[y as usize * cw as usize..(y as usize + 1) * cw as usize];
        let mut x = 0;
        while x < cw {
            if row[x as usize] {
                let x0 = x;
                while x < cw && row[x as usize] {
                    x += 1;
                }
                places.push(Cells { x0, y0: y, x1: x, y1: y + 1 });
            } else {
                x += 1;
            }
        }
    }
    if places.is_empty() {
        return Some(Vec::new());
    }
    if places.len() > 64 {
        places = vec![places.iter().copied().reduce(Cells::join).expect("not empty")];
    }
    loop {
        let pair = (0..places.len()).find_map(|i| {
            let reach = places[i].grown(4 * REACH, cw, ch);
            (i + 1..places.len()).find(|&j| reach.meets(&places[j])).map(|j| (i, j))
        });
        let Some((i, j)) = pair else { break };
        let b = places.swap_remove(j);
        places[i] = places[i].join(b);
    }
    if places.len() > MAX_CROPS {
        places = vec![places.iter().copied().reduce(Cells::join).expect("not empty")];
    }
    let out: Vec<(Cells, Cells)> = places.into_iter().map(|p| (p.grown(REACH, cw, ch), p.grown(2 * REACH, cw, ch))).collect();
    let cropped: u64 = out.iter().map(|(_, c)| c.area()).sum();
    (cropped as f64 <= MAX_CROPPED * (cw as u64 * ch as u64) as f64).then_some(out)
}

/// Runs the head over `crop` of the input and writes its outputs for the `redo` cells into
/// `f`.
fn patch(fd: &FaceDetector, small: &RgbaImage, f: &mut Features, redo: Cells, crop: Cells) -> Result<(), ModelError> {
    let s = STRIDE;
    let part = image::imageops::crop_imm(small, crop.x0 * s, crop.y0 * s, (crop.x1 - crop.x0) * s, (crop.y1 - crop.y0) * s).to_image();
    let got = fd.head(&part)?;
    // `f8` at one value per cell, `f4` at two per cell each way.
    for (planes, whole, part, k) in [(F8, &mut f.f8, &got.f8, 1u32), (F4, &mut f.f4, &got.f4, 2u32)] {
        let (ww, pw) = ((f.w / s * k) as usize, ((crop.x1 - crop.x0) * k) as usize);
        let (wh, ph) = ((f.h / s * k) as usize, ((crop.y1 - crop.y0) * k) as usize);
        if whole.len() != planes * ww * wh || part.len() != planes * pw * ph {
            return Err(ModelError::Run("face model head gave outputs of an unexpected size".into()));
        }
        let (x0, x1) = ((redo.x0 * k) as usize, (redo.x1 * k) as usize);
        let dx = ((redo.x0 - crop.x0) * k) as usize;
        for c in 0..planes {
            for y in (redo.y0 * k) as usize..(redo.y1 * k) as usize {
                let py = y - (crop.y0 * k) as usize;
                let to = c * ww * wh + y * ww;
                let from = c * pw * ph + py * pw + dx;
                whole[to + x0..to + x1].copy_from_slice(&part[from..from + (x1 - x0)]);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cw: u32, ch: u32, on: &[(u32, u32)]) -> Vec<bool> {
        let mut v = vec![false; (cw * ch) as usize];
        for &(x, y) in on {
            v[(y * cw + x) as usize] = true;
        }
        v
    }

    #[test]
    fn a_changed_place_is_redone_within_its_reach_and_cropped_within_twice_that() {
        let (cw, ch) = (80, 44);
        let c = crops(&grid(cw, ch, &[(40, 20), (41, 20), (40, 21)]), cw, ch).unwrap();
        assert_eq!(c, vec![(Cells { x0: 36, y0: 16, x1: 46, y1: 26 }, Cells { x0: 32, y0: 12, x1: 50, y1: 30 })]);
        // At the frame's corner, both stop at the edge.
        let c = crops(&grid(cw, ch, &[(0, 0)]), cw, ch).unwrap();
        assert_eq!(c, vec![(Cells { x0: 0, y0: 0, x1: 5, y1: 5 }, Cells { x0: 0, y0: 0, x1: 9, y1: 9 })]);
        assert_eq!(crops(&grid(cw, ch, &[]), cw, ch), Some(Vec::new()), "nothing changed: nothing to redo");
    }

    #[test]
    fn near_places_join_far_ones_stay_apart_and_much_change_runs_whole() {
        let (cw, ch) = (80, 44);
        let c = crops(&grid(cw, ch, &[(10, 10), (20, 10), (70, 40)]), cw, ch).unwrap();
        assert_eq!(c.len(), 2, "two places 10 cells apart are one crop, a far one its own: {c:?}");
        assert!(c.iter().any(|(r, _)| r.x0 <= 6 && r.x1 >= 25));
        // Changes everywhere: the head runs whole.
        let many: Vec<(u32, u32)> = (0..8).flat_map(|y| (0..8).map(move |x| (x * 10, y * 5))).collect();
        assert_eq!(crops(&grid(cw, ch, &many), cw, ch), None);
        assert_eq!(crops(&grid(cw, ch, &[(1, 1)]), cw + 1, ch), None, "a mask of another size");
    }

    #[test]
    fn every_changed_cell_lies_within_a_redone_block_reach_inside_its_crop() {
        // Random masks: each changed cell's whole reach is redone, and each redone cell's
        // reach lies inside its crop or meets the frame's edge there.
        let (cw, ch) = (40u32, 23u32);
        let mut next32 = crate::screenshot::xorshift32(7);
        let mut next = move || next32() as u64;
        for _ in 0..500 {
            let n = next() % 6;
            let on: Vec<(u32, u32)> = (0..n).map(|_| ((next() % cw as u64) as u32, (next() % ch as u64) as u32)).collect();
            let mask = grid(cw, ch, &on);
            let Some(c) = crops(&mask, cw, ch) else { continue };
            for &(x, y) in &on {
                let reach = Cells { x0: x, y0: y, x1: x + 1, y1: y + 1 }.grown(REACH, cw, ch);
                assert!(c.iter().any(|(r, _)| r.x0 <= reach.x0 && r.y0 <= reach.y0 && r.x1 >= reach.x1 && r.y1 >= reach.y1), "{on:?} {c:?}");
            }
            for (r, k) in &c {
                let need = r.grown(REACH, cw, ch);
                assert!(k.x0 <= need.x0 && k.y0 <= need.y0 && k.x1 >= need.x1 && k.y1 >= need.y1);
                // The crop's edge lies a full reach away from what is redone, or is the frame's.
                assert!((r.x0 - k.x0 >= REACH || k.x0 == 0) && (r.y0 - k.y0 >= REACH || k.y0 == 0));
                assert!((k.x1 - r.x1 >= REACH || k.x1 == cw) && (k.y1 - r.y1 >= REACH || k.y1 == ch));
            }
        }
    }
}
