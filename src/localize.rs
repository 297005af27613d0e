//! Localisation: from text findings on UI-tree nodes to boxes on the screenshot.
//!
//! A node whose text holds a finding is painted: with `lines`, only the lines whose text holds
//! a finding (or the whole node when a value straddles lines); without, the node's box.
//! Secure nodes are always painted. Windows out of scope are painted whole.

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
    SecureNode,
    OutOfScopeWindow,
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

/// Boxes for one node, given whether its text and each of its lines' texts hold findings.
pub fn node_boxes(bounds: Rect, secure: bool, node_has_pii: bool, lines: Option<&[(Rect, bool)]>) -> Vec<PaintBox> {
    if secure {
        return vec![PaintBox { rect: bounds, why: PaintReason::SecureNode }];
    }
    let mut out = Vec::new();
    if let Some(lines) = lines.filter(|l| !l.is_empty()) {
        for (rect, has) in lines {
            if *has {
                out.push(PaintBox { rect: *rect, why: PaintReason::LineText });
            }
        }
        if node_has_pii && out.is_empty() {
            out.push(PaintBox { rect: bounds, why: PaintReason::NodeText });
        }
    } else if node_has_pii {
        out.push(PaintBox { rect: bounds, why: PaintReason::NodeText });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_narrow_the_box_unless_the_value_straddles() {
        let node = Rect([0, 0, 100, 40]);
        let l1 = Rect([0, 0, 100, 20]);
        let l2 = Rect([0, 20, 100, 20]);
        let b = node_boxes(node, false, true, Some(&[(l1, false), (l2, true)]));
        assert_eq!(b, vec![PaintBox { rect: l2, why: PaintReason::LineText }]);
        let b = node_boxes(node, false, true, Some(&[(l1, false), (l2, false)]));
        assert_eq!(b[0].rect, node);
        assert_eq!(node_boxes(node, true, false, None)[0].why, PaintReason::SecureNode);
        assert!(node_boxes(node, false, false, None).is_empty());
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
