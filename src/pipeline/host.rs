//! What a host binding holds: a [`LineSession`] is a [`Session`] fed with what a capture
//! client has at hand (`capture/1` JSON lines, and the bytes of each line's frame) that hands
//! back JSON lines and frame bytes. It owns its engine handle and its frame store, so a
//! language binding (the C ABI, the Python package) holds one object per stream.
//!
//! It adds no redaction logic: lines are parsed by [`parse_line`], redacted by the
//! [`Session`], and serialised from the typed events as an archive run writes them. It must
//! never release a frame whose event was not released, and never keep a frame longer than
//! the session holds its event.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::capture::{Body, Event};
use crate::error::{Error, Result};
use crate::report::Report;

use super::{Engine, FrameIo, Session};

/// Frames held in memory: those handed in (each read once: taken when the engine reads it)
/// and the redacted ones the engine wrote, until they are taken.
#[derive(Default)]
pub struct MemFrames {
    input: Mutex<HashMap<String, Vec<u8>>>,
    output: Mutex<HashMap<String, Vec<u8>>>,
}

fn lock(m: &Mutex<HashMap<String, Vec<u8>>>) -> MutexGuard<'_, HashMap<String, Vec<u8>>> {
    // A map of bytes cannot be left half-updated by a panic: use it as it is.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MemFrames {
    /// Hands in the bytes of the frame at `path` (as named by its screenshot event).
    pub fn insert(&self, path: &str, bytes: Vec<u8>) {
        lock(&self.input).insert(path.to_string(), bytes);
    }

    /// Takes the redacted frame written at `path`.
    pub fn take_output(&self, path: &str) -> Option<Vec<u8>> {
        lock(&self.output).remove(path)
    }

    /// Forgets every frame, in or out, whose path is not in `keep`.
    pub fn retain(&self, keep: &HashSet<&str>) {
        lock(&self.input).retain(|p, _| keep.contains(p.as_str()));
        lock(&self.output).retain(|p, _| keep.contains(p.as_str()));
    }
}

impl FrameIo for MemFrames {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        lock(&self.input).remove(path)
    }
    fn write(&self, path: &str, bytes: Vec<u8>) -> Result<()> {
        lock(&self.output).insert(path.to_string(), bytes);
        Ok(())
    }
}

struct Owner {
    engine: Arc<Engine>,
    frames: MemFrames,
}

type Borrowing<'a> = Session<'a>;

self_cell::self_cell!(
    struct Cell {
        owner: Owner,
        #[covariant]
        dependent: Borrowing,
    }
);

/// One released event: its `capture/1` JSON line (no newline) and, for a screenshot, the
/// bytes of its redacted frame (named by the event's `image`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasedLine {
    pub json: String,
    pub frame: Option<Vec<u8>>,
}

/// What a [`LineSession`] call releases, and the report of the work it did.
pub struct ReleasedLines {
    pub events: Vec<ReleasedLine>,
    pub report: Report,
}

/// A [`Session`] over JSON lines and in-memory frames, owning its engine handle. Not for
/// concurrent use (`Send`, not shared): one per capture stream, any number per engine.
pub struct LineSession(Cell, u64);

impl LineSession {
    /// A stream on `engine`; `hold_ms` as in [`Session::new`].
    pub fn new(engine: Arc<Engine>, hold_ms: u64) -> LineSession {
        LineSession(Cell::new(Owner { engine, frames: MemFrames::default() }, |o| Session::new(&o.engine, &o.frames, hold_ms)), 0)
    }

    /// Adds one `events.jsonl` line (without its newline) and, for a screenshot, the bytes of
    /// its frame. A line that does not parse is dropped and counted (its protective meaning
    /// applied); a frame given with a line that is not a screenshot is discarded. Each frame
    /// is kept under a name of this line's own, so two lines naming one file never share
    /// (or swap) their bytes.
    pub fn push_line(&mut self, line: &[u8], frame: Option<Vec<u8>>) -> Result<ReleasedLines> {
        let mut parsed = super::archive::parse_guarded(line);
        self.1 += 1;
        if let Ok(p) = &mut parsed {
            if let Body::Screenshot(s) = &mut p.event.body {
                let ext = if s.image.to_ascii_lowercase().ends_with(".png") { "png" } else { "jpg" };
                s.image = format!("frames/line{}.{ext}", self.1);
                if let Some(bytes) = frame {
                    self.0.borrow_owner().frames.insert(&s.image, bytes);
                }
            }
        }
        let released = self.0.with_dependent_mut(|_, s| s.push_parsed(parsed));
        self.collect(released)
    }

    /// End of stream: everything held is redacted and released.
    pub fn finish(&mut self) -> Result<ReleasedLines> {
        let released = self.0.with_dependent_mut(|_, s| s.finish());
        self.collect(released)
    }

    /// Pairs released screenshots with their frames, and forgets frames of events the session
    /// no longer holds (dropped, forgotten, or released now), also after an error.
    fn collect(&mut self, released: Result<super::Released>) -> Result<ReleasedLines> {
        let frames = &self.0.borrow_owner().frames;
        let out = released.and_then(|r| {
            let events = r.events.iter().map(|e| line_of(e, frames)).collect::<Result<Vec<_>>>()?;
            Ok(ReleasedLines { events, report: r.report })
        });
        let held: HashSet<&str> = self.0.borrow_dependent().held_images().collect();
        frames.retain(&held);
        out
    }
}

fn line_of(e: &Event, frames: &MemFrames) -> Result<ReleasedLine> {
    let json = serde_json::to_string(e).map_err(|_| Error::Internal { what: "event serialisation" })?;
    let frame = match &e.body {
        // Without its frame a released screenshot would point at nothing; the engine writes
        // one for every screenshot it keeps, so a miss is a bug, not data to pass on.
        Body::Screenshot(s) => Some(frames.take_output(&s.image).ok_or(Error::Internal { what: "released frame" })?),
        _ => None,
    };
    Ok(ReleasedLine { json, frame })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Arc<Engine> {
        let p = crate::Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false\n").unwrap();
        Arc::new(Engine::new(p).unwrap())
    }

    #[test]
    fn lines_in_lines_out_with_bad_lines_counted() {
        let mut s = LineSession::new(engine(), 0);
        let a = s.push_line(br#"{"seq":1,"ts":10,"kind":"text","source":"clipboard","text":"mail jane.doe@example.com","extra":1}"#, None).unwrap();
        assert_eq!(a.events.len(), 1);
        assert!(!a.events[0].json.contains("jane.doe"));
        assert!(!a.events[0].json.contains("extra"));
        assert_eq!(a.report.totals.unknown_fields, 1);
        let b = s.push_line(b"{not json", Some(vec![1, 2, 3])).unwrap();
        assert!(b.events.is_empty());
        assert_eq!(b.report.events[0].line, 2);
        assert_eq!(b.report.totals.dropped, 1);
        assert!(s.finish().unwrap().events.is_empty());
    }

    #[test]
    fn frames_follow_their_events_and_are_forgotten_with_them() {
        let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/frames/000002.png")).unwrap();
        let mut s = LineSession::new(engine(), 1_000);
        let shot = |seq: u64, ts: u64| format!(r#"{{"seq":{seq},"ts":{ts},"kind":"screenshot","image":"frames/{seq}.png","nodes":[{{"text":"jane.doe@example.com","bounds":[40,60,299,20]}}]}}"#);
        // Held for 1 s (capture time): nothing leaves yet; the redacted frame waits with it.
        assert!(s.push_line(shot(1, 0).as_bytes(), Some(png.clone())).unwrap().events.is_empty());
        // A frame-less screenshot is dropped (missing_image), never passed through; drops are
        // reported as the events reach the front of the session's queue.
        let mut drops = s.push_line(shot(2, 10).as_bytes(), None).unwrap().report.totals.dropped;
        // `forget` removes the held one, frame and all.
        drops += s.push_line(br#"{"seq":3,"ts":20,"kind":"control","action":"forget"}"#, None).unwrap().report.totals.dropped;
        assert!(s.0.borrow_owner().frames.output.lock().unwrap().is_empty());
        let r = s.push_line(shot(4, 30).as_bytes(), Some(png.clone())).unwrap();
        drops += r.report.totals.dropped;
        assert!(r.events.iter().all(|e| e.frame.is_none()));
        let done = s.finish().unwrap();
        drops += done.report.totals.dropped;
        assert_eq!(drops, 2, "the frame-less screenshot and the forgotten one");
        let shots: Vec<_> = done.events.iter().filter(|e| e.json.contains("screenshot")).collect();
        assert_eq!(shots.len(), 1);
        let frame = shots[0].frame.as_ref().unwrap();
        assert!(frame.starts_with(b"\x89PNG") && frame != &png);
        let f = &s.0.borrow_owner().frames;
        assert!(f.input.lock().unwrap().is_empty() && f.output.lock().unwrap().is_empty());
    }
}
