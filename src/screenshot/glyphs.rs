//! Glyph-level localisation of a text span inside one visual line, OCR-free: the ink columns of
//! the line's box are aligned to the line's words, with relative advance widths from a bundled
//! font table (Liberation Sans, Arial-metric; and a monospace model), so a value is painted to
//! its own glyphs and the words beside it stay.
//!
//! The alignment is a dynamic programme over (word, ink blob): each word takes a run of blobs
//! whose width matches its advance width at one text scale (tried over a range, as the font
//! size is not known); blobs may be left over only at the line's ends (icons), and a word may
//! span a wide gap (a label and value cell the client joined without a separator, `SSN536-…`)
//! at a cost. Inside a word, positions are interpolated between its blobs and gaps.
//!
//! It must never return a box narrower than the span's glyphs: an edge at a word boundary is
//! the ink's own edge; an edge inside a word gets half an em of margin towards the neighbour.
//! When the alignment is not confident, it returns `None` and the caller keeps the
//! proportional estimate with its wide margins.

use image::RgbaImage;

use crate::capture::Rect;

/// Advance widths of Liberation Sans (SIL OFL 1.1; metric-compatible with Arial) for ASCII
/// 32..=126, in 1/1000 em.
const SANS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722,
    667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222,
    500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

fn wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF | 0x20000..=0x3FFFD)
}

/// The advance of `c` in em under the proportional or the monospace model.
fn advance(c: char, mono: bool) -> f64 {
    match (mono, c as u32) {
        (_, _) if wide(c) => if mono { 1.2 } else { 1.0 },
        (true, _) => 0.6,
        (false, 32..=126) => SANS[(c as u32 - 32) as usize] as f64 / 1000.0,
        (false, _) => 0.556,
    }
}

/// A word of the line: its char range and its em range under one model.
#[derive(Debug, Clone, Copy)]
struct Word {
    c0: usize,
    c1: usize,
    e0: f64,
    e1: f64,
}

/// Ink blobs of a line box: runs of columns holding ink (pixels far from the box's most
/// common colour), in image x, end exclusive.
fn blobs(img: &RgbaImage, r: Rect) -> Vec<(i64, i64)> {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, y0, x1, y1) = (r.x().clamp(0, w), r.y().clamp(0, h), (r.x() + r.w()).clamp(0, w), (r.y() + r.h()).clamp(0, h));
    if x1 - x0 < 2 || y1 - y0 < 2 {
        return Vec::new();
    }
    let mut counts = std::collections::HashMap::<[u8; 3], u32>::new();
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x as u32, y as u32).0;
            *counts.entry([p[0], p[1], p[2]]).or_default() += 1;
        }
    }
    let bg = counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c).unwrap_or([255; 3]);
    let inked = |x: i64| {
        (y0..y1).any(|y| {
            let p = img.get_pixel(x as u32, y as u32).0;
            (0..3).map(|i| p[i].abs_diff(bg[i])).max().unwrap_or(0) > 48
        })
    };
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut start = None;
    for x in x0..=x1 {
        match (x < x1 && inked(x), start) {
            (true, None) => start = Some(x),
            (false, Some(s)) => {
                out.push((s, x));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The span's box inside `line`, from the ink; `None` when the ink cannot be aligned to the
/// text with confidence. `span` is a byte span of `text`.
pub fn span_box(img: &RgbaImage, line: Rect, text: &str, span: (usize, usize)) -> Option<Rect> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let ci = |b: usize| chars.iter().position(|(i, _)| *i >= b).unwrap_or(chars.len());
    let (s0, s1) = (ci(span.0), ci(span.1));
    if s0 >= s1 {
        return None;
    }
    // Blobs closer than a tenth of the line's height are one (letters of a word).
    let near = (line.h() / 10).max(1);
    let mut bl: Vec<(i64, i64)> = Vec::new();
    for b in blobs(img, line) {
        match bl.last_mut() {
            Some(p) if b.0 - p.1 <= near => p.1 = b.1,
            _ => bl.push(b),
        }
    }
    if bl.is_empty() || bl.len() > 300 {
        return None;
    }
    // (cost, words' blob ranges, the words, scale, monospace) of the best alignment so far.
    type Fit = (f64, Vec<(usize, usize)>, Vec<Word>, f64, bool);
    let mut best: Option<Fit> = None;
    for mono in [false, true] {
        let words = words(&chars, mono);
        if words.is_empty() || words.len() > 200 {
            return None;
        }
        let em_ink = words.last().unwrap().e1 - words[0].e0;
        let px_ink = (bl.last().unwrap().1 - bl[0].0) as f64;
        if em_ink <= 0.0 {
            return None;
        }
        // The scale is not known: from the ink's extent (exact unless cells are joined with
        // wide gaps) and from the line's height (an em is 0.65-0.9 of a line box).
        let s0 = px_ink / em_ink;
        let sh = line.h() as f64;
        let scales = (0..14).map(|k| s0 * (1.15 - 0.05 * k as f64)).chain((0..10).map(|k| sh * (0.45 + 0.05 * k as f64)).filter(|s| *s < s0));
        for s in scales {
            if let Some((cost, assign)) = align(&words, &bl, s) {
                if best.as_ref().is_none_or(|b| cost < b.0) {
                    best = Some((cost, assign, words.clone(), s, mono));
                }
            }
        }
    }
    let (cost, assign, words, s, mono) = best?;
    if cost / words.len() as f64 > 1.2 {
        return None;
    }
    let half = 0.5 * s;
    let word_of = |c: usize| words.iter().position(|w| c >= w.c0 && c < w.c1);
    // The x of the boundary before char `c` of word `k`, inside it: interpolated over the
    // word's blobs with its wide gaps kept where they fall.
    let inside = |k: usize, c: usize| {
        let (w, (i, j)) = (words[k], assign[k]);
        within(&bl[i..=j], (em_at(&chars, w, c, mono) - w.e0) / (w.e1 - w.e0).max(1e-6), s)
    };
    // The span's first and last non-space chars: at a word's edge, the ink's own edge (and a
    // pixel); inside a word, half an em towards the neighbour.
    let first = (s0..s1).find(|&c| !chars[c].1.is_whitespace())?;
    let last = (s0..s1).rev().find(|&c| !chars[c].1.is_whitespace())?;
    let (kf, kl) = (word_of(first)?, word_of(last)?);
    let x0 = if first == words[kf].c0 { bl[assign[kf].0].0 as f64 - 1.0 } else { inside(kf, first) - half };
    let x1 = if last + 1 == words[kl].c1 { bl[assign[kl].1].1 as f64 + 1.0 } else { inside(kl, last + 1) + half };
    let (x0, x1) = (x0.max(line.x() as f64), x1.min((line.x() + line.w()) as f64));
    (x1 > x0).then(|| Rect([x0.floor() as i64, line.y(), (x1 - x0).ceil() as i64, line.h()]))
}

fn em_at(chars: &[(usize, char)], w: Word, c: usize, mono: bool) -> f64 {
    w.e0 + chars[w.c0..c].iter().map(|(_, ch)| advance(*ch, mono)).sum::<f64>()
}

/// The words (maximal non-space runs) with their em ranges.
fn words(chars: &[(usize, char)], mono: bool) -> Vec<Word> {
    let mut out = Vec::new();
    let mut e = 0.0;
    let mut cur: Option<Word> = None;
    for (k, (_, c)) in chars.iter().enumerate() {
        let a = advance(*c, mono);
        if c.is_whitespace() {
            if let Some(w) = cur.take() {
                out.push(w);
            }
        } else {
            let w = cur.get_or_insert(Word { c0: k, c1: k, e0: e, e1: e });
            w.c1 = k + 1;
            w.e1 = e + a;
        }
        e += a;
    }
    out.extend(cur);
    out
}

/// The x at fraction `t` of a word's ink-advance, over its blobs: wide gaps (a cell boundary)
/// take no text, so the fraction is spread over the blobs' ink and narrow gaps only.
fn within(bl: &[(i64, i64)], t: f64, s: f64) -> f64 {
    let wide_gap = 0.45 * s;
    // Pieces that carry text: blobs, with narrow gaps merged into them.
    let mut pieces: Vec<(f64, f64)> = Vec::new();
    for &(a, b) in bl {
        match pieces.last_mut() {
            Some(p) if (a as f64 - p.1) <= wide_gap => p.1 = b as f64,
            _ => pieces.push((a as f64, b as f64)),
        }
    }
    let total: f64 = pieces.iter().map(|p| p.1 - p.0).sum();
    let mut left = t.clamp(0.0, 1.0) * total;
    for p in &pieces {
        let len = p.1 - p.0;
        if left <= len {
            return p.0 + left;
        }
        left -= len;
    }
    pieces.last().map_or(0.0, |p| p.1)
}

/// Aligns words to blobs at scale `s` (px per em): the cost and, per word, its blob range.
fn align(words: &[Word], bl: &[(i64, i64)], s: f64) -> Option<(f64, Vec<(usize, usize)>)> {
    let (k_n, j_n) = (words.len(), bl.len());
    if j_n < k_n {
        return None;
    }
    let wide_gap = 0.45 * s;
    // Prefix sums over gaps between consecutive blobs: total width of wide gaps, and count.
    let mut wide_w = vec![0.0f64; j_n];
    let mut wide_n = vec![0u32; j_n];
    for j in 1..j_n {
        let g = (bl[j].0 - bl[j - 1].1) as f64;
        wide_w[j] = wide_w[j - 1] + if g > wide_gap { g } else { 0.0 };
        wide_n[j] = wide_n[j - 1] + (g > wide_gap) as u32;
    }
    let word_cost = |k: usize, i: usize, j: usize| -> f64 {
        let w = words[k];
        let expected = (w.e1 - w.e0) * s;
        let gaps = wide_w[j] - wide_w[i];
        let n_wide = (wide_n[j] - wide_n[i]) as f64;
        let width = (bl[j].1 - bl[i].0) as f64 - gaps;
        let e = (width - expected) / expected.max(0.6 * s);
        4.0 * e * e + 0.3 * n_wide
    };
    let skip = |n: usize| 1.5 * n as f64;
    const INF: f64 = f64::INFINITY;
    // best[k][j]: words 0..=k placed, word k ending at blob j.
    let mut best = vec![vec![INF; j_n]; k_n];
    let mut from = vec![vec![0usize; j_n]; k_n];
    for k in 0..k_n {
        for j in k..j_n - (k_n - 1 - k) {
            for i in k..=j {
                let prev = if k == 0 {
                    skip(i)
                } else if i == 0 {
                    INF
                } else {
                    let p = best[k - 1][i - 1];
                    if p == INF {
                        continue;
                    }
                    // The gap before this word: a space at least a third of its advance.
                    let gap = (bl[i].0 - bl[i - 1].1) as f64;
                    let space = (words[k].e0 - words[k - 1].e1) * s;
                    p + if gap < space / 3.0 { 1.0 } else { 0.0 }
                };
                if prev == INF {
                    continue;
                }
                let c = prev + word_cost(k, i, j);
                if c < best[k][j] {
                    best[k][j] = c;
                    from[k][j] = i;
                }
            }
        }
    }
    let (mut j, cost) = (0..j_n).map(|j| (j, best[k_n - 1][j] + skip(j_n - 1 - j))).min_by(|a, b| a.1.total_cmp(&b.1))?;
    if cost == INF {
        return None;
    }
    let mut assign = vec![(0, 0); k_n];
    for k in (0..k_n).rev() {
        let i = from[k][j];
        assign[k] = (i, j);
        j = i.saturating_sub(1);
    }
    Some((cost, assign))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    /// Draws "words" as solid blocks of their advance widths (sans model) at `s` px per em.
    fn line_image(text: &str, s: f64, gap_after: Option<(usize, i64)>) -> (RgbaImage, Rect, Vec<(f64, f64)>) {
        let mut img = RgbaImage::from_pixel(900, 40, Rgba([255, 255, 255, 255]));
        let mut x = 10.0;
        let mut boxes = Vec::new();
        for (k, c) in text.chars().enumerate() {
            let a = advance(c, false) * s;
            if !c.is_whitespace() {
                for xx in (x + 0.12 * a) as u32..(x + 0.88 * a) as u32 {
                    for y in 12..26 {
                        img.put_pixel(xx, y, Rgba([20, 20, 20, 255]));
                    }
                }
            }
            boxes.push((x, x + a));
            x += a;
            if let Some((at, g)) = gap_after {
                if k + 1 == at {
                    x += g as f64;
                }
            }
        }
        (img, Rect([10, 8, (x - 10.0).ceil() as i64, 22]), boxes)
    }

    #[test]
    fn a_word_in_the_middle_of_a_line() {
        let text = "ping Jane Doe about the invoice";
        let (img, line, chars) = line_image(text, 16.0, None);
        let b = span_box(&img, line, text, (5, 13)).unwrap();
        // Covers "Jane Doe" and leaves "ping" and "about".
        assert!(b.x() as f64 <= chars[5].0 + 0.12 * 16.0 * 0.5 && (b.x() + b.w()) as f64 >= chars[12].1 - 2.0, "{b:?}");
        assert!(b.x() as f64 > chars[3].1 && ((b.x() + b.w()) as f64) < chars[14].0 + 2.0, "{b:?} paints a neighbour");
    }

    #[test]
    fn a_value_glued_to_its_label_across_a_cell_gap() {
        // "SSN" then a 120 px cell gap then "536-22-1234": the text has no space between.
        let text = "SSN536-22-1234";
        let (img, line, chars) = line_image(text, 16.0, Some((3, 120)));
        let b = span_box(&img, line, text, (3, 14)).unwrap();
        assert!((b.x() as f64) > chars[2].1, "the label stays: {b:?}");
        assert!(b.x() as f64 <= chars[3].0 + 3.0 + 120.0 && (b.x() + b.w()) as f64 >= chars[13].1 - 2.0, "{b:?}");
    }

    #[test]
    fn no_ink_no_box() {
        let img = RgbaImage::from_pixel(100, 30, Rgba([255, 255, 255, 255]));
        assert_eq!(span_box(&img, Rect([0, 0, 100, 30]), "Jane Doe", (0, 4)), None);
    }
}
