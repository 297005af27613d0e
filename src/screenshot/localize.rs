//! Localisation: from text findings on UI-tree nodes to boxes on the screenshot.
//!
//! A node whose text holds a finding is painted: with `lines`, only the span's estimated box
//! inside its line ([`span_box`]; the whole node when a value straddles lines); without, the
//! node's box. Secure nodes are always painted. Windows out of scope are painted whole.
//! Detected text regions are left only where checked nodes of comparable size cover them
//! ([`coverage`]).

use crate::capture::{Rect, WindowRef};

/// A box to paint, in image pixels, with why (and, for text, what was found there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaintBox {
    pub rect: Rect,
    pub why: PaintReason,
    /// The entity and detector behind a node or line box.
    pub finding: Option<(crate::detect::Entity, &'static str)>,
    /// Padding in px instead of the policy's: a span localised to its glyphs' own ink needs
    /// only a pixel, so the words beside it stay readable.
    pub pad: Option<u32>,
}

impl PaintBox {
    pub fn new(rect: Rect, why: PaintReason) -> PaintBox {
        PaintBox { rect, why, finding: None, pad: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaintReason {
    NodeText,
    LineSpan,
    SecureNode,
    OutOfScopeWindow,
    Face,
    TextRegion,
}

impl PaintReason {
    /// Every reason, in declaration order (see [`crate::capture::DropReason::ALL`]).
    pub const ALL: [PaintReason; 6] = [PaintReason::NodeText, PaintReason::LineSpan, PaintReason::SecureNode, PaintReason::OutOfScopeWindow, PaintReason::Face, PaintReason::TextRegion];

    /// This reason's place in [`Self::ALL`].
    pub const fn index(self) -> usize {
        match self {
            PaintReason::NodeText => 0,
            PaintReason::LineSpan => 1,
            PaintReason::SecureNode => 2,
            PaintReason::OutOfScopeWindow => 3,
            PaintReason::Face => 4,
            PaintReason::TextRegion => 5,
        }
    }

    /// The name used in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            PaintReason::NodeText => "node_text",
            PaintReason::LineSpan => "line_span",
            PaintReason::SecureNode => "secure_node",
            PaintReason::OutOfScopeWindow => "out_of_scope_window",
            PaintReason::Face => "face",
            PaintReason::TextRegion => "text_region",
        }
    }
}

/// The box of a char span inside one visual line, by proportion of characters. Screen fonts
/// are not monospace and the estimate drifts with the text before (or after) the span, so
/// each side gets a margin of 2 average character widths plus 15% of the characters between
/// the span and that end of the line. `span` is a byte span of `text`.
pub fn span_box(line: Rect, text: &str, span: (usize, usize)) -> Rect {
    let total = text.chars().count().max(1) as f64;
    let a = text[..span.0].chars().count() as f64;
    let b = text[..span.1].chars().count() as f64;
    let cw = line.w() as f64 / total;
    let x0 = (line.x() as f64 + a * cw - (2.0 + 0.15 * a) * cw).max(line.x() as f64);
    let x1 = (line.x() as f64 + b * cw + (2.0 + 0.15 * (total - b)) * cw).min((line.x() + line.w()) as f64);
    Rect([x0.floor() as i64, line.y(), (x1 - x0).ceil() as i64, line.h()])
}

/// A box no taller than this (px) holds a line of screen text, two at most, whatever its width:
/// it vouches for the ink it covers, however small a piece of it a text region is.
pub const SHORT_BOX: i64 = 40;

/// Share (0..1) of `region` lying inside any of `vouchers`, by sampling a grid of points.
/// Only vouchers of a size comparable to the region count (at most `max_ratio` times its
/// area, or a line at most three times its height or at most [`SHORT_BOX`] px tall: a long
/// line vouches for a piece of it, and a word of small letters or a dot fills well under half
/// of its line's box): a window-sized container node says nothing about the text drawn
/// inside it.
pub fn coverage(region: &Rect, vouchers: &[Rect], max_ratio: i64) -> f32 {
    coverage_reaching(region, vouchers, max_ratio, |v| *v)
}

/// [`coverage`], each voucher judged comparable by its own box but covering what `reach`
/// grows it to (the ink its text may draw outside the box: [`ink_reach`]).
pub fn coverage_reaching(region: &Rect, vouchers: &[Rect], max_ratio: i64, reach: impl Fn(&Rect) -> Rect) -> f32 {
    let area = (region.w() * region.h()).max(1);
    let comparable = |v: &Rect| v.w() * v.h() <= area * max_ratio || v.h() <= (3 * region.h()).max(SHORT_BOX);
    let near: Vec<Rect> = vouchers.iter().filter(|v| comparable(v)).map(reach).filter(|v| crate::detect::image::intersection(v, region) > 0).collect();
    if near.is_empty() {
        return 0.0;
    }
    let (nx, ny) = (12, 4);
    let mut hit = 0;
    for i in 0..nx {
        for j in 0..ny {
            let x = region.x() + (region.w() * (2 * i + 1)) / (2 * nx);
            let y = region.y() + (region.h() * (2 * j + 1)) / (2 * ny);
            if near.iter().any(|v| x >= v.x() && y >= v.y() && x < v.x() + v.w() && y < v.y() + v.h()) {
                hit += 1;
            }
        }
    }
    hit as f32 / (nx * ny) as f32
}

/// A checked text box grown by what its text may draw outside it: descenders, ascenders and
/// accents a line box (a text range's rect) does not always hold, and antialiasing at its ends.
/// Ink there is explained by the node; without this, a descender a pixel below a label's box
/// is "unexplained ink" and its area is sent to the text detector and painted.
pub fn ink_reach(r: &Rect) -> Rect {
    let dy = (r.h() / 3).max(2);
    Rect([r.x() - 2, r.y() - dy, r.w() + 4, r.h() + 2 * dy])
}

/// The topmost window (windows are listed topmost first) containing a point.
pub fn window_at(windows: &[WindowRef], x: i64, y: i64) -> Option<usize> {
    windows.iter().position(|w| {
        let r = w.bounds;
        x >= r.x() && y >= r.y() && x < r.x() + r.w() && y < r.y() + r.h()
    })
}

/// The centre of a rect.
pub fn centre(r: &Rect) -> (i64, i64) {
    (r.x() + r.w() / 2, r.y() + r.h() / 2)
}

/// A group of touching cells of a grid: its bounding box in cells (inclusive) and how many
/// cells it holds.
pub(crate) struct CellGroup {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    pub cells: u32,
}

/// The groups of set cells of a `cw` x `ch` grid (row-major `mask`) that touch, 8-connected, in
/// the order their first cell comes in the grid.
pub(crate) fn cell_groups(mask: &[bool], cw: u32, ch: u32) -> Vec<CellGroup> {
    let mut seen = vec![false; mask.len()];
    let mut out = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut g = CellGroup { x0: u32::MAX, y0: u32::MAX, x1: 0, y1: 0, cells: 0 };
        while let Some(i) = stack.pop() {
            let (x, y) = (i as u32 % cw, i as u32 / cw);
            (g.x0, g.y0, g.x1, g.y1) = (g.x0.min(x), g.y0.min(y), g.x1.max(x), g.y1.max(y));
            g.cells += 1;
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx >= 0 && ny >= 0 && nx < cw as i64 && ny < ch as i64 {
                        let j = (ny as u32 * cw + nx as u32) as usize;
                        if mask[j] && !seen[j] {
                            seen[j] = true;
                            stack.push(j);
                        }
                    }
                }
            }
        }
        out.push(g);
    }
    out
}

/// Areas of a frame holding ink (edges) that no voucher covers: where text could be that no
/// checked UI node accounts for. Ink is sampled on a grid of `cell`-px cells; touching cells
/// group into areas (bounding boxes, one cell of margin). With more than `max_areas` groups,
/// one box around all of them is returned. A frame with no ink outside vouchers gives none.
pub fn unvouched_areas(img: &image::RgbaImage, vouchers: &[Rect], cell: u32, max_areas: usize) -> Vec<Rect> {
    let (w, h) = (img.width(), img.height());
    if w < 2 || h < 2 {
        return Vec::new();
    }
    let (cw, ch) = (w.div_ceil(cell), h.div_ceil(cell));
    let ink = ink_cells(img, vouchers, cell);
    // Group touching ink cells (8-connectivity).
    let mut boxes: Vec<(u32, u32, u32, u32)> = cell_groups(&ink, cw, ch).into_iter().map(|g| (g.x0, g.y0, g.x1, g.y1)).collect();
    if boxes.len() > max_areas {
        let all = boxes.iter().fold((u32::MAX, u32::MAX, 0, 0), |a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)));
        boxes = vec![all];
    }
    boxes
        .into_iter()
        .map(|(x0, y0, x1, y1)| {
            let px0 = x0.saturating_sub(1) * cell;
            let py0 = y0.saturating_sub(1) * cell;
            let px1 = ((x1 + 2) * cell).min(w);
            let py1 = ((y1 + 2) * cell).min(h);
            Rect([px0 as i64, py0 as i64, (px1 - px0) as i64, (py1 - py0) as i64])
        })
        .collect()
}

/// Which `cell`-px cells hold ink outside every voucher: a pixel (x, y) at even x and y is ink
/// when its luma differs by more than 40 from its right or lower neighbour's. Vouchers are
/// marked on the sampled grid only, and each sampled row is read straight from the raw bytes.
fn ink_cells(img: &image::RgbaImage, vouchers: &[Rect], cell: u32) -> Vec<bool> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let cell = cell.max(1) as usize;
    let (cw, ch) = (w.div_ceil(cell), h.div_ceil(cell));
    if w < 2 || h < 2 {
        // No pixel has both neighbours: no ink (and `w - 1` below must not wrap).
        return vec![false; cw * ch];
    }
    // Sampled positions: x, y even and below w - 1, h - 1.
    let (sw, sh) = ((w - 1).div_ceil(2), (h - 1).div_ceil(2));
    let mut vouched = vec![false; sw * sh];
    for v in vouchers {
        let clip = |a: i64, n: usize| a.clamp(0, n as i64) as usize;
        let (x0, y0, x1, y1) = (clip(v.x(), w), clip(v.y(), h), clip(v.x() + v.w(), w), clip(v.y() + v.h(), h));
        // Sampled indices i with 2i in [x0, x1).
        let (i0, i1) = (x0.div_ceil(2).min(sw), x1.div_ceil(2).min(sw));
        for j in y0.div_ceil(2)..y1.div_ceil(2).min(sh) {
            vouched[j * sw + i0..j * sw + i1.max(i0)].fill(true);
        }
    }
    let mut ink = vec![false; cw * ch];
    let (raw, stride) = (img.as_raw(), w * 4);
    let luma = |p: &[u8]| (p[0] as i32 * 3 + p[1] as i32 * 6 + p[2] as i32) / 10;
    for j in 0..sh {
        let y = 2 * j;
        let (row, below) = (&raw[y * stride..(y + 1) * stride], &raw[(y + 1) * stride..(y + 2) * stride]);
        let cells = &mut ink[(y / cell) * cw..(y / cell + 1) * cw];
        for (i, _) in vouched[j * sw..(j + 1) * sw].iter().enumerate().filter(|(_, v)| !**v) {
            let x = 2 * i * 4;
            let c = luma(&row[x..x + 3]);
            if (c - luma(&row[x + 4..x + 7])).abs() > 40 || (c - luma(&below[x..x + 3])).abs() > 40 {
                cells[2 * i / cell] = true;
            }
        }
    }
    ink
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_localise_inside_lines() {
        let line = Rect([100, 10, 200, 20]); // 20 chars, 10 px each
        let text = "call 415-555-2671 ok";
        let b = span_box(line, text, (5, 17));
        // Proportional span is 150..270; margins 27.5 px before, 24.5 px after.
        assert_eq!(b, Rect([122, 10, 172, 20]));
        assert_eq!((b.y(), b.h()), (line.y(), line.h()));
        // Clipped to the line at its ends.
        assert_eq!(span_box(line, text, (0, 4)).x(), 100);
    }

    #[test]
    fn coverage_needs_comparable_vouchers() {
        let region = Rect([0, 0, 120, 20]);
        assert_eq!(coverage(&region, &[Rect([0, 0, 120, 20])], 8), 1.0);
        assert!((coverage(&region, &[Rect([0, 0, 60, 20])], 8) - 0.5).abs() < 0.01);
        assert_eq!(coverage(&region, &[Rect([0, 0, 1920, 1080])], 8), 0.0, "a window-sized node vouches for nothing");
        // A short word of small letters (a button's "Sign in") in its line's box, which is
        // judged by its own height, not by the ink reach grown around it.
        let word = Rect([10, 12, 30, 14]);
        let line = Rect([0, 0, 100, 34]);
        assert_eq!(coverage_reaching(&word, &[line], 8, ink_reach), 1.0);
        assert_eq!(coverage_reaching(&Rect([50, 20, 8, 5]), &[line], 8, ink_reach), 1.0, "a dot in a short line");
        assert_eq!(coverage_reaching(&word, &[Rect([0, 0, 100, 60])], 8, ink_reach), 0.0, "a box of several lines is not the word's line");
    }

    /// The full-resolution voucher mask and pixel lookups `ink_cells` replaced.
    fn ink_cells_by_pixel(img: &image::RgbaImage, vouchers: &[Rect], cell: u32) -> Vec<bool> {
        let (w, h) = (img.width(), img.height());
        if w < 2 || h < 2 {
            // `unvouched_areas` never scanned these.
            return vec![false; (w.div_ceil(cell) * h.div_ceil(cell)) as usize];
        }
        let mut vouched = vec![false; (w * h) as usize];
        for v in vouchers {
            let (x0, y0) = (v.x().clamp(0, w as i64) as u32, v.y().clamp(0, h as i64) as u32);
            let (x1, y1) = ((v.x() + v.w()).clamp(0, w as i64) as u32, (v.y() + v.h()).clamp(0, h as i64) as u32);
            for y in y0..y1 {
                vouched[(y * w + x0) as usize..(y * w + x1.max(x0)) as usize].fill(true);
            }
        }
        let (cw, ch) = (w.div_ceil(cell), h.div_ceil(cell));
        let mut ink = vec![false; (cw * ch) as usize];
        let raw = img.as_raw();
        let luma = |x: u32, y: u32| {
            let i = ((y * w + x) * 4) as usize;
            (raw[i] as i32 * 3 + raw[i + 1] as i32 * 6 + raw[i + 2] as i32) / 10
        };
        for y in (0..h - 1).step_by(2) {
            for x in (0..w - 1).step_by(2) {
                if vouched[(y * w + x) as usize] {
                    continue;
                }
                let c = luma(x, y);
                if (c - luma(x + 1, y)).abs() > 40 || (c - luma(x, y + 1)).abs() > 40 {
                    ink[((y / cell) * cw + x / cell) as usize] = true;
                }
            }
        }
        ink
    }

    #[test]
    fn ink_cells_match_the_pixel_scan() {
        let mut next = crate::screenshot::xorshift32(5);
        for (w, h) in [(0, 0), (1, 5), (5, 1), (2, 2), (3, 3), (33, 17), (64, 64), (131, 77), (200, 9)] {
            for round in 0..6 {
                // Sparse dots of ink on a flat page, and vouchers of odd and even edges, some
                // past the frame, some empty or inverted.
                let img = image::RgbaImage::from_fn(w, h, |_, _| if next() % 13 == 0 { image::Rgba([0, 0, 0, 255]) } else { image::Rgba([250, 250, 250, 255]) });
                let vouchers: Vec<Rect> = (0..round * 2)
                    .map(|_| Rect([next() as i64 % (w as i64 + 20) - 10, next() as i64 % (h as i64 + 20) - 10, next() as i64 % 60 - 5, next() as i64 % 40 - 5]))
                    .collect();
                for cell in [4, 8, 32] {
                    assert_eq!(ink_cells(&img, &vouchers, cell), ink_cells_by_pixel(&img, &vouchers, cell), "{w}x{h}, round {round}, cell {cell}, {vouchers:?}");
                }
            }
        }
    }

    #[test]
    fn ink_outside_vouchers_groups_into_areas() {
        let mut img = image::RgbaImage::from_pixel(640, 320, image::Rgba([255, 255, 255, 255]));
        let mut ink = |x0: u32, y0: u32| {
            for y in y0..y0 + 10 {
                for x in (x0..x0 + 60).step_by(3) {
                    img.put_pixel(x, y, image::Rgba([0, 0, 0, 255]));
                }
            }
        };
        ink(20, 20); // vouched below
        ink(400, 200); // not vouched
        let areas = unvouched_areas(&img, &[Rect([15, 15, 80, 20])], 32, 6);
        assert_eq!(areas.len(), 1, "{areas:?}");
        let a = areas[0];
        assert!(a.x() <= 400 && a.y() <= 200 && a.x() + a.w() >= 460 && a.y() + a.h() >= 210, "{a:?}");
        let blank = image::RgbaImage::from_pixel(64, 64, image::Rgba([9, 9, 9, 255]));
        assert!(unvouched_areas(&blank, &[], 32, 6).is_empty());
    }

    #[test]
    fn topmost_window_wins() {
        let w = |x, app: &str| WindowRef { app: app.into(), title: String::new(), bounds: Rect([x, 0, 100, 100]) };
        let ws = vec![w(50, "top"), w(0, "below")];
        assert_eq!(window_at(&ws, 60, 10), Some(0));
        assert_eq!(window_at(&ws, 10, 10), Some(1));
        assert_eq!(window_at(&ws, 500, 10), None);
    }
}
