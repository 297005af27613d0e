//! Streaming: one capture stream fed one event at a time, as an embedding client does.

use crate::capture::{Body, DropReason, Event, Parsed};
use crate::error::Result;
use crate::report::{EventReport, Report};

use super::{Engine, FrameIo, Record};

/// What a stream carries from one chunk to the next: whether the focused window is in scope,
/// its app, whether capture is paused, the last `seq` seen, and the keyed hashes of values
/// found with confidence so far (their repeats are found in later chunks too).
#[derive(Debug, Clone, Default)]
pub struct StreamState {
    pub focus_in_scope: Option<bool>,
    pub focus_app: String,
    pub paused: bool,
    pub last_seq: Option<u64>,
    /// Values found with confidence earlier in the stream, as keyed hashes (repeats pass).
    pub repeats: crate::detect::repeats::Repeats,
    /// Windows seen out of scope (keyed hashes), to recognise them on later frames.
    pub denied: super::DeniedWindows,
    /// Typing seen so far, and the latest plan for it.
    pub keys: super::KeyState,
    /// The previous frame's image-model results, for temporal reuse (opaque; in memory only;
    /// it includes the face model's head outputs over that frame, numbers derived from its
    /// pixels: dropped on a pause, a forget, focus out of scope, a model failure or a panic,
    /// and never kept for a frame with a window out of scope).
    pub frames: crate::screenshot::reuse::FrameMemory,
}

/// One capture stream, fed one event at a time (the embedded use). The [`Engine`] is shared;
/// a `Session` holds the stream's state and the events not yet safe to release.
///
/// Events are redacted in chunks and then held: every event at least `hold_ms` (by capture
/// time) so that the person's `forget` can still remove it (choose `hold_ms` at least as long
/// as the longest forget span you offer), and key events until typing has paused for
/// `settle_ms` (a value typed key by key is only PII once complete). What leaves is decided at
/// release with everything the stream showed by then: a value completed in a later chunk
/// rewrites keys held from an earlier one, so the output hides what an archive run of the same
/// events hides. Order is kept: an event waits behind the held events before it. Past
/// `max_held` held events the oldest leave early, and a key of an unfinished token that could
/// be the start of a value is dropped then rather than released.
pub struct Session<'e> {
    engine: &'e Engine,
    frames: &'e dyn FrameIo,
    state: StreamState,
    pending: Vec<Record>,
    held: std::collections::VecDeque<Held>,
    line: usize,
    hold_ms: u64,
    /// Key events wait until no key has come for this long (default 5 s).
    pub settle_ms: u64,
    /// Events gathered before a chunk is redacted even while typing goes on (memory).
    pub max_pending: usize,
    /// Events held after redaction before the oldest leave early (memory).
    pub max_held: usize,
    /// Bytes of redacted frames held before the oldest events leave early (memory: typing
    /// that never pauses would otherwise hold every frame taken meanwhile).
    pub max_held_bytes: usize,
    held_bytes: usize,
    /// The latest capture time seen.
    now: u64,
    last_key_ts: Option<u64>,
    /// The highest `seq` seen in order (as the consent pass will see it): an event at or
    /// below it is misplaced.
    seen_seq: Option<u64>,
}

/// A redacted event waiting for release, with what [`Engine::finalize`] needs.
struct Held {
    event: Option<Event>,
    frame: Option<Vec<u8>>,
    report: EventReport,
    field: Option<(String, Option<String>)>,
    key: bool,
    ts: u64,
}

/// What a [`Session`] call releases: events safe to leave the machine (their frames were
/// written through the session's [`FrameIo`] just before), and the report of the work done
/// and the events released in this call.
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
            held: Default::default(),
            line: 0,
            hold_ms,
            settle_ms: 5_000,
            max_pending: 4096,
            max_held: 16_384,
            max_held_bytes: 128 << 20,
            held_bytes: 0,
            now: 0,
            last_key_ts: None,
            seen_seq: None,
        }
    }

    /// Adds one event; returns what may leave now (often nothing). Never panics: after an
    /// internal error (`Err`), the events it was working on are gone and the session goes on.
    pub fn push(&mut self, event: Event) -> Result<Released> {
        self.line += 1;
        let record = Record::Event { line: self.line, parsed: Parsed { event, unknown_fields: 0 } };
        self.push_guarded(record)
    }

    /// Adds one `events.jsonl` line as the client wrote it (the same fail-closed parser as an
    /// archive run). A line that cannot be understood is dropped and counted, and its most
    /// protective meaning applies: a bad `pause` pauses, a bad `forget` forgets everything
    /// held, a bad `window` puts focus out of scope.
    pub fn push_line(&mut self, line: &[u8]) -> Result<Released> {
        self.push_parsed(super::archive::parse_guarded(line))
    }

    /// Adds one line as [`crate::capture::parse_line_full`] returned it (a host that parsed it
    /// already, to see which frame it names): an event, its removed unknown fields counted as
    /// an archive run counts them; or a line not understood, dropped and counted with its
    /// protective meaning applied.
    pub fn push_parsed(&mut self, parsed: std::result::Result<Parsed, (DropReason, crate::capture::Protective)>) -> Result<Released> {
        self.line += 1;
        let record = match parsed {
            Ok(parsed) => Record::Event { line: self.line, parsed },
            Err((reason, protect)) => Record::Bad { line: self.line, reason, protect },
        };
        self.push_guarded(record)
    }

    /// Image paths of the screenshot events not yet redacted: the frames the session will
    /// still read. (Redacted frames are held by the session itself until release.) A host
    /// keeping frame bytes aside for the session may drop those of any other path.
    pub fn held_images(&self) -> impl Iterator<Item = &str> {
        self.pending.iter().filter_map(|r| match r {
            Record::Event { parsed, .. } => match &parsed.event.body {
                Body::Screenshot(s) => Some(s.image.as_str()),
                _ => None,
            },
            Record::Bad { .. } => None,
        })
    }

    /// Redacts what is gathered now (a chunk), without releasing anything the rules above
    /// still hold. Sessions flush by themselves; this is for callers that want bounded
    /// latency of redaction work (and for tests of chunk independence).
    pub fn flush(&mut self) -> Result<Released> {
        crate::guard::catch(|| {
            let mut report = self.process()?;
            let events = self.release(false, &mut report)?;
            Ok(Released { events, report })
        })
        .unwrap_or_else(|_| self.internal("session flush"))
    }

    /// End of stream: redacts and releases everything held.
    pub fn finish(&mut self) -> Result<Released> {
        crate::guard::catch(|| {
            let mut report = self.process()?;
            let events = self.release(true, &mut report)?;
            Ok(Released { events, report })
        })
        .unwrap_or_else(|_| self.internal("session finish"))
    }

    fn internal(&mut self, what: &'static str) -> Result<Released> {
        self.pending.clear();
        Err(crate::Error::Internal { what })
    }

    fn push_guarded(&mut self, record: Record) -> Result<Released> {
        crate::guard::catch(|| self.push_record(record)).unwrap_or_else(|_| self.internal("session push"))
    }

    fn push_record(&mut self, record: Record) -> Result<Released> {
        let mut forget = None;
        let mut pause = false;
        match &record {
            Record::Event { parsed, .. } => {
                let ev = &parsed.event;
                self.now = self.now.max(ev.ts);
                // As the consent pass will: a misplaced event is dropped, and means the most it
                // could have (a misplaced forget forgets everything before it).
                let misplaced = self.seen_seq.is_some_and(|l| ev.seq <= l);
                if !misplaced {
                    self.seen_seq = Some(ev.seq);
                }
                match &ev.body {
                    Body::Key(_) => self.last_key_ts = Some(ev.ts),
                    Body::Control(c) if c.action == crate::capture::ControlAction::Forget => forget = Some((ev.ts, if misplaced { None } else { c.span_ms })),
                    Body::Control(c) if c.action == crate::capture::ControlAction::Pause => pause = true,
                    _ => {}
                }
            }
            // A line not understood that may have been a forget forgets everything held.
            Record::Bad { protect, .. } => {
                if protect.forget_all {
                    forget = Some((u64::MAX, None));
                }
                pause = protect.pause;
            }
        }
        // A pause reaches the frame memory at once, though the chunk it ends may wait for
        // typing to settle: nothing of the frames before it is kept through the pause.
        if pause {
            self.state.frames.forget();
        }
        self.pending.push(record);
        let mut report = Report::new(self.engine.key_source);
        // A forget is applied to the pending events at once (not when typing settles): the
        // frames it forgets leave the host's hands now (`held_images`).
        if forget.is_some() || !self.holds_keys() || self.settled() || self.pending.len() >= self.max_pending {
            report = self.process()?;
        }
        if let Some((ts, span)) = forget {
            self.forget(ts, span, &mut report);
        }
        let events = self.release(false, &mut report)?;
        Ok(Released { events, report })
    }

    /// Typing has paused long enough for held keys to be complete.
    fn settled(&self) -> bool {
        self.last_key_ts.is_none_or(|t| t.saturating_add(self.settle_ms) <= self.now)
    }

    /// Removes held events within `span` before `ts` (all of them without a span).
    fn forget(&mut self, ts: u64, span: Option<u64>, report: &mut Report) {
        // What the frame memory keeps (keyed hashes, the last output) may be of a forgotten
        // frame: the next frame is scanned whole.
        self.state.frames.forget();
        let ks = &mut self.state.keys;
        for h in self.held.iter_mut() {
            let Some(ev) = &h.event else { continue };
            if matches!(ev.body, Body::Control(_)) || span.is_some_and(|s| ev.ts.saturating_add(s) < ts) {
                continue;
            }
            ks.rewrites.remove(&ev.seq);
            ks.findings.remove(&ev.seq);
            h.event = None;
            self.held_bytes -= h.frame.take().map_or(0, |f| f.len());
            h.report.dropped = Some(DropReason::Forgotten);
            h.report.findings.clear();
        }
        let _ = report;
    }

    fn holds_keys(&self) -> bool {
        self.pending.iter().any(|r| matches!(r, Record::Event { parsed, .. } if matches!(parsed.event.body, Body::Key(_))))
    }

    /// Redacts the gathered chunk into held events.
    fn process(&mut self) -> Result<Report> {
        if self.pending.is_empty() {
            return Ok(Report::new(self.engine.key_source));
        }
        let chunk = std::mem::take(&mut self.pending);
        let (slots, report) = self.engine.run_chunk(chunk, self.frames, &|_| {}, &mut self.state, true)?;
        for s in slots {
            let key = matches!(s.event.as_ref().map(|e| &e.body), Some(Body::Key(_)));
            let ts = s.event.as_ref().map_or(0, |e| e.ts);
            self.held_bytes += s.frame.as_ref().map_or(0, Vec::len);
            self.held.push_back(Held { event: s.event, frame: s.frame, report: s.report, field: s.field, key, ts });
        }
        Ok(report)
    }

    /// Releases held events that may leave (all of them with `all`), in order, each finalized
    /// with what the stream knows now.
    fn release(&mut self, all: bool, report: &mut Report) -> Result<Vec<Event>> {
        let settled = self.settled();
        let mut open: Option<std::collections::HashSet<u64>> = None;
        let mut out = Vec::new();
        while let Some(front) = self.held.front() {
            let forced = self.held.len() > self.max_held || self.held_bytes > self.max_held_bytes;
            let due = front.event.is_none() || (front.ts.saturating_add(self.hold_ms) <= self.now && (!front.key || settled));
            if !(all || forced || due) {
                break;
            }
            let mut h = self.held.pop_front().expect("front exists");
            self.held_bytes -= h.frame.as_ref().map_or(0, Vec::len);
            if forced && !all && h.key {
                // Released before typing settled: a key of a token that may still become a
                // value does not leave.
                let open = open.get_or_insert_with(|| crate::keys::plan::open_prefix_keys(&self.state.keys.tracker));
                if h.event.as_ref().is_some_and(|e| open.contains(&e.seq)) {
                    h.event = None;
                    h.report.dropped = Some(DropReason::RedactedKeystroke);
                }
            }
            report.totals.keys_rewritten += self.engine.finalize(&mut h.event, &mut h.report, h.field.as_ref(), &mut self.state.keys) as usize;
            if let Some(ev) = h.event {
                if let (Body::Screenshot(s), Some(bytes)) = (&ev.body, h.frame) {
                    self.frames.write(&s.image, bytes)?;
                }
                out.push(ev);
            }
            report.add(h.report);
        }
        report.count_output(&out);
        // Typing older than anything held, and idle for long, is no longer needed.
        let oldest = self.held.front().map_or(self.now, |h| h.ts);
        let retain = self.hold_ms.saturating_add(self.settle_ms).max(600_000);
        self.state.keys.tracker.forget_before(oldest.min(self.now.saturating_sub(retain)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemFrames, Policy};

    /// A session that saw a frame, then a key (typing not settled), then `pause_line`: did it
    /// remember the frame before the pause, and does it still?
    fn remembers_through(pause_line: &[u8]) -> (bool, bool) {
        let engine = Engine::new(Policy::default()).unwrap();
        let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/frames/000002.png")).unwrap();
        let frames = MemFrames::default();
        frames.insert("frames/a.png", png);
        let mut s = Session::new(&engine, &frames, 0);
        s.push_line(br#"{"seq":1,"ts":1000,"kind":"screenshot","image":"frames/a.png","app":"chrome"}"#).unwrap();
        let before = s.state.frames.remembers();
        s.push_line(br#"{"seq":2,"ts":1100,"kind":"key","key":"a","text":"a","target":{"app":"notes","element":"body"}}"#).unwrap();
        s.push_line(pause_line).unwrap();
        (before, s.state.frames.remembers())
    }

    #[test]
    fn a_pause_pushed_while_typing_is_unsettled_drops_the_frame_memory() {
        let (before, after) = remembers_through(br#"{"seq":3,"ts":1200,"kind":"control","action":"pause"}"#);
        assert!(before, "frame 1 remembered");
        assert!(!after, "paused (typing not settled), yet the stream keeps its last frame");
    }

    #[test]
    fn a_bad_pause_line_pushed_while_typing_is_unsettled_drops_the_frame_memory() {
        let (before, after) = remembers_through(br#"{"seq":3,"ts":1200,"kind":"control","action":"pause","#);
        assert!(before, "frame 1 remembered");
        assert!(!after, "protective pause (typing not settled), yet the stream keeps its last frame");
    }
}
