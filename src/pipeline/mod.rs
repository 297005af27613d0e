//! The pipeline: an [`Engine`] (policy + detectors + operators, loaded once, `Send + Sync`)
//! and the passes that turn parsed events into redacted ones.
//!
//! Order of passes over a batch (a whole archive, or a chunk a capture client flushes):
//! 1. sequence and consent: non-increasing `seq` dropped; `pause`..`resume` dropped;
//!    `forget` drops what came in its `span_ms` before it;
//! 2. scope: events of out-of-scope apps/windows dropped (screenshots: those windows blanked);
//! 3. keys: typed text rebuilt per target, PII found, key events rewritten;
//! 4. text fields and frames, in parallel (rayon): detect, replace, paint, re-encode.

mod archive;
mod consent;
mod host;
mod keys_pass;
pub mod names;
mod ner_pass;
mod repeats_pass;
mod session;

use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::capture::{Body, DropReason, Event, Parsed, Protective};
use crate::detect::faces::FaceDetector;
use crate::detect::ner::NerDetector;
use crate::detect::rules::{RuleConfig, RuleSet};
use crate::detect::text_regions::TextRegionDetector;
use crate::detect::normalize::Shadow;
use crate::detect::{resolve_in, url, Detector, Finding};
use crate::error::{Error, Result};
use crate::guard;
use crate::operators::{self, Pseudonymizer};
use crate::policy::Policy;
use crate::report::{EventReport, FindingReport, Report};
use crate::runtime::{self, ModelError};
use crate::report::BoxReport;
use crate::screenshot::reuse::FrameMemory;
use crate::screenshot::FrameFocus;

pub use archive::read_records;
pub(crate) use consent::DeniedWindows;
pub use keys_pass::KeyState;
pub use host::{LineSession, MemFrames, ReleasedLine, ReleasedLines};
pub(crate) use ner_pass::{wants_ner, NerCache, NerMemo};
pub use session::{Released, Session, StreamState};

/// One line of input, parsed or not.
#[derive(Debug, Clone)]
pub enum Record {
    Event { line: usize, parsed: Parsed },
    /// A line that could not be understood, with the most protective meaning it could have
    /// carried (applied by the consent and scope passes).
    Bad { line: usize, reason: DropReason, protect: Protective },
}

/// Where frames come from and where redacted ones go.
pub trait FrameIo: Sync {
    /// The bytes of a frame, by its (validated) path; `None` when missing.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// The bytes of a frame, or why there are none (`missing_image`, `too_large`).
    fn read_checked(&self, path: &str) -> std::result::Result<Vec<u8>, DropReason> {
        self.read(path).ok_or(DropReason::MissingImage)
    }
    /// Stores a redacted frame.
    fn write(&self, path: &str, bytes: Vec<u8>) -> Result<()>;
}

// The engine is shared across threads by design: make that a compile-time fact.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Engine>();
};

/// The redaction engine. Build once, share across threads.
pub struct Engine {
    pub(crate) policy: Policy,
    rules: RuleSet,
    pub(crate) faces: Option<FaceDetector>,
    pub(crate) text_regions: Option<TextRegionDetector>,
    pub(crate) ner: Option<NerDetector>,
    ner_memo: NerMemo,
    pub(crate) pseudo: Pseudonymizer,
    pub(crate) key_source: &'static str,
    /// Detectors added by the embedder ([`Engine::add_detector`]).
    custom: Vec<Box<dyn Detector>>,
    /// This engine among those the process made: a stream's frame memory is reused by the
    /// engine that made it only.
    pub(crate) id: u64,
}

/// Text after redaction, with what was found in the original.
#[derive(Debug, Clone, PartialEq)]
pub struct Redacted {
    pub text: String,
    pub findings: Vec<Finding>,
}

pub(crate) struct Slot {
    pub(crate) event: Option<Event>,
    pub(crate) report: EventReport,
    /// Was the focused window in scope when this event came?
    focus_in_scope: bool,
    /// App of the focused window (to group keys that name no target).
    focus_app: String,
    /// For a line dropped as not understood (or misplaced): what it may have meant.
    protect: Protective,
    /// The painted frame of a screenshot whose writing waits until the event is released.
    pub(crate) frame: Option<Vec<u8>>,
    /// A text event's field (value key, element id before hashing), for [`Engine::finalize`].
    pub(crate) field: Option<(String, Option<String>)>,
    /// A screenshot with a pause, a forget or focus out of scope between it and the stream's
    /// screenshot before: nothing the stream's frame memory keeps may reach it.
    fresh_frames: bool,
}

impl Slot {
    fn drop(&mut self, r: DropReason) {
        self.event = None;
        self.report.dropped = Some(r);
    }
}

impl Engine {
    pub fn new(policy: Policy) -> Result<Engine> {
        guard::install_panic_hook();
        let cfg = RuleConfig { phone_regions: policy.file.detect.phone_regions.clone() };
        let (pseudo, key_source) = match policy.file.pseudonym.key_env.as_deref().map(|v| (v, std::env::var_os(v))) {
            Some((name, Some(val))) => {
                if SYSTEM_VARS.contains(&name.to_ascii_uppercase().as_str()) {
                    return Err(Error::PseudonymKey(format!("[pseudonym] key_env names {name}, a system variable, not a secret; name a variable that holds a random key")));
                }
                let p = Pseudonymizer::checked(val.as_encoded_bytes()).map_err(|why| Error::PseudonymKey(format!("environment variable {name}: {why}")))?;
                (p, "env")
            }
            _ => (Pseudonymizer::ephemeral(), "ephemeral"),
        };
        let m = &policy.file.models;
        let dir = if m.dir.is_empty() { runtime::default_models_dir() } else { std::path::PathBuf::from(&m.dir) };
        let threads = if m.threads == 0 { std::thread::available_parallelism().map_or(2, |n| n.get()) } else { m.threads };
        // Each model: single-threaded sessions side by side on small machines (see
        // `runtime::pool_shape`): the scan of a frame runs its model calls in parallel.
        let (pool, per) = runtime::pool_shape(threads);
        // The rule catalogue compiles while the models load (each its sessions and a first
        // run): an engine's start-up is the longest of them, not their sum.
        let load_faces = || m.faces.then(|| FaceDetector::load(&dir, pool, per, m.face_max_side, m.face_threshold)).transpose();
        let load_text = || m.text_regions.then(|| TextRegionDetector::load(&dir.join("text_det.onnx"), pool, per, m.text_max_side)).transpose();
        let load_ner = || m.ner.then(|| NerDetector::load(&dir.join("ner.onnx"), &dir.join("ner_tokenizer.json"), pool, per, m.ner_thresholds())).transpose();
        let (rules, (faces, (text_regions, ner))) = rayon::join(
            || RuleSet::builtin_except(&cfg, &policy.file.detect.disabled_rules),
            || rayon::join(load_faces, || rayon::join(load_text, load_ner)),
        );
        let rules = rules.map_err(|e| Error::Policy(format!("[detect] {e}")))?;
        let (faces, text_regions, ner) = (faces?, text_regions?, ner?);
        let ner_memo = NerMemo::new(m.ner_memo);
        static ENGINES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = ENGINES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Engine { policy, rules, faces, text_regions, ner, ner_memo, pseudo, key_source, custom: Vec::new(), id })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Names of the active rules.
    pub fn rule_names(&self) -> Vec<&'static str> {
        self.rules.names().collect()
    }

    /// Is the NER model on?
    pub fn has_ner(&self) -> bool {
        self.ner.is_some()
    }

    /// Forgets the NER findings remembered for texts seen before, so what follows is
    /// redacted as by a freshly made engine. The memo only saves work in principle, but the
    /// model's scores for a text can shift with the other texts of the batch it ran in, so a
    /// long-lived engine can label a repeated text as an earlier batch did; a worker redacting
    /// many archives calls this between them to give each the output `veil redact` gives it.
    pub fn clear_memo(&self) {
        self.ner_memo.clear();
    }

    /// Resolved (disjoint, sorted) findings of every detector in `text`. Fails only when the
    /// NER model fails to run, or on an internal error (then nothing about the text is known:
    /// drop it). Never panics.
    pub fn detect(&self, text: &str) -> Result<Vec<Finding>> {
        guard::catch(|| self.detect_with(text, Some(&NerCache::default()))).map_err(|_| Error::Internal { what: "text detection" })?.map_err(Error::from)
    }

    /// Detects and replaces per policy. Safe to call from any thread; never panics. On `Err`
    /// nothing about the text is known: the caller must drop it.
    pub fn redact_text(&self, text: &str) -> Result<Redacted> {
        guard::catch(|| self.redact_with(text, Some(&NerCache::default()))).map_err(|_| Error::Internal { what: "text redaction" })?.map_err(Error::from)
    }

    /// Adds a detector of the embedder's own (an in-house id format, a customer number): it
    /// runs on every text after the built-in rules, its findings merged with theirs. Call
    /// before sharing the engine.
    pub fn add_detector(&mut self, d: Box<dyn Detector>) {
        self.custom.push(d);
    }

    /// `ner`: findings computed ahead (texts missing from it are run now); `None`: rules only.
    pub(crate) fn detect_with(&self, text: &str, ner: Option<&NerCache>) -> Result<Vec<Finding>, ModelError> {
        let mut v = match ner.and_then(|c| c.rules.get(text)) {
            Some(found) => found.to_vec(),
            None => self.rule_findings(text),
        };
        if let (Some(model), Some(cache)) = (self.ner.as_ref(), ner) {
            let lookup = |t: &str| -> Result<Vec<Finding>, ModelError> {
                Ok(match cache.ner.get(t) {
                    Some(found) => found.clone(),
                    None => self.ner_run(model, &[t])?.into_iter().flatten().collect(),
                })
            };
            // A URL alone (a window's `url`) is read through its view only; other texts whole,
            // and the URLs in them through their views as well.
            if wants_ner(text) && !url::is_single_url(text) {
                v.extend(lookup(text)?);
            }
            for view in url::views(text).into_iter().filter(|view| wants_ner(&view.text)) {
                let mut found = lookup(&view.text)?;
                view.map(&mut found);
                v.extend(found);
            }
        }
        crate::detect::blocks::address_blocks(text, &mut v);
        Ok(resolve_in(text, v))
    }

    /// The rules' and the embedder's detectors' findings in `text`: the rules read its
    /// normalised shadow, their spans mapped back to `text`.
    pub(crate) fn rule_findings(&self, text: &str) -> Vec<Finding> {
        let shadow = Shadow::new(text);
        let mut v = Vec::new();
        self.rules.detect(shadow.text(), &mut v);
        shadow.map(&mut v);
        self.custom.iter().for_each(|d| d.detect(text, &mut v));
        v
    }

    pub(crate) fn redact_with(&self, text: &str, cache: Option<&NerCache>) -> Result<Redacted, ModelError> {
        let findings = self.detect_with(text, cache)?;
        let text = operators::apply(text, &findings, |e| self.policy.action(e), &self.pseudo);
        Ok(Redacted { text, findings })
    }

    /// Adds findings of one field to an event's report.
    pub(crate) fn report_findings(&self, found: &[Finding], field: &str, out: &mut Vec<FindingReport>) {
        out.extend(found.iter().map(|f| FindingReport {
            entity: f.entity,
            detector: f.detector,
            field: field.to_string(),
            start: f.start,
            end: f.end,
            action: self.policy.action(f.entity).name(),
            keys: None,
        }));
    }

    /// Redacts one field in place; returns the byte spans (in the original) of what was found
    /// and not kept. `cache`: as in `detect_with` (`None`: rules only, for secure nodes).
    pub(crate) fn redact_field(&self, text: &mut String, field: &str, out: &mut Vec<FindingReport>, cache: Option<&NerCache>) -> Result<Vec<(usize, usize)>, ModelError> {
        let r = self.redact_with(text, cache)?;
        if r.findings.is_empty() {
            return Ok(Vec::new());
        }
        self.report_findings(&r.findings, field, out);
        *text = r.text;
        // What the policy keeps is not painted either.
        Ok(r.findings.iter().filter(|f| !matches!(self.policy.action(f.entity), operators::Action::Keep)).map(|f| (f.start, f.end)).collect())
    }

    /// One event's fields and frame: detected, replaced, painted. The frame is written now, or
    /// with `defer` kept in the slot to be written when the event leaves. `Err` only for output
    /// IO.
    /// `memory`: the stream's previous frame, for a screenshot that follows it in capture order
    /// (temporal reuse, [`crate::screenshot::reuse`]).
    fn redact_slot(&self, slot: &mut Slot, io: &ChunkIo, cache: &NerCache, frame_time: &Mutex<(f64, f64, f64)>, memory: Option<&mut FrameMemory>) -> Result<()> {
        let cache = Some(cache);
        let Some(ev) = slot.event.as_mut() else { return Ok(()) };
        let findings = &mut slot.report.findings;
        let checked = match &mut ev.body {
            Body::Window(w) => self
                .redact_field(&mut w.title, "title", findings, cache)
                .and_then(|_| w.url.as_mut().map_or(Ok(Vec::new()), |u| self.redact_field(u, "url", findings, cache))),
            Body::Text(t) => self.redact_field(&mut t.text, "text", findings, cache),
            _ => Ok(Vec::new()),
        };
        if checked.is_err() {
            slot.drop(DropReason::ModelFailed);
            return Ok(());
        }
        let mut frame = None;
        if let Body::Screenshot(s) = &mut ev.body {
            let tf = Instant::now();
            let focus = FrameFocus { in_scope: slot.focus_in_scope, denied: io.denied, secure: &io.keys.tracker, values: &io.keys.values };
            let painted = self.redact_screenshot(ev.seq, s, &focus, findings, io.frames, cache, memory);
            if let Ok(mut t) = frame_time.lock() {
                t.0 += ms(tf);
                if let Ok(out) = &painted {
                    t.1 += out.stats.faces_ms;
                    t.2 += out.stats.text_ms;
                }
            }
            match painted {
                Ok(out) => {
                    let st = out.stats;
                    slot.report.painted_boxes = st.boxes.len();
                    slot.report.boxes = st.boxes.iter().map(BoxReport::from).collect();
                    slot.report.faces = st.faces;
                    slot.report.text_regions = st.text_regions;
                    frame = Some(out.bytes);
                }
                Err(r) => {
                    slot.drop(r);
                    return Ok(());
                }
            }
        }
        // Ids and roles last: the passes above match node ids to key and text events.
        if self.sanitise_names(ev, &mut slot.report.findings, cache).is_err() {
            slot.drop(DropReason::ModelFailed);
            return Ok(());
        }
        if let (Some(bytes), Body::Screenshot(s)) = (frame, &ev.body) {
            if io.defer {
                slot.frame = Some(bytes);
            } else {
                io.frames.write(&s.image, bytes)?;
            }
        }
        Ok(())
    }

    /// Redacts a batch of parsed lines (in capture order). Frames are read and written
    /// through `frames`; returns the output events in order and the report.
    pub fn redact_batch(&self, records: Vec<Record>, frames: &dyn FrameIo, progress: &(dyn Fn(u64) + Sync)) -> Result<(Vec<Event>, Report)> {
        self.redact_batch_with(records, frames, progress, &mut StreamState::default())
    }

    /// [`Engine::redact_batch`] for one chunk of a longer stream: `state` (focus, pause, last
    /// `seq`) carries over from the previous chunk and is updated for the next.
    pub fn redact_batch_with(
        &self,
        records: Vec<Record>,
        frames: &dyn FrameIo,
        progress: &(dyn Fn(u64) + Sync),
        state: &mut StreamState,
    ) -> Result<(Vec<Event>, Report)> {
        let (slots, mut report) = self.run_chunk(records, frames, progress, state, false)?;
        let mut out = Vec::with_capacity(slots.len());
        for mut slot in slots {
            report.totals.keys_rewritten += self.finalize(&mut slot.event, &mut slot.report, slot.field.as_ref(), &mut state.keys) as usize;
            if let Some(ev) = slot.event {
                out.push(ev);
            }
            report.add(slot.report);
        }
        report.count_output(&out);
        Ok((out, report))
    }

    /// The passes over one chunk; the slots come back with their events redacted but not yet
    /// [finalized](Engine::finalize) (key rewrites, late knowledge about text events), and the
    /// report holds the chunk's timings only (each slot carries its own event report). With
    /// `defer`, painted frames stay in their slots instead of being written (a session writes
    /// them when the event is released).
    pub(crate) fn run_chunk(
        &self,
        records: Vec<Record>,
        frames: &dyn FrameIo,
        progress: &(dyn Fn(u64) + Sync),
        state: &mut StreamState,
        defer: bool,
    ) -> Result<(Vec<Slot>, Report)> {
        let mut report = Report::new(self.key_source);
        let mut slots: Vec<Slot> = records
            .into_iter()
            .map(|r| match r {
                Record::Event { line, parsed } => Slot {
                    report: EventReport {
                        line,
                        seq: Some(parsed.event.seq),
                        kind: Some(parsed.event.body.kind()),
                        unknown_fields: parsed.unknown_fields,
                        ..Default::default()
                    },
                    event: Some(parsed.event),
                    focus_in_scope: true,
                    focus_app: String::new(),
                    protect: Protective::NONE,
                    frame: None,
                    field: None,
                    fresh_frames: false,
                },
                Record::Bad { line, reason, protect } => Slot {
                    event: None,
                    report: EventReport { line, dropped: Some(reason), ..Default::default() },
                    focus_in_scope: false,
                    focus_app: String::new(),
                    protect,
                    frame: None,
                    field: None,
                    fresh_frames: false,
                },
            })
            .collect();

        // Each pass runs guarded: a panic costs the data that pass was working on (dropped and
        // counted as `internal_error`), never the run, and never unwinds into the caller.
        let t = Instant::now();
        // A pause, a forget or focus out of scope after the chunk's last screenshot (true
        // unless the passes say otherwise).
        let mut trailing_cut = true;
        if guard::catch(|| {
            self.consent_pass(&mut slots, state);
            self.scope_pass(&mut slots, state);
            trailing_cut = consent::mark_fresh_frames(&mut slots);
        })
        .is_err()
        {
            // Which events are in scope or paused is unknown: none of them may leave.
            slots.iter_mut().filter(|s| s.event.is_some()).for_each(|s| s.drop(DropReason::InternalError));
        }
        report.timings.scope_ms = ms(t);

        let t = Instant::now();
        if guard::catch(|| self.keys_pass(&mut slots, state)).is_err() {
            // The typed text could not be checked: no key event of the chunk leaves.
            for s in slots.iter_mut().filter(|s| matches!(s.event.as_ref().map(|e| &e.body), Some(Body::Key(_)))) {
                s.drop(DropReason::InternalError);
            }
        }
        report.timings.keys_ms = ms(t);

        let t = Instant::now();
        // Without the batch's NER findings, each field runs the model alone (guarded below).
        let mut cache = guard::catch(|| self.ner_pass(&slots)).unwrap_or_default();
        report.timings.ner_ms = ms(t);

        let t = Instant::now();
        // Rules once per distinct field, values found with confidence learned and swept for
        // (repeats_pass.rs); without it, each field runs the rules alone.
        if let Ok(rules) = guard::catch(|| self.repeats_pass(&slots, &mut state.repeats)) {
            cache.rules = rules;
        }
        let frame_time = Mutex::new((0.0f64, 0.0f64, 0.0f64));
        let io = ChunkIo { frames, denied: &state.denied, keys: &state.keys, defer };
        let run = |slot: &mut Slot, memory: Option<&mut FrameMemory>| -> Result<()> {
            progress(1);
            let forget = |m: Option<&mut FrameMemory>| m.into_iter().for_each(FrameMemory::forget);
            let mut memory = memory;
            if slot.fresh_frames {
                forget(memory.as_deref_mut());
            }
            match guard::catch(|| self.redact_slot(slot, &io, &cache, &frame_time, memory.as_deref_mut())) {
                Ok(r) => r,
                Err(_) => {
                    // What the frame memory holds after a panic is unknown: forget it.
                    forget(memory);
                    slot.drop(DropReason::InternalError);
                    Ok(())
                }
            }
        };
        // Screenshots run in capture order, one after another, each reusing what the models
        // found on the frame before it (the stream's memory carries over between chunks);
        // everything else runs in parallel beside them.
        let (shots, others): (Vec<&mut Slot>, Vec<&mut Slot>) = slots.iter_mut().partition(|s| matches!(s.event.as_ref().map(|e| &e.body), Some(Body::Screenshot(_))));
        let memory = &mut state.frames;
        let (a, b) = rayon::join(
            || others.into_par_iter().try_for_each(|slot| run(slot, None)),
            || shots.into_iter().try_for_each(|slot| run(slot, Some(&mut *memory))),
        );
        // A stream left paused, or with focus out of scope, or with a pause or a forget after its
        // last frame, keeps nothing of its frames (also when a write failed).
        if trailing_cut || state.paused || state.focus_in_scope == Some(false) {
            state.frames.forget();
        }
        a?;
        b?;
        report.timings.text_ms = ms(t);
        let (f, fa, tr) = frame_time.into_inner().unwrap_or_default();
        report.timings.frames_ms = f;
        report.timings.faces_ms = fa;
        report.timings.text_regions_ms = tr;

        Ok((slots, report))
    }
}

/// Environment variables that are never secrets: naming one as the pseudonym key is an error.
const SYSTEM_VARS: &[&str] = &["HOME", "PATH", "USER", "USERNAME", "LOGNAME", "SHELL", "PWD", "OLDPWD", "LANG", "LC_ALL", "TERM", "HOSTNAME", "TMPDIR", "TMP", "TEMP", "EDITOR", "DISPLAY", "MAIL", "USERPROFILE", "COMPUTERNAME", "APPDATA"];

/// Where a chunk's frames come from and go, and what the stream knows of denied windows.
struct ChunkIo<'a> {
    frames: &'a dyn FrameIo,
    denied: &'a DeniedWindows,
    /// What the stream knows of typing: secure elements (their nodes are painted and
    /// emptied), values typed into elements (pieces in their nodes go).
    keys: &'a KeyState,
    defer: bool,
}

pub(crate) fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Options of an archive run.
#[derive(Default)]
pub struct RunOptions {
    /// Overwrite an existing output.
    pub force: bool,
    /// Called with the number of events once known, then with increments as they finish.
    pub on_start: Option<Box<dyn Fn(u64) + Sync>>,
    pub on_progress: Option<Box<dyn Fn(u64) + Sync>>,
}

impl RunOptions {
    fn start(&self, n: u64) {
        if let Some(f) = &self.on_start {
            f(n)
        }
    }
    fn tick(&self, n: u64) {
        if let Some(f) = &self.on_progress {
            f(n)
        }
    }
}
