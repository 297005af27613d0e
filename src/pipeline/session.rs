//! Streaming: one capture stream fed one event at a time, as an embedding client does.

use crate::capture::{Body, DropReason, Event, Parsed};
use crate::error::Result;
use crate::report::Report;

use super::{Engine, FrameIo, Record};

/// What a stream carries from one chunk to the next: whether the focused window is in scope,
/// its app, whether capture is paused, and the last `seq` seen.
#[derive(Debug, Clone, Default)]
pub struct StreamState {
    pub focus_in_scope: Option<bool>,
    pub focus_app: String,
    pub paused: bool,
    pub last_seq: Option<u64>,
    /// Windows seen out of scope (keyed hashes), to recognise them on later frames.
    pub denied: super::DeniedWindows,
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
    /// Redacted events (with their painted frames, written only on release) waiting `hold_ms`.
    outbox: std::collections::VecDeque<(Event, Option<Vec<u8>>)>,
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
        self.line += 1;
        let record = match super::archive::parse_guarded(line) {
            Ok(parsed) => Record::Event { line: self.line, parsed },
            Err((reason, protect)) => Record::Bad { line: self.line, reason, protect },
        };
        self.push_guarded(record)
    }

    fn push_guarded(&mut self, record: Record) -> Result<Released> {
        crate::guard::catch(|| self.push_record(record)).unwrap_or_else(|_| {
            self.pending.clear();
            Err(crate::Error::Internal { what: "session push" })
        })
    }

    fn push_record(&mut self, record: Record) -> Result<Released> {
        let (forget, boundary, starts_next, now) = match &record {
            Record::Event { parsed, .. } => {
                let event = &parsed.event;
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
                (forget, boundary, starts_next, Some(event.ts))
            }
            // A line not understood: its protective meaning applies now (a forget of everything
            // held), and it is a boundary like the control or window line it may have been.
            Record::Bad { protect, .. } => (protect.forget_all.then_some((u64::MAX, None)), !protect.is_none(), false, None),
        };
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
            self.outbox.retain(|(e, _)| matches!(e.body, Body::Control(_)) || span.is_some_and(|s| e.ts.saturating_add(s) < ts));
            let n = before - self.outbox.len();
            if n > 0 {
                *report.totals.drops.entry(DropReason::Forgotten).or_default() += n;
                report.totals.dropped += n;
            }
        }
        let mut events = Vec::new();
        if let Some(now) = now {
            while self.outbox.front().is_some_and(|(e, _)| e.ts.saturating_add(self.hold_ms) <= now) {
                events.extend(self.release_front()?);
            }
        }
        Ok(Released { events, report })
    }

    /// End of stream: redacts and releases everything held.
    pub fn finish(&mut self) -> Result<Released> {
        let report = crate::guard::catch(|| self.process()).unwrap_or_else(|_| {
            self.pending.clear();
            Err(crate::Error::Internal { what: "session finish" })
        })?;
        let mut events = Vec::with_capacity(self.outbox.len());
        while !self.outbox.is_empty() {
            events.extend(self.release_front()?);
        }
        Ok(Released { events, report })
    }

    /// Releases the oldest held event: its frame is written now, when it is sure to leave.
    fn release_front(&mut self) -> Result<Option<Event>> {
        let Some((event, frame)) = self.outbox.pop_front() else { return Ok(None) };
        if let (Body::Screenshot(s), Some(bytes)) = (&event.body, frame) {
            self.frames.write(&s.image, bytes)?;
        }
        Ok(Some(event))
    }

    fn holds_keys(&self) -> bool {
        self.pending.iter().any(|r| matches!(r, Record::Event { parsed, .. } if matches!(parsed.event.body, Body::Key(_))))
    }

    fn process(&mut self) -> Result<Report> {
        let chunk = std::mem::take(&mut self.pending);
        let (events, report) = self.engine.run_chunk(chunk, self.frames, &|_| {}, &mut self.state, true)?;
        self.outbox.extend(events);
        Ok(report)
    }
}
