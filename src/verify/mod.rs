//! Verification: an independent re-scan of a redacted archive, the last gate before upload.
//! [`verify_archive`] reads the archive as it would be uploaded
//! ([`crate::capture::output::OutputArchive`]) and checks, with the engine's own detectors and
//! models but none of the redaction's conclusions:
//! - structure ([`events`], [`report`]): only the layout's files, only known kinds and fields in
//!   the engine's own serialisation, engine-made names, nothing out of scope, a report that
//!   agrees with itself and with the events;
//! - text ([`text`], [`keys`]): every string field through every detector, and the text the
//!   key events type read back as the redaction reads it; only the engine's own tokens (and
//!   what the policy keeps) may match;
//! - frames ([`frames`]): no metadata, opaque, every reported box painted, no face and no text
//!   region that no checked node vouches for left unpainted;
//! - a [`Manifest`] (SHA-256 of every file, the report included) of exactly the bytes checked,
//!   compared with the reviewed archive's when one is given.
//!
//! A [`Verdict`] lists problems by kind and location, never a value. A model failure or an
//! entry too large to read is a problem too (`unchecked`): what was not checked does not pass.

mod container;
mod events;
mod frames;
mod keys;
pub mod manifest;
mod pixels;
pub mod problem;
mod report;
mod text;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

use crate::capture::output::{EntryKind, OutputArchive};
use crate::capture::{Body, Event, Meta, ReadLimits};
use crate::error::{Error, Result};
use crate::pipeline::Engine;
use crate::report::read::ReportFile;

pub use manifest::{Manifest, ManifestError};
pub use problem::{Problem, ProblemKind};

/// Options of a verification.
#[derive(Default)]
pub struct VerifyOptions<'a> {
    /// The manifest of the archive as reviewed: any file changed, added or missing since is a
    /// problem.
    pub manifest: Option<&'a Manifest>,
    /// Called with the number of frames once known, then once per frame checked.
    pub on_start: Option<Box<dyn Fn(u64) + Sync + 'a>>,
    pub on_progress: Option<Box<dyn Fn(u64) + Sync + 'a>>,
}

/// What was looked at.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Checked {
    pub events: usize,
    pub frames: usize,
    /// String fields run through the detectors.
    pub strings: usize,
    pub key_events: usize,
}

/// The outcome: problems (none: it may be uploaded), what was checked, and the manifest of
/// the bytes checked.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub passed: bool,
    pub problems: Vec<Problem>,
    pub checked: Checked,
    /// [`Manifest::fingerprint`] of `manifest`.
    pub fingerprint: String,
    #[serde(skip)]
    pub manifest: Manifest,
}

/// Verifies the redacted archive at `path` (a directory, `.tar` or `.tar.gz`) with `engine`'s
/// detectors, models and policy (give it the policy the archive was redacted with). `Err` only
/// when the archive cannot be read at all; everything else is a problem in the verdict.
pub fn verify_archive(engine: &Engine, path: &Path, opts: &VerifyOptions) -> Result<Verdict> {
    crate::guard::catch(|| verify_inner(engine, path, opts)).unwrap_or(Err(Error::Internal { what: "verification" }))
}

/// Verifies events held in memory (what a session released, say) the way their `events.jsonl`
/// would be: structure, names, scope, every string and the typed text. Frames are not looked
/// at (use [`verify_archive`] for those).
pub fn verify_events(engine: &Engine, events: &[Event]) -> Vec<Problem> {
    let mut jsonl = Vec::new();
    for e in events {
        if serde_json::to_writer(&mut jsonl, e).is_err() {
            return vec![Problem::new(ProblemKind::Unchecked, "events (not serialisable)")];
        }
        jsonl.push(b'\n');
    }
    crate::guard::catch(|| {
        let mut checked = Checked::default();
        let (parsed, mut out) = events::read(&jsonl, &engine.policy.scope);
        out.extend(check_text(engine, &parsed, None, &mut checked));
        out
    })
    .unwrap_or_else(|_| vec![Problem::new(ProblemKind::Unchecked, "events (an internal error stopped the check)")])
}

fn verify_inner(engine: &Engine, path: &Path, opts: &VerifyOptions) -> Result<Verdict> {
    let l = &engine.policy.file.limits;
    let archive = OutputArchive::open(path, ReadLimits { max_entry_bytes: l.max_entry_bytes, max_archive_bytes: l.max_archive_bytes })?;
    let mut problems = entry_problems(&archive);
    let mut manifest = Manifest::default();
    let mut checked = Checked::default();

    let mut read = |name: &str, manifest: &mut Manifest| {
        let bytes = archive.read(name);
        match &bytes {
            Some(b) => manifest.add(name, b),
            None if archive.has(name) => problems.push(Problem::new(ProblemKind::Unchecked, format!("{name} (unreadable)"))),
            None => problems.push(Problem::new(ProblemKind::MissingFile, name)),
        }
        bytes
    };
    let events_bytes = read("events.jsonl", &mut manifest).unwrap_or_default();
    let meta_bytes = read("meta.json", &mut manifest);
    let report_bytes = read("report.json", &mut manifest);

    let (events, p) = events::read(&events_bytes, &engine.policy.scope);
    problems.extend(p);
    let (meta_problems, client) = check_meta(meta_bytes.as_deref());
    problems.extend(meta_problems);
    let boxes = match report_bytes.as_deref().map(ReportFile::parse) {
        Some(Ok(r)) => {
            let (p, boxes) = engine.check_report(&r, &events);
            problems.extend(p);
            boxes
        }
        Some(Err(_)) => {
            problems.push(Problem::new(ProblemKind::BadReport, "report.json (not a veil-report/1 report: unknown or missing fields)"));
            HashMap::new()
        }
        None => HashMap::new(),
    };
    problems.extend(check_text(engine, &events, client.as_deref(), &mut checked));

    // Frames, in parallel; each read once, and hashed from the bytes checked.
    let shots: Vec<(usize, &Event)> = events.iter().filter(|(_, e)| matches!(e.body, Body::Screenshot(_))).map(|(n, e)| (*n, e)).collect();
    let named: HashSet<&str> = shots.iter().filter_map(|(_, e)| if let Body::Screenshot(s) = &e.body { Some(s.image.as_str()) } else { None }).collect();
    if let Some(f) = &opts.on_start {
        f(shots.len() as u64);
    }
    let hashes = Mutex::new(Manifest::default());
    let frame_problems: Vec<Vec<crate::verify::Problem>> = shots
        .par_iter()
        .map(|(line, e)| {
            let Body::Screenshot(s) = &e.body else { return Vec::new() };
            let out = match archive.read(&s.image) {
                Some(bytes) => {
                    hashes.lock().unwrap_or_else(|p| p.into_inner()).add(&s.image, &bytes);
                    engine.check_frame(s, &bytes, boxes.get(&e.seq).map_or(&[], Vec::as_slice))
                }
                None if archive.has(&s.image) => vec![Problem::new(ProblemKind::Unchecked, format!("{} (unreadable)", s.image))],
                None => vec![Problem::new(ProblemKind::MissingFile, format!("events.jsonl:{line} image"))],
            };
            if let Some(f) = &opts.on_progress {
                f(1);
            }
            out
        })
        .collect();
    problems.extend(frame_problems.into_iter().flatten());
    manifest.files.extend(hashes.into_inner().unwrap_or_else(|p| p.into_inner()).files);
    checked.frames = shots.len();
    for name in archive.files().into_iter().filter(|n| n.starts_with("frames/") && !named.contains(n)) {
        if let Some(b) = archive.read(name) {
            manifest.add(name, &b);
        }
        problems.push(Problem::new(ProblemKind::UnreferencedFrame, name));
    }
    if let Some(reviewed) = opts.manifest {
        problems.extend(manifest.compare(reviewed));
    }
    checked.events = events.len();
    let fingerprint = manifest.fingerprint();
    Ok(Verdict { passed: problems.is_empty(), problems, checked, fingerprint, manifest })
}

/// Entries outside the layout, duplicates, entries too large to check, a cut-short tar.
fn entry_problems(a: &OutputArchive) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, e) in a.entries().iter().enumerate() {
        match &e.name {
            None => out.push(Problem::new(ProblemKind::UnknownEntry, format!("entry {} ({})", i + 1, describe(e.kind)))),
            Some(n) if e.duplicate => out.push(Problem::new(ProblemKind::DuplicateEntry, n.as_str())),
            Some(n) if e.too_large => out.push(Problem::new(ProblemKind::Unchecked, format!("{n} (over the policy's max_entry_bytes)"))),
            Some(_) => {}
        }
    }
    if a.truncated {
        out.push(Problem::new(ProblemKind::Unchecked, "archive (cut short at the policy's max_archive_bytes)"));
    }
    out
}

fn describe(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "a file the output layout does not name",
        EntryKind::Dir => "a folder the output layout does not name",
        EntryKind::Link => "a link",
        EntryKind::Other => "not a plain file",
    }
}

/// `meta.json` as the engine writes it (`format` capture/1, the known fields, pretty-printed);
/// returns its client name for the text checks.
fn check_meta(bytes: Option<&[u8]>) -> (Vec<Problem>, Option<String>) {
    let Some(bytes) = bytes else { return (Vec::new(), None) };
    let bad = |what: &str| vec![Problem::new(ProblemKind::BadMeta, format!("meta.json ({what})"))];
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice::<serde_json::Value>(bytes) else { return (bad("not a JSON object"), None) };
    if obj.keys().any(|k| !["format", "client", "screen"].contains(&k.as_str())) {
        return (bad("fields capture/1 does not define"), None);
    }
    let Ok(meta) = serde_json::from_value::<Meta>(serde_json::Value::Object(obj)) else { return (bad("ill-typed fields"), None) };
    let mut out = Vec::new();
    if meta.format.as_deref() != Some("capture/1") {
        out.extend(bad("format is not capture/1"));
    }
    if serde_json::to_vec_pretty(&meta).ok().as_deref() != Some(bytes) {
        out.extend(bad("not the bytes the engine writes"));
    }
    (out, meta.client)
}

/// Every string field (and the client name) through the detectors, and the typed text.
fn check_text(engine: &Engine, events: &[(usize, Event)], client: Option<&str>, checked: &mut Checked) -> Vec<Problem> {
    let mut fields: Vec<text::Field> = events.iter().flat_map(|(n, e)| text::fields_of(*n, e)).collect();
    if let Some(c) = client.filter(|c| !c.is_empty()) {
        fields.push(text::Field { location: "meta.json client".into(), text: c, ner: true });
    }
    checked.strings = fields.len();
    let cache = engine.ner_batch(&fields);
    let mut out = engine.check_fields(&fields, &cache);
    let keyed: Vec<(usize, &Event)> = events.iter().map(|(n, e)| (*n, e)).collect();
    checked.key_events = events.iter().filter(|(_, e)| matches!(e.body, Body::Key(_))).count();
    out.extend(engine.check_keys(&keyed));
    out
}
