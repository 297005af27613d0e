//! Temporal reuse between consecutive frames of one capture stream: what the image models
//! found on the previous frame is kept for the parts of the new frame whose pixels did not
//! change, and the models run again only where they did.
//!
//! A frame is cut into [`TILE`]-px tiles, each hashed under a per-process random key
//! (SipHash; the hashes live in memory only, in the stream's [`FrameMemory`], and are never
//! written anywhere). Against the previous frame's hashes, the changed ("dirty") tiles say
//! where the models must look again ([`Dirty`]); [`crate::screenshot::scan`] decides per
//! model what that means. Nothing is reused across a change of engine, frame size, windows or
//! their scope, past [`MAX_DIRTY`] of the frame dirty, or after [`MAX_CHAIN`] reusing frames in
//! a row: then every model runs over the whole frame, as for a frame seen first.
//!
//! It must never reuse a result for pixels that changed, nor keep a frame's pixels or text:
//! only keyed hashes, the models' boxes, one bit per 8 px cell (did it look picture-like:
//! [`super::pictures::cells`]), the face model's head outputs over the last frame (numbers
//! derived from its pixels, from which a coarse picture of the frame could be rebuilt, for
//! [`super::face_reuse`]; not kept for a frame with a window out of scope, dropped with the
//! rest on a pause or a forget), and the previous frame's redacted output (what left).

use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, OnceLock};

use image::RgbaImage;
use rayon::prelude::*;

use super::localize::PaintBox;
use super::scan::Parts;
use crate::capture::Rect;

/// Tile side in px.
pub const TILE: u32 = 32;
/// Past this share of the frame's tiles dirty, the frame is scanned whole.
pub const MAX_DIRTY: f64 = 0.35;
/// At most this many frames in a row reuse results; the next is scanned whole, so that what
/// a model would see differently in unchanged pixels (its view reaches past a tile) cannot
/// go stale for long.
pub const MAX_CHAIN: u32 = 32;

/// The process's key: random, made once, kept in memory only.
fn key() -> &'static std::hash::RandomState {
    static KEY: OnceLock<std::hash::RandomState> = OnceLock::new();
    KEY.get_or_init(std::hash::RandomState::new)
}

/// A keyed hash of bytes.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = key().build_hasher();
    h.write(bytes);
    h.finish()
}

/// A keyed hash of values' `Debug` forms (every field, written through the hasher: no string
/// is built or kept).
pub fn hash_debug(values: &[&dyn std::fmt::Debug]) -> u64 {
    struct W<H: Hasher>(H);
    impl<H: Hasher> std::fmt::Write for W<H> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut w = W(key().build_hasher());
    for v in values {
        let _ = write!(w, "{v:?}\u{1f}");
    }
    w.0.finish()
}

/// Keyed hashes of a frame's tiles, row by row (`width.div_ceil(TILE)` per row). Rows of
/// tiles are hashed side by side: this runs before anything else can use the cores.
pub fn tile_hashes(img: &RgbaImage) -> Vec<u64> {
    square_hashes(img, TILE)
}

/// Keyed hashes of an image's `side`-px squares, row by row (`width.div_ceil(side)` per row,
/// the last row and column partial), rows of squares side by side: [`tile_hashes`], and the
/// face model input's cells ([`super::face_reuse`]).
pub(crate) fn square_hashes(img: &RgbaImage, side: u32) -> Vec<u64> {
    let (w, h) = img.dimensions();
    let tw = w.div_ceil(side);
    let stride = w as usize * 4;
    if stride == 0 || side == 0 {
        // No squares (and `chunks(0)` would panic): what the row-by-row loop gave.
        return Vec::new();
    }
    // A row of squares is `side` rows of pixels (fewer at the bottom edge).
    let hashed: Vec<Vec<u64>> = img
        .as_raw()
        .par_chunks(stride * side as usize)
        .map(|band| {
            let mut row_hashers: Vec<_> = (0..tw).map(|_| key().build_hasher()).collect();
            for row in band.chunks(stride) {
                for (hasher, piece) in row_hashers.iter_mut().zip(row.chunks(side as usize * 4)) {
                    hasher.write(piece);
                }
            }
            row_hashers.into_iter().map(|h| h.finish()).collect()
        })
        .collect();
    debug_assert_eq!(hashed.len() as u32, h.div_ceil(side));
    hashed.concat()
}

/// The tiles that changed between two frames of one size.
#[derive(Debug, Clone, PartialEq)]
pub struct Dirty {
    /// Tiles per row and per column.
    pub tw: u32,
    pub th: u32,
    /// Row-major: did this tile change?
    pub mask: Vec<bool>,
    w: u32,
    h: u32,
}

impl Dirty {
    /// The tiles whose hashes differ; `None` when the two lists are not of one frame size.
    pub fn between(before: &[u64], after: &[u64], w: u32, h: u32) -> Option<Dirty> {
        let (tw, th) = (w.div_ceil(TILE), h.div_ceil(TILE));
        if before.len() != after.len() || after.len() != (tw * th) as usize {
            return None;
        }
        Some(Dirty { tw, th, mask: before.iter().zip(after).map(|(a, b)| a != b).collect(), w, h })
    }

    /// Nothing changed.
    pub fn is_clean(&self) -> bool {
        !self.mask.contains(&true)
    }

    /// The share of tiles that changed.
    pub fn share(&self) -> f64 {
        self.mask.iter().filter(|d| **d).count() as f64 / self.mask.len().max(1) as f64
    }

    /// Does a changed tile meet `r` (px, clipped to the frame)?
    pub fn touches(&self, r: &Rect) -> bool {
        let (w, h) = (self.w as i64, self.h as i64);
        let (x0, y0) = (r.x().clamp(0, w), r.y().clamp(0, h));
        let (x1, y1) = ((r.x() + r.w()).clamp(0, w), (r.y() + r.h()).clamp(0, h));
        if x1 <= x0 || y1 <= y0 {
            return false;
        }
        let t = TILE as i64;
        (y0 / t..=(y1 - 1) / t).any(|ty| (x0 / t..=(x1 - 1) / t).any(|tx| self.mask[(ty * self.tw as i64 + tx) as usize]))
    }
}

/// A frame's redacted output, kept to be given again for a byte-identical input with the same
/// boxes: its bytes, the boxes painted, and what the models found.
#[derive(Debug)]
pub(crate) struct Output {
    pub bytes: Vec<u8>,
    pub boxes: Vec<PaintBox>,
    pub faces: usize,
    pub text_regions: usize,
}

/// What a stream remembers of its previous frame for temporal reuse. Opaque; in memory only
/// (keyed hashes under a per-process key, the models' boxes, the picture-like cells, the face
/// model's head outputs over the frame when no window on it was out of scope, the previous
/// redacted output). Forgotten on a pause or a forget (`consent.rs`), focus out of scope, a
/// model failure or a panic.
/// Lives in the stream ([`crate::StreamState`]), never in the shared engine.
#[derive(Clone, Default)]
pub struct FrameMemory {
    last: Option<Arc<Last>>,
}

impl std::fmt::Debug for FrameMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameMemory").field("remembers_a_frame", &self.last.is_some()).finish()
    }
}

pub(crate) struct Last {
    engine: u64,
    size: (u32, u32),
    /// Keyed hash of the windows and their scope.
    layout: u64,
    tiles: Vec<u64>,
    parts: Parts,
    /// Frames in a row that reused results.
    chain: u32,
    /// Did any tile change against the frame before (or was it scanned whole)?
    changed: bool,
    /// Keyed hashes of the input bytes and of everything before decoding that the output
    /// depends on; and that output.
    input: u64,
    facts: u64,
    output: Arc<Output>,
}

/// How the next frame is to be scanned.
pub(crate) enum Plan<'a> {
    /// Every model over the whole frame.
    Full,
    /// The previous frame's results, the models run again where `dirty` says.
    Reuse { previous: &'a Parts, dirty: Dirty },
}

impl FrameMemory {
    /// Forgets the previous frame (the next one is scanned whole).
    pub fn forget(&mut self) {
        self.last = None;
    }

    /// Does it remember a frame?
    pub fn remembers(&self) -> bool {
        self.last.is_some()
    }

    /// Does it keep the face model's head outputs over the last frame ([`super::face_reuse`])?
    pub fn keeps_face_features(&self) -> bool {
        self.last.as_ref().is_some_and(|l| l.parts.whole.memo.is_some())
    }

    /// The previous output again, when the input bytes and every fact before decoding (boxes,
    /// spans, layout) are the same as the previous frame's.
    pub(crate) fn same_output(&self, engine: u64, input: u64, facts: u64) -> Option<Arc<Output>> {
        let l = self.last.as_ref()?;
        (l.engine == engine && l.input == input && l.facts == facts && l.chain < MAX_CHAIN).then(|| l.output.clone())
    }

    /// Counts a frame given the previous output again as a reusing frame.
    pub(crate) fn reused_output(&mut self) {
        if let Some(l) = self.last.as_mut().and_then(Arc::get_mut) {
            l.chain += 1;
        } else {
            self.last = None;
        }
    }

    /// How to scan a frame of `size` with these windows (`layout`) and tile hashes.
    pub(crate) fn plan(&self, engine: u64, size: (u32, u32), layout: u64, tiles: &[u64]) -> Plan<'_> {
        let Some(l) = self.last.as_ref() else { return Plan::Full };
        if l.engine != engine || l.size != size || l.layout != layout || l.chain >= MAX_CHAIN {
            return Plan::Full;
        }
        match Dirty::between(&l.tiles, tiles, size.0, size.1) {
            Some(dirty) if dirty.share() <= MAX_DIRTY => Plan::Reuse { previous: &l.parts, dirty },
            _ => Plan::Full,
        }
    }

    /// Remembers a frame just redacted; `reused`: did its scan reuse results? `changed`: did
    /// any of its tiles change against the frame before (or was it scanned whole)?
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn remember(&mut self, engine: u64, size: (u32, u32), layout: u64, tiles: Vec<u64>, parts: Parts, reused: bool, changed: bool, input: u64, facts: u64, output: Output) {
        let chain = if reused { self.last.as_ref().map_or(0, |l| l.chain) + 1 } else { 0 };
        self.last = Some(Arc::new(Last { engine, size, layout, tiles, parts, chain, changed, input, facts, output: Arc::new(output) }));
    }

    /// The last frame's whole-frame face pass, kept for the next frame's (of this engine).
    pub(crate) fn face_memo(&self, engine: u64) -> Option<&super::face_reuse::FaceMemo> {
        self.last.as_ref().filter(|l| l.engine == engine).and_then(|l| l.parts.whole.memo.as_deref())
    }

    /// Is the next frame likely to change (the last one did)? Then the whole-frame face pass,
    /// which a change needs, is started before the tiles are compared. A guess about speed
    /// only: what is reused is still decided by the tiles.
    pub(crate) fn expects_change(&self) -> bool {
        self.last.as_ref().is_some_and(|l| l.changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    fn frame() -> RgbaImage {
        RgbaImage::from_fn(200, 100, |x, y| Rgba([(x % 7) as u8 * 30, (y % 5) as u8 * 40, 90, 255]))
    }

    #[test]
    fn one_changed_pixel_dirties_its_tile_only() {
        let a = frame();
        let mut b = a.clone();
        b.put_pixel(70, 40, Rgba([0, 0, 0, 255]));
        let (ha, hb) = (tile_hashes(&a), tile_hashes(&b));
        assert_eq!(ha.len(), 7 * 4, "200x100 in 32 px tiles: 7 x 4, the last row and column partial");
        assert_eq!(ha, tile_hashes(&a), "the same pixels hash the same");
        let d = Dirty::between(&ha, &hb, 200, 100).unwrap();
        assert_eq!(d.mask.iter().filter(|m| **m).count(), 1);
        assert!(d.mask[7 + 2], "tile (2, 1) holds pixel (70, 40)");
        assert!(d.touches(&Rect([90, 60, 10, 10])) && !d.touches(&Rect([0, 0, 64, 100])) && !d.touches(&Rect([96, 0, 500, 500])));
        assert!(!d.is_clean() && (d.share() - 1.0 / 28.0).abs() < 1e-9);
        // A change in the partial last column and row is seen too.
        let mut c = a.clone();
        c.put_pixel(199, 99, Rgba([0, 0, 0, 255]));
        let d = Dirty::between(&ha, &tile_hashes(&c), 200, 100).unwrap();
        assert_eq!(d.mask.iter().filter(|m| **m).count(), 1);
        assert!(d.mask[3 * 7 + 6] && d.touches(&Rect([192, 96, 8, 4])), "the partial corner tile (6, 3)");
        assert!(Dirty::between(&ha, &ha, 200, 100).unwrap().is_clean());
        assert!(Dirty::between(&ha, &ha[1..], 200, 100).is_none(), "another size is no comparison");
    }

    #[test]
    fn plans_fall_back_to_a_full_scan() {
        let img = frame();
        let tiles = tile_hashes(&img);
        let mut m = FrameMemory::default();
        assert!(matches!(m.plan(1, (200, 100), 7, &tiles), Plan::Full), "nothing remembered");
        let out = Output { bytes: vec![1], boxes: Vec::new(), faces: 0, text_regions: 0 };
        m.remember(1, (200, 100), 7, tiles.clone(), Parts::default(), false, true, 3, 4, out);
        assert!(matches!(m.plan(1, (200, 100), 7, &tiles), Plan::Reuse { ref dirty, .. } if dirty.is_clean()));
        assert!(matches!(m.plan(2, (200, 100), 7, &tiles), Plan::Full), "another engine");
        assert!(matches!(m.plan(1, (200, 100), 8, &tiles), Plan::Full), "windows or scope changed");
        assert!(matches!(m.plan(1, (100, 200), 7, &tiles), Plan::Full), "another size");
        let mut much = img.clone();
        (0..200).for_each(|x| (0..40).for_each(|y| much.put_pixel(x, y, Rgba([0, 0, 0, 255]))));
        assert!(matches!(m.plan(1, (200, 100), 7, &tile_hashes(&much)), Plan::Full), "half the frame changed");
        assert!(m.same_output(1, 3, 4).is_some() && m.same_output(1, 3, 5).is_none() && m.same_output(1, 9, 4).is_none());
        // A long chain of reuse ends in a full scan.
        for _ in 0..MAX_CHAIN {
            let out = Output { bytes: vec![1], boxes: Vec::new(), faces: 0, text_regions: 0 };
            m.remember(1, (200, 100), 7, tiles.clone(), Parts::default(), true, true, 3, 4, out);
        }
        assert!(matches!(m.plan(1, (200, 100), 7, &tiles), Plan::Full));
        assert!(m.same_output(1, 3, 4).is_none());
        m.forget();
        assert!(!m.remembers() && !m.expects_change(), "nothing remembered, no change expected");
        let out = Output { bytes: vec![1], boxes: Vec::new(), faces: 0, text_regions: 0 };
        m.remember(1, (200, 100), 7, tiles.clone(), Parts::default(), true, true, 3, 4, out);
        assert!(m.expects_change(), "a stream whose last frame changed");
        let out = Output { bytes: vec![1], boxes: Vec::new(), faces: 0, text_regions: 0 };
        m.remember(1, (200, 100), 7, tiles.clone(), Parts::default(), true, false, 3, 4, out);
        assert!(!m.expects_change(), "a stream standing still");
    }

    /// The row-by-row hashing that `tile_hashes` replaced (ee19f04): the same hashes, in the
    /// same order, are what a stream's tile memory compares against.
    fn tile_hashes_sequential(img: &RgbaImage) -> Vec<u64> {
        let (w, h) = img.dimensions();
        let (tw, th) = (w.div_ceil(TILE), h.div_ceil(TILE));
        let (raw, stride) = (img.as_raw(), w as usize * 4);
        let mut out = Vec::new();
        for ty in 0..th {
            let mut row_hashers: Vec<_> = (0..tw).map(|_| key().build_hasher()).collect();
            for y in ty * TILE..((ty + 1) * TILE).min(h) {
                let row = &raw[y as usize * stride..(y as usize + 1) * stride];
                for (hasher, piece) in row_hashers.iter_mut().zip(row.chunks(TILE as usize * 4)) {
                    hasher.write(piece);
                }
            }
            out.extend(row_hashers.into_iter().map(|h| h.finish()));
        }
        out
    }

    #[test]
    fn tile_hashes_match_row_by_row_hashing() {
        for (w, h) in [(0, 0), (0, 5), (5, 0), (1, 1), (31, 33), (32, 32), (33, 31), (64, 96), (65, 97), (200, 100), (1, 70)] {
            let img = RgbaImage::from_fn(w, h, |x, y| Rgba([(x * 7 + y) as u8, (y * 3) as u8, (x ^ y) as u8, 255]));
            assert_eq!(tile_hashes(&img), tile_hashes_sequential(&img), "{w}x{h}");
            assert_eq!(tile_hashes(&img).len(), (w.div_ceil(TILE) * h.div_ceil(TILE)) as usize, "{w}x{h}");
        }
    }

    #[test]
    fn keyed_hashes_see_every_field() {
        assert_eq!(hash_debug(&[&(1, "a")]), hash_debug(&[&(1, "a")]));
        assert_ne!(hash_debug(&[&(1, "a")]), hash_debug(&[&(1, "b")]));
        assert_ne!(hash_debug(&[&"ab", &"c"]), hash_debug(&[&"a", &"bc"]));
        assert_ne!(hash_bytes(b"x"), hash_bytes(b"y"));
    }
}
