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

use crate::capture::Rect;

/// Cell size in px.
const CELL: u32 = 8;

/// Picture-like regions of `img`, largest first, at most `max` of them; each at least
/// `min_side` px on both sides.
pub fn regions(img: &RgbaImage, min_side: i64, max: usize) -> Vec<Rect> {
    let (w, h) = (img.width(), img.height());
    if w < CELL * 2 || h < CELL * 2 {
        return Vec::new();
    }
    let (cw, ch) = (w / CELL, h / CELL);
    let raw = img.as_raw();
    let at = |x: u32, y: u32| ((y * w + x) * 4) as usize;
    let mut pict = vec![false; (cw * ch) as usize];
    for cy in 0..ch {
        for cx in 0..cw {
            let (mut smooth, mut n) = (0u32, 0u32);
            // Horizontal and vertical neighbours over every other pixel of the cell.
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
    // Touching picture-like cells group into regions (8-connectivity).
    let mut out: Vec<Rect> = Vec::new();
    for super::localize::CellGroup { x0, y0, x1, y1, cells } in super::localize::cell_groups(&pict, cw, ch) {
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
