//! `report.json` against itself and against the events: totals that add up (per entity,
//! detector, action, drop reason; lines in = events out + dropped), each box counted once, every
//! output event the report names present with its kind, and only the words the engine writes
//! (format, kinds, actions, field paths, detector names). The report leaves with the archive,
//! so a free string in it would be a way out for a value.
//!
//! It must never quote a report string in a problem: the path of the field only.

use std::collections::{BTreeMap, HashMap};

use super::problem::{Problem, ProblemKind};
use crate::capture::{Body, Event};
use crate::pipeline::Engine;
use crate::report::read::{BoxFile, ReportFile};
use crate::screenshot::localize::PaintReason;

const KINDS: [&str; 6] = ["window", "key", "text", "mouse", "screenshot", "control"];
const ACTIONS: [&str; 5] = ["redact", "mask", "tag", "pseudonym", "keep"];
/// Detectors named outside the rule set: the NER model, joins of pieces, one-time codes.
const OTHER_DETECTORS: [&str; 3] = ["ner", "join", "one_time_code"];

fn field_path_ok(f: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"^(?:title|url|text|app|keys|target\.app|nodes \(row\)|nodes\[[0-9]+\]\.text|nodes\[[0-9]+\]\.lines\[[0-9]+\]\.text|windows\[[0-9]+\]\.(?:title|app))$").expect("compiles")
    })
    .is_match(f)
}

fn engine_ok(e: &str) -> bool {
    e.strip_prefix("veil ").is_some_and(|v| !v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b".-+".contains(&b)))
}

impl Engine {
    /// A detector name the engine or its embedder's detectors write: a rule's, the model's, or
    /// an identifier-shaped name in which no detector finds anything.
    fn detector_ok(&self, d: &str) -> bool {
        if OTHER_DETECTORS.contains(&d) || self.rule_names().contains(&d) {
            return true;
        }
        let ident = !d.is_empty() && d.len() <= 64 && d.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        ident && self.detect_with(d, None).is_ok_and(|f| f.is_empty())
    }

    /// Problems of the report, and the boxes painted on each output screenshot (by `seq`).
    pub(crate) fn check_report(&self, r: &ReportFile, events: &[(usize, Event)]) -> (Vec<Problem>, HashMap<u64, Vec<BoxFile>>) {
        let mut out = Vec::new();
        let mut bad = |kind: ProblemKind, at: String| out.push(Problem::new(kind, format!("report.json {at}")));
        if r.format != "veil-report/1" {
            bad(ProblemKind::BadReport, "format".into());
        }
        if !engine_ok(&r.engine) {
            bad(ProblemKind::BadReport, "engine".into());
        }
        if !["env", "ephemeral"].contains(&r.pseudonym_key.as_str()) {
            bad(ProblemKind::BadReport, "pseudonym_key".into());
        }
        let by_seq: HashMap<u64, &Event> = events.iter().map(|(_, e)| (e.seq, e)).collect();
        let mut boxes: HashMap<u64, Vec<BoxFile>> = HashMap::new();
        // Tallies to compare with the totals.
        let (mut findings, mut dropped, mut painted, mut faces, mut regions, mut unknown) = (0, 0, 0, 0, 0, 0);
        let mut by_entity = BTreeMap::new();
        let mut by_detector: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_action: BTreeMap<String, usize> = BTreeMap::new();
        let mut drops = BTreeMap::new();
        let mut last_line = 0;
        for (i, e) in r.events.iter().enumerate() {
            let at = |what: &str| format!("events[{i}]{what}");
            if e.line <= last_line {
                bad(ProblemKind::ReportMismatch, at(".line (not increasing)"));
            }
            last_line = e.line;
            if e.kind.as_deref().is_some_and(|k| !KINDS.contains(&k)) {
                bad(ProblemKind::BadReport, at(".kind"));
            }
            for (j, f) in e.findings.iter().enumerate() {
                if !ACTIONS.contains(&f.action.as_str()) {
                    bad(ProblemKind::BadReport, at(&format!(".findings[{j}].action")));
                }
                if !field_path_ok(&f.field) {
                    bad(ProblemKind::BadReport, at(&format!(".findings[{j}].field")));
                }
                if !self.detector_ok(&f.detector) {
                    bad(ProblemKind::BadReport, at(&format!(".findings[{j}].detector")));
                }
                if f.start > f.end {
                    bad(ProblemKind::BadReport, at(&format!(".findings[{j}] (start after end)")));
                }
                findings += 1;
                *by_entity.entry(f.entity).or_insert(0) += 1;
                *by_detector.entry(f.detector.clone()).or_default() += 1;
                *by_action.entry(f.action.clone()).or_default() += 1;
            }
            for (j, b) in e.boxes.iter().enumerate() {
                if b.detector.as_deref().is_some_and(|d| !self.detector_ok(d)) {
                    bad(ProblemKind::BadReport, at(&format!(".boxes[{j}].detector")));
                }
                if b.rect[2] < 0 || b.rect[3] < 0 {
                    bad(ProblemKind::BadReport, at(&format!(".boxes[{j}].rect")));
                }
            }
            let count = |why: PaintReason| e.boxes.iter().filter(|b| b.why == why).count();
            if e.painted_boxes != e.boxes.len() || e.faces != count(PaintReason::Face) || e.text_regions != count(PaintReason::TextRegion) {
                bad(ProblemKind::ReportMismatch, at(" (box counts disagree with its boxes)"));
            }
            painted += e.painted_boxes;
            faces += e.faces;
            regions += e.text_regions;
            unknown += e.unknown_fields;
            match e.dropped {
                Some(reason) => {
                    dropped += 1;
                    *drops.entry(reason).or_insert(0) += 1;
                }
                None => {
                    // Kept: its event is in the output, of its kind, once.
                    let ev = e.seq.and_then(|s| by_seq.get(&s));
                    if ev.is_none_or(|ev| Some(ev.body.kind()) != e.kind.as_deref()) {
                        bad(ProblemKind::ReportMismatch, at(" (a kept event that is not in events.jsonl)"));
                    } else if let Some(s) = e.seq {
                        if boxes.insert(s, e.boxes.clone()).is_some() {
                            bad(ProblemKind::ReportMismatch, at(" (a second entry for one output event)"));
                        }
                    }
                    if !e.boxes.is_empty() && !matches!(ev.map(|e| &e.body), Some(Body::Screenshot(_))) {
                        bad(ProblemKind::ReportMismatch, at(" (boxes on an event with no frame)"));
                    }
                }
            }
        }
        let t = &r.totals;
        let frames = events.iter().filter(|(_, e)| matches!(e.body, Body::Screenshot(_))).count();
        let checks: [(&str, bool); 14] = [
            ("output_events", t.output_events == events.len()),
            ("output_frames", t.output_frames == frames),
            ("input_lines", t.input_lines == t.output_events + t.dropped),
            ("findings", t.findings == findings),
            ("by_entity", t.by_entity == by_entity),
            ("by_detector", t.by_detector == by_detector),
            ("by_action", t.by_action == by_action),
            ("dropped", t.dropped == dropped),
            ("drops", t.drops == drops),
            ("painted_boxes", t.painted_boxes == painted),
            ("faces", t.faces == faces),
            ("text_regions", t.text_regions == regions),
            ("unknown_fields", t.unknown_fields == unknown),
            ("keys_rewritten", t.keys_rewritten <= events.iter().filter(|(_, e)| matches!(e.body, Body::Key(_))).count()),
        ];
        for (name, ok) in checks {
            if !ok {
                bad(ProblemKind::ReportMismatch, format!("totals.{name}"));
            }
        }
        (out, boxes)
    }
}
