//! The review page: one self-contained HTML file that shows the person whose capture it is
//! exactly what leaves the machine — every redacted frame with each painted box outlined and
//! labelled (entity and detector, or why: face, secure field, out-of-scope window, unvouched
//! text region), the event timeline as uploaded with what was replaced, masked,
//! pseudonymised or dropped and why, the totals and what is kept. Optionally (for the person
//! alone) the original frames beside the redacted ones.
//!
//! It reads the archive through [`OutputArchive`], the reader [`crate::verify`] uses, so the
//! page shows the bytes that are checked and uploaded, and returns the [`Manifest`] of those
//! bytes (`veil verify OUT --manifest M` then shows the uploaded archive is the reviewed one).
//!
//! It must never write the page inside the archive it shows (a page with originals would be
//! uploaded with it), never load anything from the network (a strict Content-Security-Policy,
//! data URIs only), and never put a string into the page unescaped: every string of the
//! archive is treated as hostile and reaches the DOM only as text ([`page`]).

mod page;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::capture::output::OutputArchive;
use crate::capture::{ArchiveReader, Body, Event, ReadLimits};
use crate::error::{Error, Result};
use crate::report::read::{BoxFile, EventFile, FindingFile, ReportFile, TotalsFile};
use crate::verify::Manifest;

/// Options of a review page.
#[derive(Default)]
pub struct ReviewOptions<'a> {
    /// The input archive the output was redacted from: its frames are shown beside the
    /// redacted ones. Off by default; the page then says it must not be uploaded or shared.
    pub originals: Option<&'a Path>,
    /// Replace an existing page.
    pub force: bool,
    /// Called with the number of frames once known, then once per frame written.
    pub on_start: Option<Box<dyn Fn(u64) + 'a>>,
    pub on_progress: Option<Box<dyn Fn(u64) + 'a>>,
}

/// What the page shows, for the terminal summary.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewSummary {
    pub events: usize,
    pub dropped: usize,
    pub frames: usize,
    pub boxes: usize,
    pub findings: usize,
    /// Frames shown beside their original.
    pub originals: usize,
    /// Bytes of the page written.
    pub page_bytes: u64,
    /// [`Manifest::fingerprint`] of the bytes shown.
    pub fingerprint: String,
    #[serde(skip)]
    pub manifest: Manifest,
}

/// One row of the timeline: an uploaded event, or a dropped input line.
#[derive(Serialize)]
struct Row<'a> {
    /// Input line, when the report names it.
    line: Option<usize>,
    seq: Option<u64>,
    ts: Option<u64>,
    kind: Option<&'a str>,
    /// The event as uploaded (its line of events.jsonl).
    json: Option<&'a str>,
    dropped: Option<&'static str>,
    findings: &'a [FindingFile],
    /// Index into the frames, for a screenshot.
    frame: Option<usize>,
}

#[derive(Serialize)]
struct FrameInfo<'a> {
    seq: u64,
    name: &'a str,
    width: u32,
    height: u32,
    mime: &'static str,
    boxes: &'a [BoxFile],
    /// The original is embedded too (element `o<index>`).
    original: bool,
    original_mime: &'static str,
}

#[derive(Serialize)]
struct PageData<'a> {
    engine: &'a str,
    pseudonym_key: &'a str,
    fingerprint: &'a str,
    private: bool,
    totals: Option<&'a TotalsFile>,
    rows: Vec<Row<'a>>,
    frames: Vec<FrameInfo<'a>>,
    /// Uploaded events by kind.
    kept: std::collections::BTreeMap<&'static str, usize>,
    problems: Vec<&'static str>,
}

/// Writes the review page of the redacted archive at `archive` (a directory, `.tar` or
/// `.tar.gz`) to `page`. Refuses a page inside the archive, and an existing page without
/// `force`. What cannot be read (a missing frame, a report that is not veil's) is shown as
/// such on the page, never guessed.
pub fn write_review(archive: &Path, page: &Path, opts: &ReviewOptions) -> Result<ReviewSummary> {
    refuse_inside(archive, page)?;
    if !opts.force && page.exists() {
        return Err(Error::OutputExists { path: page.to_owned() });
    }
    let a = OutputArchive::open(archive, ReadLimits::default())?;
    let originals = match opts.originals {
        Some(p) => Some(ArchiveReader::open(p)?),
        None => None,
    };
    let mut manifest = Manifest::default();
    let mut problems = Vec::new();
    let read = |name: &str, manifest: &mut Manifest| {
        let b = a.read(name);
        if let Some(b) = &b {
            manifest.add(name, b);
        }
        b
    };
    let events_bytes = read("events.jsonl", &mut manifest).unwrap_or_else(|| {
        problems.push("events.jsonl is missing or unreadable: no events are shown");
        Vec::new()
    });
    let report = match read("report.json", &mut manifest).map(|b| ReportFile::parse(&b)) {
        Some(Ok(r)) => Some(r),
        Some(Err(_)) => {
            problems.push("report.json is not a veil report: what was removed is not shown");
            None
        }
        None => {
            problems.push("report.json is missing: what was removed is not shown");
            None
        }
    };
    if let Some(b) = read("meta.json", &mut manifest) {
        drop(b);
    }
    let text = String::from_utf8_lossy(&events_bytes);
    let mut events: Vec<(&str, Option<Event>)> = Vec::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        let e = serde_json::from_str::<Event>(l).ok();
        if e.is_none() {
            problems.push("a line of events.jsonl is not an event veil writes (veil verify will refuse it)");
        }
        events.push((l, e));
    }

    let report_events: &[EventFile] = report.as_ref().map_or(&[], |r| r.events.as_slice());
    let by_seq: HashMap<u64, &EventFile> = report_events.iter().filter(|e| e.dropped.is_none()).filter_map(|e| e.seq.map(|s| (s, e))).collect();

    // Frames, in upload order.
    let mut frames: Vec<FrameInfo> = Vec::new();
    let mut frame_of_seq: HashMap<u64, usize> = HashMap::new();
    let mut kept = std::collections::BTreeMap::new();
    for (_, e) in &events {
        let Some(e) = e else { continue };
        *kept.entry(e.body.kind()).or_insert(0) += 1;
        if let Body::Screenshot(s) = &e.body {
            frame_of_seq.insert(e.seq, frames.len());
            let boxes = by_seq.get(&e.seq).map_or(&[][..], |r| r.boxes.as_slice());
            frames.push(FrameInfo { seq: e.seq, name: &s.image, width: 0, height: 0, mime: "", boxes, original: false, original_mime: "" });
        }
    }

    // The timeline: the report's lines in order, each uploaded event at its place.
    let mut rows = Vec::new();
    let mut next = 0;
    let event_row = |i: usize| -> Row<'_> {
        let (json, e) = &events[i];
        let rep = e.as_ref().and_then(|e| by_seq.get(&e.seq));
        Row {
            line: rep.map(|r| r.line),
            seq: e.as_ref().map(|e| e.seq),
            ts: e.as_ref().map(|e| e.ts),
            kind: e.as_ref().map(|e| e.body.kind()),
            json: Some(json),
            dropped: None,
            findings: rep.map_or(&[][..], |r| r.findings.as_slice()),
            frame: e.as_ref().and_then(|e| frame_of_seq.get(&e.seq).copied()),
        }
    };
    for r in report_events {
        match (r.dropped, r.seq) {
            (Some(d), _) => rows.push(Row { line: Some(r.line), seq: None, ts: None, kind: r.kind.as_deref(), json: None, dropped: Some(d.as_str()), findings: &r.findings, frame: None }),
            (None, Some(seq)) => {
                while next < events.len() && events[next].1.as_ref().is_none_or(|e| e.seq <= seq) {
                    rows.push(event_row(next));
                    next += 1;
                }
            }
            (None, None) => {}
        }
    }
    while next < events.len() {
        rows.push(event_row(next));
        next += 1;
    }

    // Original frames: the input line the report names for each output screenshot.
    let mut original_of: HashMap<usize, Vec<u8>> = HashMap::new();
    if let Some(input) = &originals {
        let want: HashMap<usize, usize> = frames.iter().enumerate().filter_map(|(i, f)| by_seq.get(&f.seq).map(|r| (r.line, i))).collect();
        let mut lines = input.events()?;
        let mut buf = Vec::new();
        let mut n = 0;
        loop {
            buf.clear();
            match lines.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => n += 1,
            }
            let Some(&i) = want.get(&n) else { continue };
            let image = serde_json::from_slice::<serde_json::Value>(&buf).ok().and_then(|v| v.get("image").and_then(|s| s.as_str()).map(str::to_owned));
            if let Some(bytes) = image.filter(|p| crate::capture::parse::is_safe_image_path(p)).and_then(|p| input.read_file(&p).ok()) {
                original_of.insert(i, bytes);
            }
        }
    }

    page::write(page, opts, PageParts { archive: &a, frames, original_of, rows, report: report.as_ref(), kept, problems, manifest })
}

/// What [`page::write`] puts together.
struct PageParts<'a> {
    archive: &'a OutputArchive,
    frames: Vec<FrameInfo<'a>>,
    original_of: HashMap<usize, Vec<u8>>,
    rows: Vec<Row<'a>>,
    report: Option<&'a ReportFile>,
    kept: std::collections::BTreeMap<&'static str, usize>,
    problems: Vec<&'static str>,
    manifest: Manifest,
}

/// Refuses a page inside the archive it shows (or the archive itself), however it is named:
/// `..`, links, folders not made yet.
fn refuse_inside(archive: &Path, page: &Path) -> Result<()> {
    let a = resolve(archive);
    let p = resolve(page);
    if p == a || p.starts_with(&a) {
        return Err(Error::ReviewInsideArchive { path: page.to_owned() });
    }
    Ok(())
}

/// `p` made absolute with its nearest existing ancestor's links and `..` resolved, the rest
/// (not there yet) appended.
fn resolve(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() { p.to_owned() } else { std::env::current_dir().unwrap_or_default().join(p) };
    let mut rest = Vec::new();
    let mut at = abs.as_path();
    loop {
        if let Ok(c) = std::fs::canonicalize(at) {
            return rest.iter().rev().fold(c, |acc: PathBuf, part| acc.join(part));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                at = parent;
            }
            _ => return abs,
        }
    }
}
