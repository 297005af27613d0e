//! Reading a `report.json` back (`veil-report/1`), for the checks and the review page. Every
//! field the writer ([`super::Report`]) emits is named here and nothing else is accepted
//! (`deny_unknown_fields`): a field added to the writer and not here makes every report
//! unreadable, which the test suites notice at once, rather than letting unknown bytes pass.
//! Strings the writer takes from closed sets are read into those sets (entities, drop reasons,
//! paint reasons); the few free ones (detector, field, action names) are the caller's to check.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::capture::DropReason;
use crate::detect::Entity;
use crate::screenshot::localize::PaintReason;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFile {
    pub format: String,
    pub engine: String,
    pub pseudonym_key: String,
    pub totals: TotalsFile,
    pub timings: TimingsFile,
    pub events: Vec<EventFile>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TotalsFile {
    pub input_lines: usize,
    pub output_events: usize,
    pub output_frames: usize,
    pub findings: usize,
    pub by_entity: BTreeMap<Entity, usize>,
    pub by_detector: BTreeMap<String, usize>,
    pub by_action: BTreeMap<String, usize>,
    pub dropped: usize,
    pub drops: BTreeMap<DropReason, usize>,
    pub unknown_fields: usize,
    pub painted_boxes: usize,
    pub faces: usize,
    pub text_regions: usize,
    pub keys_rewritten: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimingsFile {
    pub read_parse_ms: f64,
    pub scope_ms: f64,
    pub keys_ms: f64,
    pub ner_ms: f64,
    pub text_ms: f64,
    pub frames_ms: f64,
    pub faces_ms: f64,
    pub text_regions_ms: f64,
    pub write_ms: f64,
    pub total_ms: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    pub line: usize,
    #[serde(default)]
    pub seq: Option<u64>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub dropped: Option<DropReason>,
    #[serde(default)]
    pub findings: Vec<FindingFile>,
    #[serde(default)]
    pub painted_boxes: usize,
    #[serde(default)]
    pub boxes: Vec<BoxFile>,
    #[serde(default)]
    pub faces: usize,
    #[serde(default)]
    pub text_regions: usize,
    #[serde(default)]
    pub unknown_fields: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FindingFile {
    pub entity: Entity,
    pub detector: String,
    pub field: String,
    pub start: usize,
    pub end: usize,
    pub action: String,
    #[serde(default)]
    pub keys: Option<usize>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BoxFile {
    pub rect: [i64; 4],
    pub why: PaintReason,
    #[serde(default)]
    pub entity: Option<Entity>,
    #[serde(default)]
    pub detector: Option<String>,
    /// Padding painted around `rect` when not the policy's (see [`crate::report::BoxReport`]).
    #[serde(default)]
    pub pad: Option<u32>,
}

impl ReportFile {
    pub fn parse(bytes: &[u8]) -> Result<ReportFile, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{BoxReport, EventReport, FindingReport, Report};

    /// What the writer writes, the reader reads: every field of every type filled.
    #[test]
    fn reads_what_the_writer_writes() {
        let mut r = Report::new("env");
        r.add(EventReport {
            line: 3,
            seq: Some(9),
            kind: Some("screenshot"),
            dropped: None,
            findings: vec![FindingReport { entity: Entity::EmailAddress, detector: "email", field: "nodes[0].text".into(), start: 1, end: 5, action: "pseudonym", keys: Some(2) }],
            painted_boxes: 1,
            boxes: vec![BoxReport { rect: [1, 2, 3, 4], why: PaintReason::NodeText, entity: Some(Entity::EmailAddress), detector: Some("email"), pad: Some(1) }],
            faces: 1,
            text_regions: 1,
            unknown_fields: 1,
        });
        r.add(EventReport { line: 4, dropped: Some(DropReason::BadJson), ..Default::default() });
        let back = ReportFile::parse(&serde_json::to_vec(&r).unwrap()).unwrap();
        assert_eq!(back.totals.input_lines, 2);
        assert_eq!(back.events[0].boxes[0].why, PaintReason::NodeText);
        assert_eq!(back.events[0].boxes[0].pad, Some(1));
        assert_eq!(back.events[1].dropped, Some(DropReason::BadJson));
        let mut v: serde_json::Value = serde_json::to_value(&r).unwrap();
        v["events"][0]["note"] = "x".into();
        assert!(ReportFile::parse(&serde_json::to_vec(&v).unwrap()).is_err(), "unknown fields are refused");
    }
}
