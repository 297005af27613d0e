//! What a stream keeps of its frames (keyed hashes, the last output, the face model's head
//! outputs) never crosses a pause, a forget (or a line that may have been one) or focus out of
//! scope, in archive runs and sessions alike; a forget reaches the frames a session still holds
//! at once; a misplaced forget forgets as much in a session as in an archive run. (From a
//! second read of the frame memory's privacy: each test failed before its fix.)

#[path = "../benches/common/mod.rs"]
mod common;

use serde_json::{json, Value};
use veil::{Engine, FrameIo, Policy, Session};

fn shot_line(with_tree: &str, seq: u64, ts: u64) -> String {
    let mut v: Value = serde_json::from_str(with_tree).unwrap();
    v["seq"] = json!(seq);
    v["ts"] = json!(ts);
    v.to_string()
}

fn control_line(seq: u64, ts: u64, action: &str) -> String {
    json!({"seq": seq, "ts": ts, "kind": "control", "action": action}).to_string()
}

/// consent.rs forgets the frame memory *before* the chunk's frames run; mod.rs forgets it after
/// only when the chunk ends paused. A chunk "frame, pause, resume" (the person paused and
/// resumed between two flushes) therefore keeps the pre-pause frame's memory (incl. the face
/// head outputs) past the pause, and the next frame reuses it.
#[test]
fn a_frame_before_a_pause_and_resume_in_one_chunk_is_not_kept_past_the_pause() {
    let engine = Engine::new(Policy::default()).unwrap();
    let (frames, with_tree, _) = common::frame();
    let mut state = veil::StreamState::default();
    let recs = vec![
        common::record(&shot_line(&with_tree, 1, 100)),
        common::record(&control_line(2, 200, "pause")),
        common::record(&control_line(3, 300, "resume")),
    ];
    engine.redact_batch_with(recs, &frames, &|_| {}, &mut state).unwrap();
    assert!(!state.paused);
    assert!(
        !state.frames.remembers() && !state.frames.keeps_face_features(),
        "the frame taken before the pause is still remembered (face head outputs: {}) after the pause",
        state.frames.keeps_face_features()
    );
}

/// A FrameIo whose writes fail (disk full): `run_chunk` returns at `b?` before the
/// `if state.paused { state.frames.forget() }` at its end, so a chunk "frame, pause" leaves a
/// paused stream holding the frame's memory.
struct FailingWrites(common::MemFrames);
impl FrameIo for FailingWrites {
    fn read(&self, p: &str) -> Option<Vec<u8>> {
        self.0.read(p)
    }
    fn write(&self, _: &str, _: Vec<u8>) -> veil::Result<()> {
        Err(veil::Error::Internal { what: "disk full (test)" })
    }
}

#[test]
fn a_stream_left_paused_keeps_nothing_even_when_a_write_fails() {
    let engine = Engine::new(Policy::default()).unwrap();
    let (frames, with_tree, _) = common::frame();
    let io = FailingWrites(frames);
    let mut state = veil::StreamState::default();
    let recs = vec![common::record(&shot_line(&with_tree, 1, 100)), common::record(&control_line(2, 200, "pause"))];
    assert!(engine.redact_batch_with(recs, &io, &|_| {}, &mut state).is_err());
    assert!(state.paused, "the pause was applied");
    assert!(!state.frames.remembers(), "paused, yet the stream remembers its last frame (face head outputs: {})", state.frames.keeps_face_features());
}

/// StreamState::frames' doc says the memory is dropped on "focus out of scope", and the README
/// tells the person the face summary "is never kept while a window veil must not record is on
/// screen". A screenshot whose `app` is out of scope is dropped by scope_pass before
/// redact_screenshot (the only place focus-out-of-scope forgets), so the memory of the last
/// in-scope frame, face head outputs included, stays while 1Password is focused and on screen.
#[test]
fn focus_out_of_scope_drops_the_frame_memory() {
    let engine = Engine::new(Policy::default()).unwrap();
    let (frames, with_tree, _) = common::frame();
    let mut state = veil::StreamState::default();
    engine.redact_batch_with(vec![common::record(&shot_line(&with_tree, 1, 100))], &frames, &|_| {}, &mut state).unwrap();
    assert!(state.frames.keeps_face_features());
    let window = json!({"seq": 2, "ts": 200, "kind": "window", "app": "1Password", "title": "Vault", "bounds": [0, 0, 1920, 1080]}).to_string();
    let mut vault_shot: Value = serde_json::from_str(&shot_line(&with_tree, 3, 300)).unwrap();
    vault_shot["app"] = json!("1Password");
    let (out, _) = engine
        .redact_batch_with(vec![common::record(&window), common::record(&vault_shot.to_string())], &frames, &|_| {}, &mut state)
        .unwrap();
    assert!(out.iter().all(|e| !matches!(e.body, veil::capture::Body::Screenshot(_))), "the 1Password frame is dropped");
    assert_eq!(state.focus_in_scope, Some(false));
    assert!(
        !state.frames.remembers(),
        "focus is out of scope (1Password on screen) and the stream still keeps its last frame (face head outputs: {})",
        state.frames.keeps_face_features()
    );
}

/// `Session::push_line` promises a forget "forgets everything held"; `Session::forget` runs at
/// once, but a screenshot still *pending* (not yet redacted, because typing has not settled)
/// stays listed by `held_images()`, so a host (LineSession, the C ABI, Python) keeps its raw,
/// unredacted bytes in memory until capture time moves on by `settle_ms` - with the capture
/// paused, indefinitely.
#[test]
fn a_forget_lets_the_host_drop_the_raw_frames_it_forgot() {
    let engine = Engine::new(Policy::default()).unwrap();
    let (frames, with_tree, _) = common::frame();
    let mut s = Session::new(&engine, &frames, 60_000);
    let key = r#"{"seq":1,"ts":1000,"kind":"key","key":"a","text":"a","target":{"app":"notes","element":"body"}}"#;
    s.push_line(key.as_bytes()).unwrap();
    s.push_line(shot_line(&with_tree, 2, 1100).as_bytes()).unwrap();
    assert_eq!(s.held_images().count(), 1, "the screenshot waits for typing to settle");
    s.push_line(control_line(3, 1200, "forget").as_bytes()).unwrap();
    let still: Vec<String> = s.held_images().map(str::to_string).collect();
    assert!(still.is_empty(), "after a forget of everything, the host is still told to keep the raw frame(s) {still:?}");
}

/// consent.rs: "an event that cannot be placed (its seq does not increase) still carries the
/// most protective meaning ... a forget forgets everything before it". An archive run of these
/// events drops both frames; a Session (each event its own chunk) calls Session::forget with the
/// misplaced forget's own span and releases them.
#[test]
fn a_misplaced_forget_forgets_as_much_in_a_session_as_in_an_archive_run() {
    let engine = Engine::new(Policy::default()).unwrap();
    let (frames, with_tree, _) = common::frame();
    let lines = vec![
        shot_line(&with_tree, 5, 0),
        shot_line(&with_tree, 6, 10_000),
        json!({"seq": 3, "ts": 10_100, "kind": "control", "action": "forget", "span_ms": 50}).to_string(),
    ];
    let (batch, _) = engine.redact_batch(lines.iter().map(|l| common::record(l)).collect(), &frames, &|_| {}).unwrap();
    let shots = |evs: &[veil::capture::Event]| evs.iter().filter(|e| matches!(e.body, veil::capture::Body::Screenshot(_))).count();
    assert_eq!(shots(&batch), 0, "the archive run forgets both frames");
    let mut s = Session::new(&engine, &frames, 60_000);
    let mut released = Vec::new();
    for l in &lines {
        released.extend(s.push_line(l.as_bytes()).unwrap().events);
    }
    released.extend(s.finish().unwrap().events);
    assert_eq!(shots(&released), 0, "the session released {} frame(s) the misplaced forget should have forgotten", shots(&released));
}
