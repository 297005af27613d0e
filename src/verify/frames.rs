//! One output frame, checked as it will be uploaded: its container ([`super::container`]), that
//! it decodes, that every box of the report is painted ([`super::pixels`]), and then the
//! engine's own face and text-region models over it with the screenshot path's vouching rule
//! ([`crate::screenshot::scan`]): a face, or a text region no checked node vouches for, that no
//! painted box covers is a problem.
//!
//! It must never put a pixel or a node's text in a problem: the frame's name, a box number and
//! its rectangle only.

use super::container;
use super::pixels::{blend_painted, unpainted};
use super::problem::{Problem, ProblemKind};
use crate::capture::{Rect, Screenshot};
use crate::pipeline::Engine;
use crate::report::read::BoxFile;
use crate::screenshot::{localize, paint, scan};

fn rect(r: &Rect) -> String {
    format!("[{}, {}, {}, {}]", r.x(), r.y(), r.w(), r.h())
}

impl Engine {
    /// Problems of one frame's bytes, for its screenshot event and the boxes the report lists.
    pub(crate) fn check_frame(&self, s: &Screenshot, bytes: &[u8], boxes: &[BoxFile]) -> Vec<Problem> {
        let name = s.image.as_str();
        let mut out: Vec<Problem> = container::check(name, bytes).into_iter().map(|(k, what)| Problem::new(k, format!("{name} ({what})"))).collect();
        let sc = &self.policy.file.screenshots;
        let Ok(mut img) = paint::decode(bytes, self.policy.file.limits.max_image_pixels) else {
            out.push(Problem::new(ProblemKind::FrameUndecodable, name));
            return out;
        };
        let jpeg = name.ends_with(".jpg");
        let failed = unpainted(&img, boxes, sc, jpeg);
        for &i in &failed {
            let b = &boxes[i];
            out.push(Problem::new(ProblemKind::BoxNotPainted, format!("{name} box {i} ({}) {}", b.why.as_str(), rect(&Rect(b.rect)))));
        }
        // The models see what a viewer would: alpha flattened onto white, as the redaction did,
        // and the boxes proven painted blended away (a black rectangle is no text).
        paint::flatten_alpha(&mut img);
        blend_painted(&mut img, boxes, &failed, sc.padding);
        let windows = s.windows.clone().unwrap_or_default();
        let scope = &self.policy.scope;
        let in_scope: Vec<bool> = windows.iter().map(|w| scope.window_in_scope(Some(&w.app), &w.title, None)).collect();
        let nodes = s.nodes.as_deref().unwrap_or_default();
        let vouchers: Vec<Rect> = nodes.iter().flat_map(scan::vouchers_of).collect();
        let layout = scan::Layout { windows: &windows, in_scope: &in_scope, nodes, vouchers: &vouchers };
        let found = match crate::guard::catch(|| self.scan_frame(&img, &layout)) {
            Ok(Ok(f)) => f,
            _ => {
                out.push(Problem::new(ProblemKind::Unchecked, format!("{name} (the image models failed on it)")));
                return out;
            }
        };
        // What a painted box covers is painted: grown by the padding it was painted with.
        let painted: Vec<Rect> = boxes
            .iter()
            .map(|b| {
                let pad = b.pad.unwrap_or(sc.padding) as i64;
                Rect([b.rect[0] - pad, b.rect[1] - pad, b.rect[2] + 2 * pad, b.rect[3] + 2 * pad])
            })
            .collect();
        let covered = |r: &Rect, share: f32| localize::coverage(r, &painted, 1 << 40) >= share;
        for f in found.faces.iter().filter(|f| !covered(&f.rect, 0.5)) {
            out.push(Problem::new(ProblemKind::Face, format!("{name} {}", rect(&f.rect))));
        }
        for r in found.text_regions.iter().filter(|r| !covered(&r.core, sc.text_coverage)) {
            out.push(Problem::new(ProblemKind::UnvouchedText, format!("{name} {}", rect(&r.core))));
        }
        out
    }
}
