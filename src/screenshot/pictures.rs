//! Picture-like regions of a frame, found without UI help: where faces may be that the UI tree
//! does not name (chat avatars drawn as backgrounds, video tiles, photos on canvases, remote
//! desktops). Such regions are searched for faces up close, where the whole-frame pass at its
//! reduced size cannot see a 32 px face.
//!
//! UI is drawn in flat colours: neighbouring pixels are equal, or differ sharply at an edge of
//! text or a border. Photos vary smoothly: most neighbouring pixels differ a little. A cell
//! where many do is picture-like; touching cells group into regions. This only proposes where
//! to look; it must never be the reason a pixel is painted.

use image::RgbaImage;

use super::reuse::{Dirty, TILE};
use crate::capture::Rect;

/// Cell size in px.
const CELL: u32 = 8;

/// Picture-like regions of `img`, largest first, at most `max` of them; each at least
/// `min_side` px on both sides.
pub fn regions(img: &RgbaImage, min_side: i64, max: usize) -> Vec<Rect> {
    regions_in(img.width(), img.height(), &smooth_cells(img), min_side, max)
}

/// The picture-like cells of `img` ([`regions_in`] groups them): with the previous frame's
/// cells and the tiles that changed since, only the cells of changed tiles are computed again
/// (a cell reads its own pixels only, and tiles are whole cells), else every cell.
pub(crate) fn cells(img: &RgbaImage, previous: Option<(&[bool], &Dirty)>) -> Vec<bool> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (c, cw, ch) = (CELL as usize, w / CELL as usize, h / CELL as usize);
    let Some((before, dirty)) = previous.filter(|(b, d)| b.len() == cw * ch && d.tw as usize == w.div_ceil(TILE as usize) && d.th as usize == h.div_ceil(TILE as usize)) else {
        return smooth_cells(img);
    };
    let mut pict = before.to_vec();
    let per = (TILE / CELL) as usize;
    for (i, _) in dirty.mask.iter().enumerate().filter(|(_, d)| **d) {
        let (tx, ty) = (i % dirty.tw as usize, i / dirty.tw as usize);
        for cy in ty * per..((ty + 1) * per).min(ch) {
            for cx in tx * per..((tx + 1) * per).min(cw) {
                pict[cy * cw + cx] = smooth_cell(img, cx * c, cy * c);
            }
        }
    }
    pict
}

/// Picture-like regions from a `w` x `h` frame's cells ([`cells`]), as [`regions`] gives them.
pub(crate) fn regions_in(w: u32, h: u32, pict: &[bool], min_side: i64, max: usize) -> Vec<Rect> {
    if w < CELL * 2 || h < CELL * 2 {
        return Vec::new();
    }
    let (cw, ch) = (w / CELL, h / CELL);
    // Touching picture-like cells group into regions (8-connectivity).
    let mut out: Vec<Rect> = Vec::new();
    for super::localize::CellGroup { x0, y0, x1, y1, cells } in super::localize::cell_groups(pict, cw, ch) {
        let r = Rect([(x0 * CELL) as i64, (y0 * CELL) as i64, ((x1 - x0 + 1) * CELL) as i64, ((y1 - y0 + 1) * CELL) as i64]);
        // A thin strip (a gradient bar, an underline) is no picture; nor are scattered cells.
        let filled = cells as f64 / ((x1 - x0 + 1) * (y1 - y0 + 1)) as f64;
        if r.w() >= min_side && r.h() >= min_side && filled >= 0.25 {
            out.push(r);
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.w() * r.h()));
    out.truncate(max);
    out
}

/// Which whole `CELL`-px cells of `img` are picture-like (row-major, `w / CELL` per row): in
/// each, the horizontal and vertical neighbours over every other pixel (16 pixels, 32 pairs)
/// are compared, and a pair is smooth when its largest channel difference is 1..=28. A cell
/// reads its own pixels only. Row by row over the raw bytes: ~5x the speed of pixel lookups.
fn smooth_cells(img: &RgbaImage) -> Vec<bool> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (c, cw, ch) = (CELL as usize, w / CELL as usize, h / CELL as usize);
    let (raw, stride) = (img.as_raw(), w * 4);
    let mut pict = vec![false; cw * ch];
    let mut counts = vec![0u32; cw];
    for cy in 0..ch {
        counts.fill(0);
        for y in (cy * c..cy * c + c - 1).step_by(2) {
            // Whole cells only: y + 1 and x + 1 stay inside the cell, so inside the image.
            let (row, below) = (&raw[y * stride..(y + 1) * stride], &raw[(y + 1) * stride..(y + 2) * stride]);
            // A cell's row: 8 pixels, 32 bytes; pixels 0, 2, 4, 6 against their right and lower
            // neighbours.
            for ((n, r), b) in counts.iter_mut().zip(row.chunks_exact(c * 4)).zip(below.chunks_exact(c * 4)) {
                let (r, b): (&[u8; 32], &[u8; 32]) = (r.try_into().expect("CELL is 8"), b.try_into().expect("CELL is 8"));
                for k in [0, 8, 16, 24] {
                    *n += smooth(&r[k..k + 3], &r[k + 4..k + 7]) + smooth(&r[k..k + 3], &b[k..k + 3]);
                }
            }
        }
        // 32 pairs per cell: picture-like when at least 40% are smooth.
        for (p, n) in pict[cy * cw..(cy + 1) * cw].iter_mut().zip(&counts) {
            *p = n * 10 >= (c / 2 * c / 2 * 2) as u32 * 4;
        }
    }
    pict
}

/// One cell of [`smooth_cells`], its top-left pixel at (`x0`, `y0`).
fn smooth_cell(img: &RgbaImage, x0: usize, y0: usize) -> bool {
    let (raw, stride) = (img.as_raw(), img.width() as usize * 4);
    let c = CELL as usize;
    let mut n = 0;
    for y in (y0..y0 + c - 1).step_by(2) {
        let (row, below) = (&raw[y * stride + x0 * 4..][..c * 4], &raw[(y + 1) * stride + x0 * 4..][..c * 4]);
        for k in (0..c * 4).step_by(8) {
            n += smooth(&row[k..k + 3], &row[k + 4..k + 7]) + smooth(&row[k..k + 3], &below[k..k + 3]);
        }
    }
    n * 10 >= (c / 2 * c / 2 * 2) as u32 * 4
}

/// Is a pair of pixels' largest channel difference 1..=28 (1, else 0)?
fn smooth(a: &[u8], b: &[u8]) -> u32 {
    let d = a[0].abs_diff(b[0]).max(a[1].abs_diff(b[1])).max(a[2].abs_diff(b[2]));
    (1..=28).contains(&d) as u32
}

/// A face box grown by `k` to take in the head: as wide about its centre (ears), and three
/// quarters of the added height above it (a face detector's box starts at the brows and ends
/// at the chin: the hair lies above, only the neck below).
pub fn head(r: &Rect, k: f32) -> Rect {
    let (w, h) = ((r.w() as f32 * k).round() as i64, (r.h() as f32 * k).round() as i64);
    Rect([r.x() - (w - r.w()) / 2, r.y() - (h - r.h()) * 3 / 4, w, h])
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    #[test]
    fn heads_grow_mostly_upwards() {
        assert_eq!(head(&Rect([100, 100, 40, 40]), 1.5), Rect([90, 85, 60, 60]));
        assert_eq!(head(&Rect([100, 100, 40, 40]), 1.0), Rect([100, 100, 40, 40]));
    }

    /// The pixel-by-pixel cell scan `smooth_cells` replaced: the same cells must come out.
    fn smooth_cells_by_pixel(img: &RgbaImage) -> Vec<bool> {
        let (w, h) = (img.width(), img.height());
        let (cw, ch) = (w / CELL, h / CELL);
        let raw = img.as_raw();
        let at = |x: u32, y: u32| ((y * w + x) * 4) as usize;
        let mut pict = vec![false; (cw * ch) as usize];
        for cy in 0..ch {
            for cx in 0..cw {
                let (mut smooth, mut n) = (0u32, 0u32);
                for y in (cy * CELL..cy * CELL + CELL - 1).step_by(2) {
                    for x in (cx * CELL..cx * CELL + CELL - 1).step_by(2) {
                        let (a, r, d) = (at(x, y), at(x + 1, y), at(x, y + 1));
                        for b in [r, d] {
                            let diff = (0..3).map(|i| raw[a + i].abs_diff(raw[b + i])).max().unwrap_or(0);
                            smooth += (1..=28).contains(&diff) as u32;
                            n += 1;
                        }
                    }
                }
                pict[(cy * cw + cx) as usize] = smooth * 10 >= n * 4;
            }
        }
        pict
    }

    #[test]
    fn row_scan_matches_the_pixel_scan() {
        // Noise of every amplitude around the 1..=28 edges, on sizes with partial cells.
        let mut next = crate::screenshot::xorshift32(7);
        // Bands of 16 px columns, each with its own noise amplitude (flat, smooth, at the 28
        // edge, sharp), so cells of both kinds and cells straddling them come out.
        let amps = [1u32, 3, 20, 28, 29, 30, 45, 256];
        for (w, h) in [(16, 16), (17, 23), (64, 40), (203, 97), (1, 1), (7, 100), (300, 64)] {
            for shift in 0..3 {
                let img = RgbaImage::from_fn(w, h, |x, _| {
                    let amp = amps[((x / 16 + shift) % amps.len() as u32) as usize];
                    let base = 100 + (x % 2) * 20 * (shift == 2) as u32;
                    let mut px = || (base + next() % amp) .min(255) as u8;
                    Rgba([px(), px(), px(), 255])
                });
                let (fast, slow) = (smooth_cells(&img), smooth_cells_by_pixel(&img));
                assert_eq!(fast, slow, "{w}x{h}, shift {shift}");
                if w >= 200 {
                    assert!(fast.iter().any(|p| *p) && !fast.iter().all(|p| *p), "a mix of cells, else the comparison shows little");
                }
            }
        }
    }

    /// Cells computed again only in changed tiles are every cell computed afresh: changes of
    /// every size, on and off the tile grid, on a frame with partial tiles and cells.
    #[test]
    fn cells_of_changed_tiles_alone_are_all_cells_afresh() {
        let mut next = crate::screenshot::xorshift32(11);
        let (w, h) = (301, 203);
        let mut img = RgbaImage::from_fn(w, h, |x, y| Rgba([((x / 40) * 50) as u8, ((y / 30) * 40) as u8, 90, 255]));
        let mut before = cells(&img, None);
        assert_eq!(before, smooth_cells(&img));
        for round in 0..40 {
            let mut next_img = img.clone();
            let (x0, y0) = (next() % w, next() % h);
            let (rw, rh) = (1 + next() % 90, 1 + next() % 70);
            let amp = [2u32, 20, 29, 200][round % 4];
            for y in y0..(y0 + rh).min(h) {
                for x in x0..(x0 + rw).min(w) {
                    let v = (100 + next() % amp).min(255) as u8;
                    next_img.put_pixel(x, y, Rgba([v, v / 2, 255 - v, 255]));
                }
            }
            let dirty = Dirty::between(&super::super::reuse::tile_hashes(&img), &super::super::reuse::tile_hashes(&next_img), w, h).unwrap();
            let reused = cells(&next_img, Some((&before, &dirty)));
            assert_eq!(reused, smooth_cells(&next_img), "round {round}");
            before = reused;
            img = next_img;
        }
        assert!(before.iter().any(|p| *p), "some picture-like cells, else the test shows little");
    }

    #[test]
    fn photos_are_found_and_ui_is_not() {
        let mut img = RgbaImage::from_pixel(400, 200, Rgba([250, 250, 250, 255]));
        // Text-like strokes and a border: sharp edges on a flat background.
        for x in 20..200 {
            img.put_pixel(x, 20, Rgba([30, 30, 30, 255]));
            if x % 3 == 0 {
                for y in 40..52 {
                    img.put_pixel(x, y, Rgba([20, 20, 20, 255]));
                }
            }
        }
        // A smooth 48 px "photo".
        for y in 100..148 {
            for x in 300..348 {
                img.put_pixel(x, y, Rgba([(x * 2 % 256) as u8, (y * 3 % 256) as u8, ((x + y) % 256) as u8, 255]));
            }
        }
        let r = regions(&img, 16, 8);
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(r[0].x() <= 300 && r[0].y() <= 100 && r[0].x() + r[0].w() >= 344 && r[0].y() + r[0].h() >= 144, "{r:?}");
        assert!(regions(&RgbaImage::from_pixel(64, 64, Rgba([9, 9, 9, 255])), 16, 8).is_empty());
    }
}
