//! Streaming: one capture stream fed one event at a time, as an embedding client does.

use crate::capture::{Body, DropReason, Event, Parsed};
use crate::error::Result;
use crate::report::Report;

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
    pub repeats: crate::detect::repeats::Repeats,
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

    /// Adds one event; returns what may leave now (often nothing). Never panics: after an
    /// internal error (`Err`), the events it was working on are gone and the session goes on.
    pub fn push(&mut self, event: Event) -> Result<Released> {
        crate::guard::catch(|| self.push_inner(event)).unwrap_or_else(|_| {
            self.pending.clear();
            Err(crate::Error::Internal { what: "session push" })
        })
    }

    fn push_inner(&mut self, event: Event) -> Result<Released> {
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
        let report = crate::guard::catch(|| self.process()).unwrap_or_else(|_| {
            self.pending.clear();
            Err(crate::Error::Internal { what: "session finish" })
        })?;
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
