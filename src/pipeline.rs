//! The pipeline: an [`Engine`] (policy + detectors + operators, loaded once, `Send + Sync`)
//! and the passes that turn parsed events into redacted ones.
//!
//! Order of passes over a batch (a whole archive, or a chunk a capture client flushes):
//! 1. sequence and consent: non-increasing `seq` dropped; `pause`..`resume` dropped;
//!    `forget` drops what came in its `span_ms` before it;
//! 2. scope: events of out-of-scope apps/windows dropped (screenshots: those windows blanked);
//! 3. keys: typed text rebuilt per target, PII found, key events rewritten;
//! 4. text fields and frames, in parallel (rayon): detect, replace, paint, re-encode.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::capture::archive::{read_line_bounded, LineRead};
use crate::capture::{parse_line, ArchiveReader, ArchiveWriter, Body, DropReason, Event, Parsed, Screenshot};
use crate::detect::faces::FaceDetector;
use crate::detect::image::ImageDetector;
use crate::detect::ner::NerDetector;
use crate::detect::rules::{RuleConfig, RuleSet};
use crate::detect::text_regions::TextRegionDetector;
use crate::detect::{resolve, Detector, Finding};
use crate::error::{Error, Result};
use crate::keys::{self, KeyInput, KeyRewrite};
use crate::localize::{self, PaintBox, PaintReason};
use crate::operators::{self, Pseudonymizer};
use crate::paint;
use crate::policy::{PaintMode, Policy};
use crate::report::{EventReport, FindingReport, Report};
use crate::runtime::{self, ModelError};

/// One line of input, parsed or not.
#[derive(Debug, Clone)]
pub enum Record {
    Event { line: usize, parsed: Parsed },
    Bad { line: usize, reason: DropReason },
}

/// Where frames come from and where redacted ones go.
pub trait FrameIo: Sync {
    /// The bytes of a frame, by its (validated) path; `None` when missing.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
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
    policy: Policy,
    rules: RuleSet,
    faces: Option<FaceDetector>,
    text_regions: Option<TextRegionDetector>,
    ner: Option<NerDetector>,
    ner_memo: NerMemo,
    pseudo: Pseudonymizer,
    key_source: &'static str,
}

/// Text after redaction, with what was found in the original.
#[derive(Debug, Clone, PartialEq)]
pub struct Redacted {
    pub text: String,
    pub findings: Vec<Finding>,
}

struct Slot {
    event: Option<Event>,
    report: EventReport,
    /// Was the focused window in scope when this event came?
    focus_in_scope: bool,
    /// App of the focused window (to group keys that name no target).
    focus_app: String,
}

impl Slot {
    fn drop(&mut self, r: DropReason) {
        self.event = None;
        self.report.dropped = Some(r);
    }
}

impl Engine {
    pub fn new(policy: Policy) -> Result<Engine> {
        let cfg = RuleConfig { phone_regions: policy.file.detect.phone_regions.clone() };
        let rules = RuleSet::builtin_except(&cfg, &policy.file.detect.disabled_rules).map_err(|e| Error::Policy(format!("[detect] {e}")))?;
        let (pseudo, key_source) = match policy.file.pseudonym.key_env.as_deref().map(|v| (v, std::env::var_os(v))) {
            Some((name, Some(val))) => {
                if val.is_empty() {
                    return Err(Error::PseudonymKey(format!("environment variable {name} is set but empty; set a key or unset it")));
                }
                (Pseudonymizer::new(val.as_encoded_bytes().to_vec()), "env")
            }
            _ => (Pseudonymizer::ephemeral(), "ephemeral"),
        };
        let m = &policy.file.models;
        let dir = if m.dir.is_empty() { runtime::default_models_dir() } else { std::path::PathBuf::from(&m.dir) };
        let threads = if m.threads == 0 { std::thread::available_parallelism().map_or(2, |n| n.get()) } else { m.threads };
        let faces = if m.faces { Some(FaceDetector::load(&dir.join("centerface.onnx"), threads, m.face_max_side, m.face_threshold)?) } else { None };
        let text_regions = if m.text_regions { Some(TextRegionDetector::load(&dir.join("text_det.onnx"), threads, m.text_max_side)?) } else { None };
        // One session per 4 cores, each with its share of threads: on 2 cores one session with
        // both threads beat two single-threaded ones (512 tokens 115 vs 218 ms; 1.1 vs 1.4 ms
        // per event in a batch), as intra-op parallelism scales well at these sizes.
        let pool = (threads / 4).max(1);
        let ner = if m.ner { Some(NerDetector::load(&dir.join("ner.onnx"), &dir.join("ner_tokenizer.json"), pool, (threads / pool).max(1), m.ner_thresholds())?) } else { None };
        let ner_memo = NerMemo::new(m.ner_memo);
        Ok(Engine { policy, rules, faces, text_regions, ner, ner_memo, pseudo, key_source })
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

    /// Resolved (disjoint, sorted) findings of every detector in `text`. Fails only when the
    /// NER model fails to run (then nothing about the text is known: drop it).
    pub fn detect(&self, text: &str) -> Result<Vec<Finding>, ModelError> {
        self.detect_with(text, Some(&NerCache::default()))
    }

    /// Detects and replaces per policy. Safe to call from any thread.
    pub fn redact_text(&self, text: &str) -> Result<Redacted, ModelError> {
        self.redact_with(text, Some(&NerCache::default()))
    }

    /// `ner`: findings computed ahead (texts missing from it are run now); `None`: rules only.
    fn detect_with(&self, text: &str, ner: Option<&NerCache>) -> Result<Vec<Finding>, ModelError> {
        let mut v = Vec::new();
        self.rules.detect(text, &mut v);
        if let (Some(ner), Some(cache)) = (self.ner.as_ref().filter(|_| wants_ner(text)), ner) {
            match cache.0.get(text) {
                Some(found) => v.extend_from_slice(found),
                None => v.extend(self.ner_run(ner, &[text])?.into_iter().flatten()),
            }
        }
        Ok(resolve(v))
    }

    fn redact_with(&self, text: &str, cache: Option<&NerCache>) -> Result<Redacted, ModelError> {
        let findings = self.detect_with(text, cache)?;
        let text = operators::apply(text, &findings, |e| self.policy.action(e), &self.pseudo);
        Ok(Redacted { text, findings })
    }

    /// NER findings for every text field of a batch at once: deduplicated (UI text repeats
    /// frame after frame) and run in batches of similar length. A failed run leaves the cache
    /// empty; each field then tries alone and is dropped if that fails too.
    fn ner_pass(&self, slots: &[Slot]) -> NerCache {
        let Some(ner) = &self.ner else { return NerCache::default() };
        let mut all: Vec<&str> = Vec::new();
        for ev in slots.iter().filter_map(|s| s.event.as_ref()) {
            match &ev.body {
                Body::Window(w) => all.push(&w.title),
                Body::Text(t) => all.push(&t.text),
                Body::Screenshot(s) => {
                    all.extend(s.windows.iter().flatten().map(|w| w.title.as_str()));
                    for n in s.nodes.iter().flatten().filter(|n| !n.secure) {
                        all.push(&n.text);
                        all.extend(n.lines.iter().flatten().map(|l| l.text.as_str()));
                    }
                }
                _ => {}
            }
        }
        let mut seen = HashSet::new();
        let texts: Vec<&str> = all.into_iter().filter(|t| wants_ner(t) && seen.insert(*t)).collect();
        match self.ner_run(ner, &texts) {
            Ok(found) => NerCache(texts.into_iter().map(str::to_owned).zip(found).collect()),
            Err(_) => NerCache::default(),
        }
    }

    /// NER findings per text: from the memo where it knows the text, the rest run in one batch
    /// and remembered.
    fn ner_run(&self, ner: &NerDetector, texts: &[&str]) -> Result<Vec<Vec<Finding>>, ModelError> {
        let mut out: Vec<Option<Vec<Finding>>> = texts.iter().map(|t| self.ner_memo.get(t)).collect();
        let missing: Vec<usize> = (0..texts.len()).filter(|&i| out[i].is_none()).collect();
        let found = ner.detect_batch(&missing.iter().map(|&i| texts[i]).collect::<Vec<_>>())?;
        for (i, f) in missing.into_iter().zip(found) {
            self.ner_memo.put(texts[i], &f);
            out[i] = Some(f);
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// Redacts one field in place; returns the byte spans (in the original) of what was found.
    /// `cache`: as in `detect_with` (`None` for fields the NER model is not for: URLs).
    fn redact_field(&self, text: &mut String, field: &str, out: &mut Vec<FindingReport>, cache: Option<&NerCache>) -> Result<Vec<(usize, usize)>, ModelError> {
        let r = self.redact_with(text, cache)?;
        if r.findings.is_empty() {
            return Ok(Vec::new());
        }
        for f in &r.findings {
            out.push(FindingReport {
                entity: f.entity,
                detector: f.detector,
                field: field.to_string(),
                start: f.start,
                end: f.end,
                action: self.policy.action(f.entity).name(),
                keys: None,
            });
        }
        *text = r.text;
        Ok(r.findings.iter().map(|f| (f.start, f.end)).collect())
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
                },
                Record::Bad { line, reason } => Slot {
                    event: None,
                    report: EventReport { line, dropped: Some(reason), ..Default::default() },
                    focus_in_scope: false,
                    focus_app: String::new(),
                },
            })
            .collect();

        let t = Instant::now();
        self.consent_pass(&mut slots, state);
        self.scope_pass(&mut slots, state);
        report.timings.scope_ms = ms(t);

        let t = Instant::now();
        report.totals.keys_rewritten = self.keys_pass(&mut slots);
        report.timings.keys_ms = ms(t);

        let t = Instant::now();
        let cache = self.ner_pass(&slots);
        let cache = Some(&cache);
        report.timings.ner_ms = ms(t);

        let t = Instant::now();
        let frame_time = Mutex::new((0.0f64, 0.0f64, 0.0f64));
        slots.par_iter_mut().try_for_each(|slot| -> Result<()> {
            progress(1);
            let Some(ev) = slot.event.as_mut() else { return Ok(()) };
            let findings = &mut slot.report.findings;
            let checked = match &mut ev.body {
                Body::Window(w) => self
                    .redact_field(&mut w.title, "title", findings, cache)
                    .and_then(|_| w.url.as_mut().map_or(Ok(Vec::new()), |u| self.redact_field(u, "url", findings, None))),
                Body::Text(t) => self.redact_field(&mut t.text, "text", findings, cache),
                _ => Ok(Vec::new()),
            };
            if checked.is_err() {
                slot.drop(DropReason::ModelFailed);
                return Ok(());
            }
            match &mut ev.body {
                Body::Window(_) | Body::Text(_) => {}
                Body::Screenshot(s) => {
                    let tf = Instant::now();
                    let painted = self.redact_screenshot(s, slot.focus_in_scope, findings, frames, cache);
                    {
                        let mut t = frame_time.lock().expect("no panics while held");
                        t.0 += ms(tf);
                        if let Ok(st) = &painted {
                            t.1 += st.faces_ms;
                            t.2 += st.text_ms;
                        }
                    }
                    match painted {
                        Ok(st) => {
                            slot.report.painted_boxes = st.boxes;
                            slot.report.faces = st.faces;
                            slot.report.text_regions = st.text_regions;
                        }
                        Err(FrameError::Drop(r)) => slot.drop(r),
                        Err(FrameError::Io(e)) => return Err(e),
                    }
                }
                Body::Key(_) | Body::Mouse(_) | Body::Control(_) => {}
            }
            Ok(())
        })?;
        report.timings.text_ms = ms(t);
        let (f, fa, tr) = frame_time.into_inner().unwrap_or_default();
        report.timings.frames_ms = f;
        report.timings.faces_ms = fa;
        report.timings.text_regions_ms = tr;

        let mut out = Vec::with_capacity(slots.len());
        for slot in slots {
            if let Some(ev) = slot.event {
                if matches!(ev.body, Body::Screenshot(_)) {
                    report.totals.output_frames += 1;
                }
                out.push(ev);
            }
            report.add(slot.report);
        }
        report.totals.output_events = out.len();
        Ok((out, report))
    }

    /// Sequence order and the person's own pause/resume/forget.
    fn consent_pass(&self, slots: &mut [Slot], state: &mut StreamState) {
        let StreamState { last_seq, paused, .. } = state;
        let mut forgets: Vec<(usize, u64, Option<u64>)> = Vec::new();
        for (i, slot) in slots.iter_mut().enumerate() {
            let Some(ev) = &slot.event else { continue };
            if last_seq.is_some_and(|l| ev.seq <= l) {
                slot.drop(DropReason::SeqNotIncreasing);
                continue;
            }
            *last_seq = Some(ev.seq);
            match &ev.body {
                Body::Control(c) => match c.action {
                    crate::capture::ControlAction::Pause => *paused = true,
                    crate::capture::ControlAction::Resume => *paused = false,
                    crate::capture::ControlAction::Forget => forgets.push((i, ev.ts, c.span_ms)),
                },
                _ if *paused => slot.drop(DropReason::Paused),
                _ => {}
            }
        }
        for (at, ts, span) in forgets {
            for slot in &mut slots[..at] {
                let Some(ev) = &slot.event else { continue };
                if matches!(ev.body, Body::Control(_)) {
                    continue;
                }
                // Without span_ms, everything before the forget goes.
                if span.is_none_or(|s| ev.ts.saturating_add(s) >= ts) {
                    slot.drop(DropReason::Forgotten);
                }
            }
        }
    }

    /// Drops events of out-of-scope apps and windows; notes the focus for screenshots/keys.
    fn scope_pass(&self, slots: &mut [Slot], state: &mut StreamState) {
        let scope = &self.policy.scope;
        // Before the first window event the focus is unknown: in scope unless an allowlist
        // says only named apps are.
        let mut focus_in = state.focus_in_scope.unwrap_or_else(|| scope.app_in_scope(None));
        let mut focus_app = std::mem::take(&mut state.focus_app);
        for slot in slots.iter_mut() {
            let Some(ev) = &slot.event else { continue };
            let keep = match &ev.body {
                Body::Window(w) => {
                    focus_in = scope.window_in_scope(Some(&w.app), &w.title, w.url.as_deref());
                    focus_app = w.app.clone();
                    focus_in
                }
                Body::Key(k) => focus_in && k.target.as_ref().and_then(|t| t.app.as_deref()).is_none_or(|a| scope.app_in_scope(Some(a))),
                Body::Text(t) => focus_in && t.app.as_deref().is_none_or(|a| scope.app_in_scope(Some(a))),
                Body::Mouse(_) => focus_in,
                Body::Screenshot(s) => s.app.as_deref().is_none_or(|a| scope.app_in_scope(Some(a))),
                Body::Control(_) => true,
            };
            slot.focus_in_scope = focus_in;
            slot.focus_app = focus_app.clone();
            if !keep {
                slot.drop(DropReason::OutOfScope);
            }
        }
        state.focus_in_scope = Some(focus_in);
        state.focus_app = focus_app;
    }

    /// Rebuilds typed text, rewrites the keys that typed PII. Returns keys rewritten.
    fn keys_pass(&self, slots: &mut [Slot]) -> usize {
        let mut inputs = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (i, slot) in slots.iter().enumerate() {
            let Some(Event { seq, body: Body::Key(k), .. }) = &slot.event else { continue };
            let t = k.target.as_ref();
            let app = t.and_then(|t| t.app.as_deref()).unwrap_or(&slot.focus_app);
            let group = match t.and_then(|t| t.element.as_deref()) {
                Some(el) => format!("e\0{app}\0{el}"),
                None => format!("a\0{app}"),
            };
            inputs.push(KeyInput { seq: *seq, key: k, group, secure: t.is_some_and(|t| t.secure) });
            index.insert(*seq, i);
        }
        let detect = |text: &str| self.detect(text).ok();
        let action_of = |e| self.policy.action(e);
        let plan = keys::plan(&inputs, &detect, &action_of, &self.pseudo);
        drop(inputs);
        for f in plan.findings {
            if let Some(&i) = index.get(&f.seq) {
                slots[i].report.findings.push(FindingReport {
                    entity: f.entity,
                    detector: f.detector,
                    field: "keys".into(),
                    start: f.start,
                    end: f.end,
                    action: f.action,
                    keys: Some(f.keys),
                });
            }
        }
        let mut rewritten = 0;
        for (seq, rw) in plan.rewrites {
            let Some(&i) = index.get(&seq) else { continue };
            match rw {
                KeyRewrite::Drop(r) => slots[i].drop(r),
                KeyRewrite::Replace { key, text } => {
                    if let Some(Event { body: Body::Key(k), .. }) = slots[i].event.as_mut() {
                        k.key = key;
                        k.text = Some(text);
                        rewritten += 1;
                    }
                }
            }
        }
        // Multi-character key names outside the known set could carry anything.
        for slot in slots.iter_mut() {
            if let Some(Event { body: Body::Key(k), .. }) = slot.event.as_mut() {
                if k.key.chars().count() > 1 && !keys::is_named_key(&k.key) {
                    k.key = "Unidentified".into();
                }
            }
        }
        rewritten
    }

    /// Redacts a screenshot: its windows' titles and its nodes' text; then paints its frame:
    /// out-of-scope windows, nodes and line spans holding findings, secure nodes, faces, and
    /// text regions no checked UI node vouches for.
    fn redact_screenshot(
        &self,
        s: &mut Screenshot,
        focus_in_scope: bool,
        findings: &mut Vec<FindingReport>,
        frames: &dyn FrameIo,
        cache: Option<&NerCache>,
    ) -> Result<FrameStats, FrameError> {
        let failed = |_: ModelError| FrameError::Drop(DropReason::ModelFailed);
        let scope = &self.policy.scope;
        let sc = &self.policy.file.screenshots;
        let mut boxes: Vec<PaintBox> = Vec::new();
        let mut stats = FrameStats::default();
        let windows = s.windows.take().unwrap_or_default();
        if windows.is_empty() && !focus_in_scope {
            return Err(FrameError::Drop(DropReason::OutOfScope));
        }
        let in_scope: Vec<bool> = windows.iter().map(|w| scope.window_in_scope(Some(&w.app), &w.title, None)).collect();
        for (w, ok) in windows.iter().zip(&in_scope) {
            if !ok {
                boxes.push(PaintBox { rect: w.bounds, why: PaintReason::OutOfScopeWindow });
            }
        }
        let mut kept_windows = Vec::new();
        for (i, (mut w, ok)) in windows.clone().into_iter().zip(&in_scope).enumerate() {
            if *ok {
                self.redact_field(&mut w.title, &format!("windows[{i}].title"), findings, cache).map_err(failed)?;
                kept_windows.push(w);
            }
        }
        let nodes = s.nodes.take().unwrap_or_default();
        if nodes.is_empty() && sc.require_nodes && self.text_regions.is_none() {
            return Err(FrameError::Drop(DropReason::UnverifiedPixels));
        }
        let mut kept_nodes = Vec::with_capacity(nodes.len());
        // Boxes whose text was read and checked: they vouch for the text regions under them.
        let mut vouchers: Vec<crate::capture::Rect> = Vec::new();
        for (i, mut n) in nodes.into_iter().enumerate() {
            let (cx, cy) = localize::centre(&n.bounds);
            if localize::window_at(&windows, cx, cy).is_some_and(|w| !in_scope[w]) {
                continue; // belongs to a blanked window: neither text nor box leaves
            }
            // A secure node's text is emptied whatever it holds: rules only, no model run.
            let node_cache = if n.secure { None } else { cache };
            let node_spans = self.redact_field(&mut n.text, &format!("nodes[{i}].text"), findings, node_cache).map_err(failed)?;
            let mut line_hits = 0;
            if let Some(lines) = n.lines.as_mut() {
                for (j, l) in lines.iter_mut().enumerate() {
                    let original = l.text.clone();
                    let spans = self.redact_field(&mut l.text, &format!("nodes[{i}].lines[{j}].text"), findings, node_cache).map_err(failed)?;
                    for sp in &spans {
                        boxes.push(PaintBox { rect: localize::span_box(l.bounds, &original, *sp), why: PaintReason::LineSpan });
                    }
                    line_hits += spans.len();
                    vouchers.push(l.bounds);
                }
            } else {
                vouchers.push(n.bounds);
            }
            if n.secure {
                n.text.clear();
                if let Some(lines) = n.lines.as_mut() {
                    lines.iter_mut().for_each(|l| l.text.clear());
                }
                boxes.push(PaintBox { rect: n.bounds, why: PaintReason::SecureNode });
            } else if !node_spans.is_empty() && line_hits == 0 {
                // No lines, or the value straddles lines: the whole node.
                boxes.push(PaintBox { rect: n.bounds, why: PaintReason::NodeText });
            }
            kept_nodes.push(n);
        }
        s.windows = (!kept_windows.is_empty()).then_some(kept_windows);
        s.nodes = Some(kept_nodes);
        let bytes = frames.read(&s.image).ok_or(FrameError::Drop(DropReason::MissingImage))?;
        let mut img = paint::decode(&bytes, self.policy.file.limits.max_image_pixels).map_err(FrameError::Drop)?;
        if let Some(fd) = &self.faces {
            let t = Instant::now();
            let mut faces = fd.detect(&img).map_err(|_| FrameError::Drop(DropReason::ModelFailed))?;
            // Avatars and pictures the UI tree names: small faces, searched up close.
            for n in s.nodes.iter().flatten().filter(|n| is_picture(n) && n.bounds.w().max(n.bounds.h()) <= 400) {
                faces.extend(fd.detect_in(&img, n.bounds).map_err(|_| FrameError::Drop(DropReason::ModelFailed))?);
            }
            stats.faces_ms = ms(t);
            stats.faces = faces.len();
            boxes.extend(faces.into_iter().map(|f| PaintBox { rect: f.rect, why: PaintReason::Face }));
        }
        if let Some(td) = &self.text_regions {
            let t = Instant::now();
            // With a UI tree, only where ink lies that no checked node vouches for; without,
            // the whole frame.
            // Windows whose app masks all text are searched whole, vouched or not.
            let mask_all = |app: &str| self.policy.mask_all_text.matches(app);
            let regions = if vouchers.is_empty() {
                td.detect(&img)
            } else {
                let text_vouchers: Vec<_> = vouchers.iter().copied().filter(|v| v.h() <= 120).collect();
                let mut areas = localize::unvouched_areas(&img, &text_vouchers, 32, 6);
                areas.extend(windows.iter().zip(&in_scope).filter(|(w, ok)| **ok && mask_all(&w.app)).map(|(w, _)| w.bounds));
                td.detect_areas(&img, &areas)
            }
            .map_err(|_| FrameError::Drop(DropReason::ModelFailed))?;
            stats.text_ms = ms(t);
            for r in regions {
                let (cx, cy) = localize::centre(&r.core);
                let window = localize::window_at(&windows, cx, cy);
                if window.is_some_and(|w| !in_scope[w]) {
                    continue; // blanked whole already
                }
                let masked = window.is_some_and(|w| mask_all(&windows[w].app));
                if masked || localize::coverage(&r.core, &vouchers, 8) < sc.text_coverage {
                    stats.text_regions += 1;
                    boxes.push(PaintBox { rect: r.rect, why: PaintReason::TextRegion });
                }
            }
        }
        for b in &boxes {
            let mode = match b.why {
                PaintReason::Face => sc.faces,
                PaintReason::OutOfScopeWindow | PaintReason::SecureNode => PaintMode::Fill,
                _ => sc.text,
            };
            paint::paint(&mut img, &b.rect, sc.padding, mode, sc.fill);
        }
        let out = paint::encode(&img, &s.image).map_err(FrameError::Drop)?;
        frames.write(&s.image, out).map_err(FrameError::Io)?;
        stats.boxes = boxes.len();
        Ok(stats)
    }

    /// Reads an archive, redacts it, and writes the redacted archive (with `report.json`).
    pub fn redact_archive(&self, input: &Path, output: &Path, opts: &RunOptions) -> Result<Report> {
        let t0 = Instant::now();
        if let (Ok(a), Ok(b)) = (input.canonicalize(), output.canonicalize()) {
            if a == b || b.starts_with(&a) {
                return Err(Error::OutputIo { path: output.to_owned(), source: std::io::Error::other("output would be inside the input") });
            }
        }
        let reader = ArchiveReader::open(input)?;
        let records = read_records(&reader, self.policy.file.limits.max_line_bytes)?;
        opts.start(records.len() as u64);
        let read_ms = ms(t0);
        let writer = ArchiveWriter::create(output, opts.force)?;
        let io = ArchiveFrames { reader: &reader, writer: Mutex::new(writer) };
        let (events, mut report) = self.redact_batch(records, &io, &|n| opts.tick(n))?;
        let t = Instant::now();
        let mut writer = io.writer.into_inner().expect("no panics while held");
        let mut jsonl = Vec::with_capacity(events.len() * 96);
        for ev in &events {
            serde_json::to_writer(&mut jsonl, ev).expect("events serialise");
            jsonl.push(b'\n');
        }
        writer.write_file("events.jsonl", &jsonl)?;
        let mut meta = reader.meta().unwrap_or_default();
        meta.format = Some("capture/1".into());
        writer.write_file("meta.json", &serde_json::to_vec_pretty(&meta).expect("meta serialises"))?;
        report.timings.read_parse_ms = read_ms;
        report.timings.write_ms = ms(t);
        report.timings.total_ms = ms(t0);
        writer.write_file("report.json", &serde_json::to_vec_pretty(&report).expect("report serialises"))?;
        writer.finish()?;
        Ok(report)
    }
}

/// A node that shows a picture (avatar, photo): where small faces hide.
fn is_picture(n: &crate::capture::Node) -> bool {
    n.role.as_deref().is_some_and(|r| {
        let r = r.to_ascii_lowercase();
        ["image", "img", "avatar", "picture", "photo", "figure", "icon"].iter().any(|k| r.contains(k))
    })
}

#[derive(Default)]
struct FrameStats {
    boxes: usize,
    faces: usize,
    text_regions: usize,
    faces_ms: f64,
    text_ms: f64,
}

enum FrameError {
    Drop(DropReason),
    Io(Error),
}

/// NER findings computed ahead for a batch's text fields, by text.
#[derive(Default)]
struct NerCache(HashMap<String, Vec<Finding>>);

/// NER findings of recent texts, by a keyed 128-bit hash of the text (never the text itself):
/// UI text repeats frame after frame, window titles event after event. Bounded: emptied when
/// it holds `cap` texts. `cap` 0: off.
struct NerMemo {
    keys: (std::hash::RandomState, std::hash::RandomState),
    map: Mutex<HashMap<u128, Vec<Finding>>>,
    cap: usize,
}

impl NerMemo {
    fn new(cap: usize) -> NerMemo {
        NerMemo { keys: Default::default(), map: Mutex::new(HashMap::new()), cap }
    }

    fn key(&self, text: &str) -> u128 {
        use std::hash::BuildHasher;
        ((self.keys.0.hash_one(text) as u128) << 64) | self.keys.1.hash_one(text) as u128
    }

    fn get(&self, text: &str) -> Option<Vec<Finding>> {
        if self.cap == 0 {
            return None;
        }
        self.map.lock().ok()?.get(&self.key(text)).cloned()
    }

    fn put(&self, text: &str, found: &[Finding]) {
        if self.cap == 0 {
            return;
        }
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= self.cap {
                m.clear();
            }
            m.insert(self.key(text), found.to_vec());
        }
    }
}

/// Texts the NER model can find nothing in (no letter at all) are not run.
fn wants_ner(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Reads and parses every line of `events.jsonl` (parsing in parallel).
pub fn read_records(reader: &ArchiveReader, max_line: usize) -> Result<Vec<Record>> {
    let mut raw: Vec<(usize, Result<Vec<u8>, DropReason>)> = Vec::new();
    let mut r = reader.events()?;
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        let status = read_line_bounded(&mut *r, max_line, &mut buf).map_err(|source| Error::InputIo { path: reader.path().to_owned(), source })?;
        line += 1;
        match status {
            LineRead::Eof => break,
            LineRead::TooLong => raw.push((line, Err(DropReason::LineTooLong))),
            LineRead::Line if buf.iter().all(u8::is_ascii_whitespace) => {}
            LineRead::Line => raw.push((line, Ok(std::mem::take(&mut buf)))),
        }
    }
    Ok(raw
        .into_par_iter()
        .map(|(line, r)| match r.and_then(|b| parse_line(&b)) {
            Ok(parsed) => Record::Event { line, parsed },
            Err(reason) => Record::Bad { line, reason },
        })
        .collect())
}

struct ArchiveFrames<'a> {
    reader: &'a ArchiveReader,
    writer: Mutex<ArchiveWriter>,
}

impl FrameIo for ArchiveFrames<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.reader.read_file(path)
    }
    fn write(&self, path: &str, bytes: Vec<u8>) -> Result<()> {
        self.writer.lock().expect("no panics while held").write_file(path, &bytes)
    }
}

/// What a stream carries from one chunk to the next: whether the focused window is in scope,
/// its app, whether capture is paused, and the last `seq` seen.
#[derive(Debug, Clone, Default)]
pub struct StreamState {
    pub focus_in_scope: Option<bool>,
    pub focus_app: String,
    pub paused: bool,
    pub last_seq: Option<u64>,
}

/// One capture stream, fed one event at a time (the embedded use). The [`Engine`] is shared;
/// a `Session` holds the stream's state and the events not yet safe to release.
///
/// Key events are held until the typed text they belong to is complete: a window change,
/// Enter or Tab, a key into another target, [`Session::finish`], or `max_pending` events;
/// other events wait behind held keys so order is kept. Redacted events then wait `hold_ms`
/// (by capture time) in an outbox before release, so that the person's `forget` can still
/// remove them: choose `hold_ms` at least as long as the longest forget span you offer.
pub struct Session<'e> {
    engine: &'e Engine,
    frames: &'e dyn FrameIo,
    state: StreamState,
    pending: Vec<Record>,
    outbox: std::collections::VecDeque<Event>,
    last_target: Option<String>,
    line: usize,
    hold_ms: u64,
    pub max_pending: usize,
}

/// What a [`Session`] call releases: events safe to leave the machine, and the report of
/// the work done in this call.
pub struct Released {
    pub events: Vec<Event>,
    pub report: Report,
}

impl<'e> Session<'e> {
    pub fn new(engine: &'e Engine, frames: &'e dyn FrameIo, hold_ms: u64) -> Self {
        Session {
            engine,
            frames,
            state: StreamState::default(),
            pending: Vec::new(),
            outbox: Default::default(),
            last_target: None,
            line: 0,
            hold_ms,
            max_pending: 4096,
        }
    }

    /// Adds one event; returns what may leave now (often nothing).
    pub fn push(&mut self, event: Event) -> Result<Released> {
        self.line += 1;
        let now = event.ts;
        let forget = match &event.body {
            Body::Control(c) if c.action == crate::capture::ControlAction::Forget => Some((event.ts, c.span_ms)),
            _ => None,
        };
        let (boundary, starts_next) = match &event.body {
            Body::Window(_) | Body::Control(_) => (true, false),
            Body::Key(k) => {
                let target = k.target.as_ref().map(|t| format!("{:?}/{:?}", t.app, t.element));
                let switched = self.last_target.is_some() && self.last_target != target;
                self.last_target = target;
                (switched || matches!(k.key.as_str(), "Enter" | "Return" | "Tab"), switched)
            }
            _ => (!self.holds_keys(), false),
        };
        let record = Record::Event { line: self.line, parsed: Parsed { event, unknown_fields: 0 } };
        let mut report = Report::new(self.engine.key_source);
        if starts_next {
            // A key into another target: what came before is complete; this key starts anew.
            report = self.process()?;
            self.pending.push(record);
        } else {
            self.pending.push(record);
            if boundary || self.pending.len() >= self.max_pending {
                report = self.process()?;
            }
        }
        if let Some((ts, span)) = forget {
            let before = self.outbox.len();
            self.outbox.retain(|e| matches!(e.body, Body::Control(_)) || span.is_some_and(|s| e.ts.saturating_add(s) < ts));
            let n = before - self.outbox.len();
            if n > 0 {
                *report.totals.drops.entry(DropReason::Forgotten).or_default() += n;
                report.totals.dropped += n;
            }
        }
        let mut events = Vec::new();
        while self.outbox.front().is_some_and(|e| e.ts.saturating_add(self.hold_ms) <= now) {
            events.extend(self.outbox.pop_front());
        }
        Ok(Released { events, report })
    }

    /// End of stream: redacts and releases everything held.
    pub fn finish(&mut self) -> Result<Released> {
        let report = self.process()?;
        Ok(Released { events: self.outbox.drain(..).collect(), report })
    }

    fn holds_keys(&self) -> bool {
        self.pending.iter().any(|r| matches!(r, Record::Event { parsed, .. } if matches!(parsed.event.body, Body::Key(_))))
    }

    fn process(&mut self) -> Result<Report> {
        let chunk = std::mem::take(&mut self.pending);
        let (events, report) = self.engine.redact_batch_with(chunk, self.frames, &|_| {}, &mut self.state)?;
        self.outbox.extend(events);
        Ok(report)
    }
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
