//! The run report: per event, what was found (entity, detector, field, byte span) and what was
//! done; totals, drops by reason, and per-stage timings. It never holds a captured value.

pub mod read;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::capture::DropReason;
use crate::detect::Entity;
use crate::screenshot::localize::{PaintBox, PaintReason};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingReport {
    pub entity: Entity,
    pub detector: &'static str,
    /// Which field: `text`, `title`, `url`, `nodes[3].text`, `nodes[3].lines[1].text`, `keys`.
    pub field: String,
    /// Byte span in the original field (for `keys`: in the text rebuilt from key events).
    pub start: usize,
    pub end: usize,
    pub action: &'static str,
    /// For `keys`: how many key events typed the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<usize>,
}

/// One painted box of a frame: its rectangle in image pixels `[x, y, w, h]`, why it was
/// painted, and for text boxes the entity and detector behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoxReport {
    pub rect: [i64; 4],
    pub why: PaintReason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detector: Option<&'static str>,
    /// Padding painted around `rect` in px when it is not the policy's `padding` (a span
    /// localised to its glyphs is painted with 1 px so the words beside it stay readable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pad: Option<u32>,
}

impl From<&PaintBox> for BoxReport {
    fn from(b: &PaintBox) -> BoxReport {
        BoxReport { rect: b.rect.0, why: b.why, entity: b.finding.map(|f| f.0), detector: b.finding.map(|f| f.1), pad: b.pad }
    }
}

/// One input line's outcome. Only lines with findings, drops or paint appear in the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EventReport {
    /// 1-based line number in `events.jsonl`.
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<DropReason>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingReport>,
    /// Boxes painted on this event's frame.
    #[serde(skip_serializing_if = "is_zero")]
    pub painted_boxes: usize,
    /// Each of them: where, why, and for text what was found there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub boxes: Vec<BoxReport>,
    /// Faces found on this event's frame (all painted).
    #[serde(skip_serializing_if = "is_zero")]
    pub faces: usize,
    /// Text regions painted because no checked UI node covered them.
    #[serde(skip_serializing_if = "is_zero")]
    pub text_regions: usize,
    /// Fields removed because `capture/1` does not define them.
    #[serde(skip_serializing_if = "is_zero")]
    pub unknown_fields: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl EventReport {
    pub fn is_noteworthy(&self) -> bool {
        self.dropped.is_some() || !self.findings.is_empty() || self.painted_boxes > 0 || self.unknown_fields > 0
    }
}

/// Wall-clock milliseconds per stage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub read_parse_ms: f64,
    pub scope_ms: f64,
    pub keys_ms: f64,
    /// The NER model over every distinct text field of the batch, before the fields are redacted.
    pub ner_ms: f64,
    pub text_ms: f64,
    pub frames_ms: f64,
    /// Of frames_ms: the face and text-region model calls' own time, summed over the calls
    /// (they run side by side, so the sum can exceed the frame's wall time); the search for
    /// where to call them (picture-like regions, unvouched ink) is not in it.
    pub faces_ms: f64,
    pub text_regions_ms: f64,
    pub write_ms: f64,
    pub total_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub input_lines: usize,
    pub output_events: usize,
    pub output_frames: usize,
    pub findings: usize,
    pub by_entity: BTreeMap<Entity, usize>,
    pub by_detector: BTreeMap<&'static str, usize>,
    pub by_action: BTreeMap<&'static str, usize>,
    pub dropped: usize,
    pub drops: BTreeMap<DropReason, usize>,
    pub unknown_fields: usize,
    pub painted_boxes: usize,
    pub faces: usize,
    pub text_regions: usize,
    /// Key events rewritten (replaced text), apart from those dropped.
    pub keys_rewritten: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub engine: &'static str,
    /// `env` when the pseudonym key came from the environment, `ephemeral` for a per-run key.
    pub pseudonym_key: &'static str,
    pub totals: Totals,
    pub timings: Timings,
    pub events: Vec<EventReport>,
}

impl Report {
    pub fn new(pseudonym_key: &'static str) -> Report {
        Report {
            format: "veil-report/1",
            engine: concat!("veil ", env!("CARGO_PKG_VERSION")),
            pseudonym_key,
            totals: Totals::default(),
            timings: Timings::default(),
            events: Vec::new(),
        }
    }

    /// Adds one event's outcome to the totals, and keeps it if noteworthy.
    pub fn add(&mut self, ev: EventReport) {
        let t = &mut self.totals;
        t.input_lines += 1;
        if let Some(r) = ev.dropped {
            t.dropped += 1;
            *t.drops.entry(r).or_default() += 1;
        }
        for f in &ev.findings {
            t.findings += 1;
            *t.by_entity.entry(f.entity).or_default() += 1;
            *t.by_detector.entry(f.detector).or_default() += 1;
            *t.by_action.entry(f.action).or_default() += 1;
        }
        t.unknown_fields += ev.unknown_fields;
        t.painted_boxes += ev.painted_boxes;
        t.faces += ev.faces;
        t.text_regions += ev.text_regions;
        if ev.is_noteworthy() {
            self.events.push(ev);
        }
    }

    /// Counts the events that leave (and the frames among them).
    pub fn count_output(&mut self, events: &[crate::capture::Event]) {
        self.totals.output_events += events.len();
        self.totals.output_frames += events.iter().filter(|e| matches!(e.body, crate::capture::Body::Screenshot(_))).count();
    }

    /// A short human summary (for the CLI).
    pub fn summary(&self) -> String {
        let t = &self.totals;
        let mut s = format!(
            "{} lines in, {} events out ({} frames), {} dropped; {} findings, {} boxes painted ({} faces, {} text regions), {} keys rewritten; {:.0} ms",
            t.input_lines, t.output_events, t.output_frames, t.dropped, t.findings, t.painted_boxes, t.faces, t.text_regions, t.keys_rewritten, self.timings.total_ms
        );
        if !t.by_entity.is_empty() {
            s.push_str("\n  found: ");
            s.push_str(&t.by_entity.iter().map(|(e, n)| format!("{}={n}", e.name())).collect::<Vec<_>>().join(" "));
        }
        if !t.drops.is_empty() {
            s.push_str("\n  dropped: ");
            s.push_str(&t.drops.iter().map(|(r, n)| format!("{}={n}", r.as_str())).collect::<Vec<_>>().join(" "));
        }
        s
    }
}
