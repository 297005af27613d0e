//! What verification finds wrong: a kind (a closed set, stable names for scripts) and a
//! location (a file, a line, a field path, a box), with the entity and detector for values
//! found. A problem must never carry a value: not the text a detector matched, not an entry
//! name outside the output layout, not a pixel.

use serde::Serialize;

use crate::detect::Entity;

/// The kinds of problem, each a reason not to upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// An entry the output layout does not name: another file, a folder, a link.
    UnknownEntry,
    /// The same file twice in a tar (an extractor keeps one; which one was checked?).
    DuplicateEntry,
    /// A file the archive must hold is missing: `events.jsonl`, `report.json`, a frame an
    /// event names.
    MissingFile,
    /// A frame no event names.
    UnreferencedFrame,
    /// A line of `events.jsonl` that is not the engine's serialisation of a `capture/1` event:
    /// unparseable, an unknown kind or field, or other bytes than the engine writes.
    BadLine,
    /// `seq` not strictly increasing.
    SeqOrder,
    /// A detector matched a string field outside the engine's own tokens.
    DetectedValue,
    /// Key events rebuild a value (typed text read back as the engine reads it).
    TypedValue,
    /// An id, role, key name or frame name the engine does not make.
    ForeignName,
    /// A window or app the policy puts out of scope.
    OutOfScope,
    /// `meta.json` is not what the engine writes.
    BadMeta,
    /// `report.json` is missing fields, has unknown ones, or is not `veil-report/1`.
    BadReport,
    /// The report disagrees with the events or with itself.
    ReportMismatch,
    /// A frame carries metadata: PNG chunks the encoder does not write, JPEG APPn/COM
    /// segments, bytes after the image's end.
    FrameMetadata,
    /// A frame has an alpha channel or a transparency chunk.
    FrameNotOpaque,
    /// A frame is not encoded as the engine encodes frames (PNG RGB 8-bit, JPEG YCbCr), or its
    /// name's extension disagrees with its content.
    FrameFormat,
    /// A frame cannot be decoded.
    FrameUndecodable,
    /// A painted box of the report is not painted in the frame.
    BoxNotPainted,
    /// A text region the models find that no checked node vouches for and no box paints.
    UnvouchedText,
    /// A face the face model finds that no box paints.
    Face,
    /// The archive differs from the manifest it was checked against.
    ManifestMismatch,
    /// Something could not be checked (a model failed, an entry over the size limit): it
    /// cannot be vouched for.
    Unchecked,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::UnknownEntry => "unknown_entry",
            ProblemKind::DuplicateEntry => "duplicate_entry",
            ProblemKind::MissingFile => "missing_file",
            ProblemKind::UnreferencedFrame => "unreferenced_frame",
            ProblemKind::BadLine => "bad_line",
            ProblemKind::SeqOrder => "seq_order",
            ProblemKind::DetectedValue => "detected_value",
            ProblemKind::TypedValue => "typed_value",
            ProblemKind::ForeignName => "foreign_name",
            ProblemKind::OutOfScope => "out_of_scope",
            ProblemKind::BadMeta => "bad_meta",
            ProblemKind::BadReport => "bad_report",
            ProblemKind::ReportMismatch => "report_mismatch",
            ProblemKind::FrameMetadata => "frame_metadata",
            ProblemKind::FrameNotOpaque => "frame_not_opaque",
            ProblemKind::FrameFormat => "frame_format",
            ProblemKind::FrameUndecodable => "frame_undecodable",
            ProblemKind::BoxNotPainted => "box_not_painted",
            ProblemKind::UnvouchedText => "unvouched_text",
            ProblemKind::Face => "face",
            ProblemKind::ManifestMismatch => "manifest_mismatch",
            ProblemKind::Unchecked => "unchecked",
        }
    }
}

/// One problem: what, where, and for a value found, which entity and detector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Where: `events.jsonl:12 title`, `frames/00000009.png box 3 [x, y, w, h]`,
    /// `report.json totals.output_events`, `entry 4`. Never a value.
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detector: Option<&'static str>,
}

impl Problem {
    pub fn new(kind: ProblemKind, location: impl Into<String>) -> Problem {
        Problem { kind, location: location.into(), entity: None, detector: None }
    }

    pub fn found(kind: ProblemKind, location: impl Into<String>, entity: Entity, detector: &'static str) -> Problem {
        Problem { kind, location: location.into(), entity: Some(entity), detector: Some(detector) }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\t{}", self.kind.as_str(), self.location)?;
        if let (Some(e), Some(d)) = (self.entity, self.detector) {
            write!(f, "\t{} ({d})", e.name())?;
        }
        Ok(())
    }
}
