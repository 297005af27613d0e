//! Is every box the report says was painted painted in the frame? Filled boxes must hold the
//! policy's fill colour, pixelated ones uniform blocks (as [`paint::paint`] lays them out),
//! wherever a later box painted otherwise does not cover them. Blurred boxes (faces, when the
//! policy blurs them) cannot be told from pixels: the face model re-checks them. PNG must match
//! exactly; JPEG within its compression noise.
//!
//! Colours are compared on RGB as stored, whatever an alpha channel says, since a viewer may
//! ignore it. It must never return pixel values, only which boxes failed.

use image::RgbaImage;

use crate::capture::Rect;
use crate::policy::{PaintMode, ScreenshotsFile};
use crate::report::read::BoxFile;
use crate::screenshot::paint::{clip, mode_for, pixel_block};

/// Blends boxes proven painted into their surroundings (each filled with the mean colour of
/// the pixels just outside it), so that the models, looking at the rest, do not read a solid
/// rectangle as a line of text. Boxes in `skip` (found unpainted) are left as they are: what
/// they show must be seen.
pub(crate) fn blend_painted(img: &mut RgbaImage, boxes: &[BoxFile], skip: &[usize], padding: u32) {
    let areas: Vec<(u32, u32, u32, u32)> = boxes.iter().enumerate().filter(|(i, _)| !skip.contains(i)).filter_map(|(_, b)| clip(img, &Rect(b.rect), b.pad.unwrap_or(padding))).collect();
    let (w, h) = (img.width(), img.height());
    let fills: Vec<[u8; 3]> = areas
        .iter()
        .map(|&(x0, y0, x1, y1)| {
            let (mut acc, mut n) = ([0u64; 3], 0u64);
            let mut take = |x: u32, y: u32| {
                let p = img.get_pixel(x, y).0;
                (0..3).for_each(|c| acc[c] += p[c] as u64);
                n += 1;
            };
            for x in x0..x1 {
                if y0 > 0 {
                    take(x, y0 - 1);
                }
                if y1 < h {
                    take(x, y1);
                }
            }
            for y in y0..y1 {
                if x0 > 0 {
                    take(x0 - 1, y);
                }
                if x1 < w {
                    take(x1, y);
                }
            }
            // The mean colour around the box (white when it has no surroundings).
            let mean = |c: usize| acc[c].checked_div(n).map_or(255, |v| v as u8);
            [mean(0), mean(1), mean(2)]
        })
        .collect();
    for (&(x0, y0, x1, y1), f) in areas.iter().zip(fills) {
        for y in y0..y1 {
            for x in x0..x1 {
                img.put_pixel(x, y, image::Rgba([f[0], f[1], f[2], 255]));
            }
        }
    }
}

/// How far a decoded pixel may stray from what was painted.
#[derive(Debug, Clone, Copy)]
struct Tolerance {
    /// Per channel, for 99% of the pixels.
    pixel: u8,
    /// Mean absolute difference per channel.
    mean: f64,
}

const EXACT: Tolerance = Tolerance { pixel: 0, mean: 0.0 };
/// Measured on the engine's JPEG output of filled boxes over text and photos (see tests):
/// ringing reaches ~40 near the box's edge, the mean stays under 3.
const JPEG: Tolerance = Tolerance { pixel: 64, mean: 8.0 };

/// Indices of the boxes that are not painted in `img`.
pub(crate) fn unpainted(img: &RgbaImage, boxes: &[BoxFile], sc: &ScreenshotsFile, jpeg: bool) -> Vec<usize> {
    let tol = if jpeg { JPEG } else { EXACT };
    let modes: Vec<PaintMode> = boxes.iter().map(|b| mode_for(b.why, sc)).collect();
    let clipped: Vec<Option<(u32, u32, u32, u32)>> = boxes.iter().map(|b| clip(img, &Rect(b.rect), b.pad.unwrap_or(sc.padding))).collect();
    let mut out = Vec::new();
    for (i, area) in clipped.iter().enumerate() {
        let Some(area) = *area else { continue };
        // Pixels a later box painted over are that box's to answer for (a later fill over a
        // fill leaves the same colour).
        let later: Vec<(u32, u32, u32, u32)> =
            (i + 1..boxes.len()).filter(|&j| !(modes[i] == PaintMode::Fill && modes[j] == PaintMode::Fill)).filter_map(|j| clipped[j]).collect();
        let free = |x: u32, y: u32| !later.iter().any(|&(x0, y0, x1, y1)| x >= x0 && x < x1 && y >= y0 && y < y1);
        let ok = match modes[i] {
            PaintMode::Fill => deviation(img, area, Some(sc.fill), &free).within(tol),
            PaintMode::Pixelate => {
                // Each block one colour: deviations from each block's mean, over the whole box.
                let (x0, y0, x1, y1) = area;
                let block = pixel_block(x0, y0, x1, y1);
                let mut all = Deviation::default();
                for by in (y0..y1).step_by(block as usize) {
                    for bx in (x0..x1).step_by(block as usize) {
                        all.add(deviation(img, (bx, by, (bx + block).min(x1), (by + block).min(y1)), None, &free));
                    }
                }
                all.within(tol)
            }
            PaintMode::Blur => true,
        };
        if !ok {
            out.push(i);
        }
    }
    out
}

/// How far pixels stray from a colour: how many, how many beyond a tolerance, summed
/// differences (per channel).
#[derive(Debug, Default, Clone, Copy)]
struct Deviation {
    n: u64,
    off: [u64; 2],
    sum: u64,
}

impl Deviation {
    fn add(&mut self, o: Deviation) {
        self.n += o.n;
        self.off[0] += o.off[0];
        self.off[1] += o.off[1];
        self.sum += o.sum;
    }

    /// Within `tol`: at most 1% of the pixels beyond it (none when exact), and a small mean.
    fn within(&self, tol: Tolerance) -> bool {
        if self.n == 0 {
            return true;
        }
        let off = if tol.pixel == 0 { self.off[0] } else { self.off[1] };
        let allowed = if tol.pixel == 0 { 0 } else { self.n / 100 };
        off <= allowed && (self.sum as f64 / (3 * self.n) as f64) <= tol.mean
    }
}

/// The free pixels of `area` against `colour` (or their own mean).
fn deviation(img: &RgbaImage, (x0, y0, x1, y1): (u32, u32, u32, u32), colour: Option<[u8; 3]>, free: &dyn Fn(u32, u32) -> bool) -> Deviation {
    let pixels = || (y0..y1).flat_map(move |y| (x0..x1).map(move |x| (x, y))).filter(|&(x, y)| free(x, y)).map(|(x, y)| img.get_pixel(x, y).0);
    let target = match colour {
        Some(c) => c,
        None => {
            let (mut acc, mut n) = ([0u64; 3], 0u64);
            for p in pixels() {
                (0..3).for_each(|c| acc[c] += p[c] as u64);
                n += 1;
            }
            if n == 0 {
                return Deviation::default();
            }
            [(acc[0] / n) as u8, (acc[1] / n) as u8, (acc[2] / n) as u8]
        }
    };
    let mut d = Deviation::default();
    for p in pixels() {
        let diff = [p[0].abs_diff(target[0]), p[1].abs_diff(target[1]), p[2].abs_diff(target[2])];
        let max = diff.into_iter().max().unwrap_or(0);
        d.n += 1;
        d.sum += diff.iter().map(|&v| v as u64).sum::<u64>();
        // Exact averaging may round by one either way.
        d.off[0] += (max > 1) as u64;
        d.off[1] += (max > JPEG.pixel) as u64;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screenshot::localize::PaintReason;
    use crate::screenshot::paint::{decode, encode, paint};

    fn sc(text: PaintMode) -> ScreenshotsFile {
        let mut s = crate::Policy::default().file.screenshots;
        s.text = text;
        s
    }

    /// Text-like strokes and a photo-like gradient: what ringing is worst on.
    fn busy(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            if (x / 3 + y / 5) % 4 == 0 {
                image::Rgba([20, 20, 20, 255])
            } else {
                image::Rgba([(x * 255 / w) as u8, 250, (y * 255 / h) as u8, 255])
            }
        })
    }

    fn b(rect: [i64; 4], why: PaintReason) -> BoxFile {
        BoxFile { rect, why, entity: None, detector: None, pad: None }
    }

    #[test]
    fn painted_boxes_pass_and_unpainted_ones_fail() {
        for (mode, ext) in [(PaintMode::Fill, "png"), (PaintMode::Fill, "jpg"), (PaintMode::Pixelate, "png"), (PaintMode::Pixelate, "jpg")] {
            let s = sc(mode);
            let boxes = vec![b([10, 10, 120, 24], PaintReason::NodeText), b([60, 40, 50, 50], PaintReason::Face), b([0, 100, 40, 30], PaintReason::SecureNode)];
            let mut img = busy(200, 160);
            for bx in &boxes {
                paint(&mut img, &Rect(bx.rect), s.padding, mode_for(bx.why, &s), s.fill);
            }
            let back = decode(&encode(&img, &format!("frames/1.{ext}")).unwrap(), 1 << 30).unwrap();
            assert!(unpainted(&back, &boxes, &s, ext == "jpg").is_empty(), "{mode:?} {ext}: painted boxes fail");
            let missed = vec![b([120, 120, 60, 30], PaintReason::LineSpan)];
            assert_eq!(unpainted(&back, &missed, &s, ext == "jpg"), [0], "{mode:?} {ext}: an unpainted box passes");
        }
    }

    #[test]
    fn a_box_painted_in_part_fails() {
        let s = sc(PaintMode::Fill);
        let mut img = busy(200, 100);
        paint(&mut img, &Rect([10, 10, 60, 20]), s.padding, PaintMode::Fill, s.fill);
        assert_eq!(unpainted(&img, &[b([10, 10, 120, 20], PaintReason::NodeText)], &s, false), [0]);
    }

    #[test]
    fn a_box_is_checked_with_the_padding_it_was_painted_with() {
        // A span localised to its glyphs is painted with 1 px of padding, not the policy's.
        let s = ScreenshotsFile { padding: 4, ..sc(PaintMode::Fill) };
        let mut img = busy(200, 100);
        paint(&mut img, &Rect([20, 20, 60, 20]), 1, PaintMode::Fill, s.fill);
        let mut bx = b([20, 20, 60, 20], PaintReason::LineSpan);
        assert_eq!(unpainted(&img, std::slice::from_ref(&bx), &s, false), [0], "checked with the policy's padding, the ring around it is not painted");
        bx.pad = Some(1);
        assert!(unpainted(&img, &[bx], &s, false).is_empty(), "checked with its own padding it passes");
    }
}
