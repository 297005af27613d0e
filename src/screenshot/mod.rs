//! The screenshot path, OCR-free: a frame's windows and UI nodes are checked (titles and node
//! text through the text detectors), then its pixels are painted: out-of-scope windows, nodes
//! and line spans holding findings ([`localize`]), secure nodes, faces, and text regions that
//! no checked node vouches for; then re-encoded ([`paint`]).
//!
//! It must never write a frame whose pixels it could not check: a model failure or an image it
//! cannot decode drops the event.

pub mod face_reuse;
pub mod glyphs;
pub mod localize;
pub mod paint;
pub mod pictures;
pub mod reuse;
pub mod rows;
pub mod scan;

use crate::capture::{DropReason, Screenshot};
use crate::pipeline::{Engine, FrameIo, NerCache};
use crate::report::FindingReport;
use crate::runtime::ModelError;
use localize::{PaintBox, PaintReason};
use reuse::{FrameMemory, Plan};
use scan::{is_picture, vouches};

/// A small deterministic generator (xorshift32) for the screenshot modules' randomised tests.
#[cfg(test)]
pub(crate) fn xorshift32(mut seed: u32) -> impl FnMut() -> u32 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    }
}

impl Engine {
    /// Redacts a screenshot: its windows' titles and its nodes' text; then paints its frame:
    /// out-of-scope windows, nodes and line spans holding findings, secure nodes, faces, and
    /// text regions no checked UI node vouches for.
    ///
    /// The frame is read through `frames`; the painted one is returned, named by the engine
    /// ([`frame_name`]) and not yet written, so that the caller writes it only if the event
    /// leaves. `focus` is the stream's view: a frame taken while an out-of-scope window has
    /// focus is dropped whatever its own window list says.
    ///
    /// `memory`: the stream's previous frame ([`reuse`]), for a frame that follows it in
    /// capture order; the image models then run again only where the pixels changed (a
    /// byte-identical frame with the same boxes is not even decoded). `None`: a full scan.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn redact_screenshot(
        &self,
        seq: u64,
        s: &mut Screenshot,
        focus: &FrameFocus,
        findings: &mut Vec<FindingReport>,
        frames: &dyn FrameIo,
        cache: Option<&NerCache>,
        mut memory: Option<&mut FrameMemory>,
    ) -> Result<FrameOut, DropReason> {
        let failed = |_: ModelError| DropReason::ModelFailed;
        let scope = &self.policy.scope;
        let sc = &self.policy.file.screenshots;
        let mut boxes: Vec<PaintBox> = Vec::new();
        let mut stats = FrameStats::default();
        let windows = s.windows.take().unwrap_or_default();
        if !focus.in_scope {
            // The focused window is out of scope (per the stream): where it lies on this frame
            // cannot be trusted to the frame's own list, which may omit it. Nothing is reused
            // across it.
            if let Some(m) = memory {
                m.forget();
            }
            return Err(DropReason::OutOfScope);
        }
        // A window the stream saw out of scope (by its URL, say) is out of scope here too,
        // though the frame's list carries no URL.
        let in_scope: Vec<bool> = windows.iter().map(|w| scope.window_in_scope(Some(&w.app), &w.title, None) && !focus.denied(&w.app, &w.title)).collect();
        for (w, ok) in windows.iter().zip(&in_scope) {
            if !ok {
                boxes.push(PaintBox::new(w.bounds, PaintReason::OutOfScopeWindow));
            }
        }
        // Boxes whose text was read and checked: they vouch for the text regions under them.
        let mut vouchers: Vec<crate::capture::Rect> = Vec::new();
        // Findings inside lines: (line box, its text, byte span, what), localised once the
        // pixels are decoded.
        let mut line_spans: Vec<LineSpan> = Vec::new();
        // The frame is read and decoded beside the text work (titles, node texts), which
        // does not need its pixels.
        let image = s.image.clone();
        let max_pixels = self.policy.file.limits.max_image_pixels;
        let (pixels, text_done) = rayon::join(
            || -> Result<(Vec<u8>, image::RgbaImage), DropReason> {
                let bytes = frames.read_checked(&image)?;
                let mut img = paint::decode(&bytes, max_pixels)?;
                // What the detectors see is what leaves: text drawn only in the alpha channel
                // shows.
                paint::flatten_alpha(&mut img);
                Ok((bytes, img))
            },
            || -> Result<(), DropReason> {
            let mut kept_windows = Vec::new();
            for (i, (mut w, ok)) in windows.clone().into_iter().zip(&in_scope).enumerate() {
                if *ok {
                    self.redact_field(&mut w.title, &format!("windows[{i}].title"), findings, cache).map_err(failed)?;
                    kept_windows.push(w);
                }
            }
            let nodes = s.nodes.take().unwrap_or_default();
            if nodes.is_empty() && sc.require_nodes && self.text_regions.is_none() {
                return Err(DropReason::UnverifiedPixels);
            }
            let mut kept_nodes = Vec::with_capacity(nodes.len());
            // Short node texts as they came (before redaction), for joins along a row.
            let mut originals: Vec<(usize, String, crate::capture::Rect, Option<String>)> = Vec::new();
            for (i, mut n) in nodes.into_iter().enumerate() {
                let (cx, cy) = localize::centre(&n.bounds);
                if localize::window_at(&windows, cx, cy).is_some_and(|w| !in_scope[w]) {
                    continue; // belongs to a blanked window: neither text nor box leaves
                }
                // A node is secure when it says so, when its role is a password's, or when the
                // stream has seen its element secure.
                n.secure = n.secure || n.role.as_deref().is_some_and(crate::keys::tracker::is_password_role) || n.id.as_deref().is_some_and(|id| focus.secure.is_secure_element(id));
                // A secure node's text is emptied whatever it holds: rules only, no model run.
                let node_cache = if n.secure { None } else { cache };
                let original = (!n.secure && n.lines.is_none()).then(|| n.text.clone());
                let node_original = n.text.clone();
                let line_originals: Vec<String> = n.lines.iter().flatten().map(|l| l.text.clone()).collect();
                let mut node_spans = self.redact_field(&mut n.text, &format!("nodes[{i}].text"), findings, node_cache).map_err(failed)?;
                // Pieces of values the stream saw typed into this element (a box of a card).
                if let Some(values) = n.id.as_ref().and_then(|id| focus.values.get(&format!("e\0{id}"))) {
                    let found = crate::detect::pieces::find(&n.text, values, 4);
                    if !found.is_empty() {
                        node_spans.extend(found.iter().map(|f| (f.start, f.end)));
                        self.report_findings(&found, &format!("nodes[{i}].text"), findings);
                        n.text = crate::operators::apply(&n.text, &found, |e| self.policy.action(e), &self.pseudo);
                    }
                }
                if let (Some(t), true) = (original, node_spans.is_empty()) {
                    originals.push((kept_nodes.len(), t, n.bounds, n.role.clone()));
                }
                let node_first = findings.len().saturating_sub(node_spans.len());
                let node_entity = findings.get(node_first).map(|f| (f.entity, f.detector));
                // Only a box whose text was read and checked vouches for the pixels under it
                // (`scan::vouches`): not a picture, not an empty one.
                let picture = is_picture(&n);
                let mut line_hits = 0;
                // Values found in the node's text that straddle its lines: their pieces per line,
                // or None when a piece lies in no line (then the whole node is painted).
                let node_found: Vec<crate::detect::Finding> = node_spans
                    .iter()
                    .enumerate()
                    .map(|(k, &(start, end))| {
                        let (entity, detector) = findings.get(node_first + k).map(|f| (f.entity, f.detector)).or(node_entity).unwrap_or((crate::detect::Entity::Secret, "node"));
                        crate::detect::Finding { start, end, entity, detector, score: 1.0 }
                    })
                    .collect();
                let pieces = straddling_pieces(&node_original, &node_found, &line_originals);
                if let Some(lines) = n.lines.as_mut() {
                    for (j, l) in lines.iter_mut().enumerate() {
                        let original = l.text.clone();
                        let before = findings.len();
                        let field = format!("nodes[{i}].lines[{j}].text");
                        let spans = match pieces.as_ref().map(|p| &p[j]).filter(|p| !p.is_empty()) {
                            // A piece of a value that straddles lines: the line's own findings and
                            // the piece, replaced in its text and painted as one.
                            Some(extra) => {
                                let mut r = self.redact_with(&original, node_cache).map_err(failed)?;
                                r.findings.extend(extra.iter().cloned());
                                let found = crate::detect::resolve_in(&original, r.findings);
                                self.report_findings(&found, &field, findings);
                                l.text = crate::operators::apply(&original, &found, |e| self.policy.action(e), &self.pseudo);
                                found.iter().map(|f| (f.start, f.end)).collect()
                            }
                            None => self.redact_field(&mut l.text, &field, findings, node_cache).map_err(failed)?,
                        };
                        for (sp, f) in spans.iter().zip(&findings[before..]) {
                            line_spans.push((l.bounds, original.clone(), *sp, (f.entity, f.detector)));
                        }
                        line_hits += spans.len();
                        if vouches(picture, &original) {
                            vouchers.push(l.bounds);
                        }
                    }
                } else if vouches(picture, &n.text) {
                    vouchers.push(n.bounds);
                }
                if n.secure {
                    n.text.clear();
                    if let Some(lines) = n.lines.as_mut() {
                        lines.iter_mut().for_each(|l| l.text.clear());
                    }
                    boxes.push(PaintBox::new(n.bounds, PaintReason::SecureNode));
                } else if !node_spans.is_empty() && (line_hits == 0 || pieces.is_none()) {
                    // No lines, or a value straddles lines where they cannot be told: the whole node.
                    boxes.push(PaintBox { finding: node_entity, ..PaintBox::new(n.bounds, PaintReason::NodeText) });
                }
                kept_nodes.push(n);
            }
            // Values split over a row of boxes: each box's text goes, and its pixels.
            let cells: Vec<rows::Cell> = originals.iter().map(|(k, t, b, r)| rows::Cell { index: *k, text: t, bounds: *b, role: r.as_deref() }).collect();
            for j in rows::join(&cells, &|t| self.detect_with(t, None).unwrap_or_default()) {
                let action = self.policy.action(j.entity);
                for &k in &j.nodes {
                    let n = &mut kept_nodes[k];
                    let len = n.text.len();
                    findings.push(FindingReport { entity: j.entity, detector: j.detector, field: "nodes (row)".into(), start: 0, end: len, action: action.name(), keys: None });
                    n.text = crate::operators::replacement(action, j.entity, &n.text, &self.pseudo);
                    boxes.push(PaintBox { finding: Some((j.entity, j.detector)), ..PaintBox::new(n.bounds, PaintReason::NodeText) });
                }
            }
            s.windows = (!kept_windows.is_empty()).then_some(kept_windows);
            s.nodes = Some(kept_nodes);
                Ok(())
            },
        );
        // The text work's outcome first (as when it ran before the frame was read).
        text_done?;
        let (bytes, mut img) = pixels?;
        let name = frame_name(seq, &s.image);
        // A byte-identical frame whose boxes, spans and layout are the previous frame's too
        // leaves as that frame's output did, undecoded.
        let (input, facts) = match memory.is_some() {
            true => (reuse::hash_bytes(&bytes), reuse::hash_debug(&[&boxes, &line_spans, &windows, &in_scope, &s.nodes, &vouchers, &name.rsplit('.').next()])),
            false => (0, 0),
        };
        if let Some(m) = memory.as_deref_mut() {
            if let Some(out) = m.same_output(self.id, input, facts) {
                m.reused_output();
                s.image = name;
                stats.boxes = out.boxes.clone();
                stats.faces = out.faces;
                stats.text_regions = out.text_regions;
                return Ok(FrameOut { stats, bytes: out.bytes.clone() });
            }
        }
        drop(bytes);
        let layout = scan::Layout { windows: &windows, in_scope: &in_scope, nodes: s.nodes.as_deref().unwrap_or_default(), vouchers: &vouchers };
        let size = img.dimensions();
        let layout_key = reuse::hash_debug(&[&windows, &in_scope]);
        // In a stream whose frames keep changing, the whole-frame face pass (which any change
        // needs, and which is the longest part) starts at once, beside the glyph boxes, the
        // tile hashes and the search for areas; it sees this very frame, whatever the plan.
        let early = self.faces.is_some() && memory.as_deref().is_some_and(FrameMemory::expects_change);
        let frame = &img;
        // The face model's head outputs over this frame are kept for the next one only when
        // no window on it is out of scope (they are numbers derived from the pixels, and an
        // out-of-scope window's pixels are kept by nothing).
        let keep_faces = in_scope.iter().all(|ok| *ok);
        let keep = memory.is_some() && keep_faces;
        let face_memo = memory.as_deref().and_then(|m| m.face_memo(self.id)).filter(|_| keep);
        let (early_whole, (span_boxes, tiles, reused, changed, scanned)) = rayon::join(
            || early.then(|| self.whole_faces(frame, &Plan::Full, face_memo, keep)),
            || {
                // Spans inside lines: to their glyphs where the ink aligns with the text, else
                // the proportional estimate with its wide margins.
                let span_boxes: Vec<PaintBox> = line_spans
                    .into_iter()
                    .map(|(line, text, sp, finding)| {
                        let (rect, pad) = match glyphs::span_box(frame, line, &text, sp) {
                            Some(r) => (to_line_ends(r, line, &text, sp), Some(1)),
                            None => (localize::span_box(line, &text, sp), None),
                        };
                        PaintBox { finding: Some(finding), pad, ..PaintBox::new(rect, PaintReason::LineSpan) }
                    })
                    .collect();
                // The previous frame's results where the pixels are unchanged (a full scan when
                // the windows, their scope or the size changed, or much of the frame did).
                let tiles = memory.as_ref().map(|_| reuse::tile_hashes(frame)).unwrap_or_default();
                let plan = memory.as_deref().map_or(Plan::Full, |m| m.plan(self.id, size, layout_key, &tiles));
                let reused = matches!(plan, Plan::Reuse { .. });
                let changed = !matches!(&plan, Plan::Reuse { dirty, .. } if dirty.is_clean());
                let scanned = if early {
                    self.scan_areas(frame, &layout, &plan).map(|a| (None, a))
                } else {
                    let (whole, areas) = rayon::join(|| self.whole_faces(frame, &plan, face_memo, keep), || self.scan_areas(frame, &layout, &plan));
                    whole.and_then(|w| areas.map(|a| (Some(w), a)))
                };
                (span_boxes, tiles, reused, changed, scanned)
            },
        );
        boxes.extend(span_boxes);
        let mut parts = match (early_whole, scanned) {
            (Some(Ok(whole)), Ok((None, areas))) | (None, Ok((Some(whole), areas))) => scan::Parts::assemble(whole, areas),
            _ => {
                if let Some(m) = memory.as_deref_mut() {
                    m.forget();
                }
                return Err(DropReason::ModelFailed);
            }
        };
        if !keep_faces {
            parts.whole.memo = None;
        }
        let found = self.finish_scan(&parts, &layout);
        stats.faces_ms = found.faces_ms;
        stats.text_ms = found.text_ms;
        stats.faces = found.faces.len();
        stats.text_regions = found.text_regions.len();
        // Faces painted grown by `face_scale` (hair, ears), and optionally the whole picture
        // node holding one.
        for f in found.faces {
            boxes.push(PaintBox::new(pictures::head(&f.rect, sc.face_scale), PaintReason::Face));
            let (cx, cy) = localize::centre(&f.rect);
            if sc.whole_pictures_with_faces {
                if let Some(p) = layout.nodes.iter().filter(|n| is_picture(n)).map(|n| n.bounds).find(|p| cx >= p.x() && cy >= p.y() && cx < p.x() + p.w() && cy < p.y() + p.h()) {
                    boxes.push(PaintBox::new(p, PaintReason::Face));
                }
            }
        }
        boxes.extend(found.text_regions.into_iter().map(|r| PaintBox::new(r.rect, PaintReason::TextRegion)));
        for b in &boxes {
            paint::paint(&mut img, &b.rect, b.pad.unwrap_or(sc.padding), paint::mode_for(b.why, sc), sc.fill);
        }
        let out = paint::encode(&img, &name)?;
        s.image = name;
        if let Some(m) = memory {
            let kept = reuse::Output { bytes: out.clone(), boxes: boxes.clone(), faces: stats.faces, text_regions: stats.text_regions };
            m.remember(self.id, size, layout_key, tiles, parts, reused, changed, input, facts, kept);
        }
        stats.boxes = boxes;
        Ok(FrameOut { stats, bytes: out })
    }
}

/// The name a redacted frame leaves under: `frames/` + the event's `seq` (8 digits at least) +
/// `.png`, or `.jpg` for a JPEG input. One file per event, named by the engine alone: nothing
/// of the client's file name (which may carry anything) leaves, and two events naming the same
/// input file get two outputs, each painted with its own boxes.
pub fn frame_name(seq: u64, input: &str) -> String {
    let lower = input.to_ascii_lowercase();
    let ext = if lower.ends_with(".jpg") || lower.ends_with(".jpeg") { "jpg" } else { "png" };
    format!("frames/{seq:08}.{ext}")
}

/// Is `name` one [`frame_name`] makes?
pub fn is_frame_name(name: &str) -> bool {
    name.strip_prefix("frames/")
        .and_then(|r| r.strip_suffix(".png").or_else(|| r.strip_suffix(".jpg")))
        .is_some_and(|d| d.len() >= 8 && d.bytes().all(|b| b.is_ascii_digit()))
}

/// What the stream knows about focus when a frame comes: whether the focused window is in
/// scope, and which windows it has seen out of scope (keyed hashes of app and title).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameFocus<'a> {
    pub in_scope: bool,
    pub denied: &'a crate::pipeline::DeniedWindows,
    /// Elements the stream has seen secure (or with a password role): their nodes are secure.
    pub secure: &'a crate::keys::KeyTracker,
    /// Values found in what was typed, per field (`e\0element`): pieces of them in the nodes
    /// of those elements go too.
    pub values: &'a std::collections::HashMap<String, Vec<(String, crate::detect::Entity)>>,
}

impl FrameFocus<'_> {
    fn denied(&self, app: &str, title: &str) -> bool {
        self.denied.contains(app, title)
    }
}

/// A finding inside a line, waiting for the decoded pixels to be localised: the line's box,
/// its text, the byte span, and the entity and detector behind it.
type LineSpan = (crate::capture::Rect, String, (usize, usize), (crate::detect::Entity, &'static str));

/// A painted frame, not yet written.
pub(crate) struct FrameOut {
    pub stats: FrameStats,
    pub bytes: Vec<u8>,
}

/// For each line of a node, the pieces of the node's findings that lie in no line whole (they
/// straddle a line break), as findings of that line's text; `Some` of empty vectors when no
/// finding straddles. `None` when the lines cannot be placed in the node's text in order, or
/// a straddling value has a visible piece outside every line: then only the whole node is safe.
fn straddling_pieces(text: &str, found: &[crate::detect::Finding], lines: &[String]) -> Option<Vec<Vec<crate::detect::Finding>>> {
    let mut out = vec![Vec::new(); lines.len()];
    let straddling: Vec<&crate::detect::Finding> = found
        .iter()
        .filter(|f| {
            let v = text.get(f.start..f.end).unwrap_or("").trim();
            !v.is_empty() && !lines.iter().any(|l| l.contains(v))
        })
        .collect();
    if straddling.is_empty() || lines.is_empty() {
        return Some(out);
    }
    // Each line's byte offset in the node's text, in order.
    let mut at = Vec::with_capacity(lines.len());
    let mut cursor = 0;
    for l in lines {
        let o = cursor + text.get(cursor..)?.find(l.as_str())?;
        at.push(o);
        cursor = o + l.len();
    }
    for f in straddling {
        let mut covered = vec![false; f.end - f.start];
        for (j, (l, &o)) in lines.iter().zip(&at).enumerate() {
            let (s, e) = (f.start.max(o), f.end.min(o + l.len()));
            if s < e {
                covered[s - f.start..e - f.start].iter_mut().for_each(|c| *c = true);
                out[j].push(crate::detect::Finding { start: s - o, end: e - o, ..*f });
            }
        }
        let outside = text[f.start..f.end].char_indices().any(|(k, c)| !covered[k] && !c.is_whitespace());
        if outside {
            return None;
        }
    }
    Some(out)
}

/// A glyph box reaching its line's text's start or end goes on to that edge of the line's box:
/// nothing of the line lies beyond it to keep, and a pixel of anti-aliased ink might.
fn to_line_ends(r: crate::capture::Rect, line: crate::capture::Rect, text: &str, (s, e): (usize, usize)) -> crate::capture::Rect {
    let (mut x0, mut x1) = (r.x(), r.x() + r.w());
    if text.get(..s).is_some_and(|t| t.trim().is_empty()) {
        x0 = x0.min(line.x());
    }
    if text.get(e..).is_some_and(|t| t.trim().is_empty()) {
        x1 = x1.max(line.x() + line.w());
    }
    crate::capture::Rect([x0, r.y(), x1 - x0, r.h()])
}

#[derive(Default)]
pub(crate) struct FrameStats {
    /// Every box painted, with why.
    pub boxes: Vec<PaintBox>,
    pub faces: usize,
    pub text_regions: usize,
    pub faces_ms: f64,
    pub text_ms: f64,
}

