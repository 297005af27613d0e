//! Localisation: from text findings on UI-tree nodes to boxes on the screenshot.
//!
//! A node whose text holds a finding is painted: with `lines`, only the span's estimated box
//! inside its line ([`span_box`]; the whole node when a value straddles lines); without, the
//! node's box. Secure nodes are always painted. Windows out of scope are painted whole.
//! Detected text regions are left only where checked nodes of comparable size cover them
//! ([`coverage`]).

use crate::capture::{Rect, WindowRef};

/// A box to paint, in image pixels, with why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaintBox {
    pub rect: Rect,
    pub why: PaintReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaintReason {
    NodeText,
    LineText,
    LineSpan,
    SecureNode,
    OutOfScopeWindow,
    Face,
    TextRegion,
}

/// The box of a char span inside one visual line, by proportion of characters (screen fonts
/// are not monospace, so a margin of `margin_chars` average character widths is added on
/// each side). `span` is a byte span of `text`.
pub fn span_box(line: Rect, text: &str, span: (usize, usize), margin_chars: f64) -> Rect {
    let total = text.chars().count().max(1) as f64;
    let a = text[..span.0].chars().count() as f64;
    let b = text[..span.1].chars().count() as f64;
    let cw = line.w() as f64 / total;
    let x0 = (line.x() as f64 + a * cw - margin_chars * cw).max(line.x() as f64);
    let x1 = (line.x() as f64 + b * cw + margin_chars * cw).min((line.x() + line.w()) as f64);
    Rect([x0.floor() as i64, line.y(), (x1 - x0).ceil() as i64, line.h()])
}

/// Share (0..1) of `region` lying inside any of `vouchers`, by sampling a grid of points.
/// Only vouchers of a size comparable to the region count (at most `max_ratio` times its
/// area): a window-sized container node says nothing about the text drawn inside it.
pub fn coverage(region: &Rect, vouchers: &[Rect], max_ratio: i64) -> f32 {
    let area = (region.w() * region.h()).max(1);
    let near: Vec<&Rect> = vouchers.iter().filter(|v| v.w() * v.h() <= area * max_ratio && crate::detect::image::intersection(v, region) > 0).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_localise_inside_lines() {
        let line = Rect([100, 10, 200, 20]); // 20 chars, 10 px each
        let text = "call 415-555-2671 ok";
        let b = span_box(line, text, (5, 17), 1.0);
        assert_eq!(b, Rect([140, 10, 140, 20]));
        // Clipped to the line at its ends.
        assert_eq!(span_box(line, text, (0, 4), 1.0).x(), 100);
    }

    #[test]
    fn coverage_needs_comparable_vouchers() {
        let region = Rect([0, 0, 120, 20]);
        assert_eq!(coverage(&region, &[Rect([0, 0, 120, 20])], 8), 1.0);
        assert!((coverage(&region, &[Rect([0, 0, 60, 20])], 8) - 0.5).abs() < 0.01);
        assert_eq!(coverage(&region, &[Rect([0, 0, 1920, 1080])], 8), 0.0, "a window-sized node vouches for nothing");
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
