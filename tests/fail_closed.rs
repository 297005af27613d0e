//! Fail closed, class by class (issue 9): panics are contained and silent, lines that cannot be
//! understood keep their most protective meaning, nothing unchecked leaves. Each test plants a
//! marker that must not reach the output, and each would have failed before its fix.

use std::path::{Path, PathBuf};
use std::process::Command;

use veil::capture::DropReason;
use veil::detect::{Detector, Entity, Finding};
use veil::{Engine, Policy, RunOptions};

const MARK: &str = "planted-marker-77f1";

fn regex_only() -> Policy {
    Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false").unwrap()
}

fn archive(dir: &Path, lines: &[String]) -> PathBuf {
    let a = dir.join("in");
    std::fs::create_dir_all(a.join("frames")).unwrap();
    std::fs::write(a.join("events.jsonl"), lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    a
}

/// Runs the archive path; returns the report and all output text (events + report).
fn run(engine: &Engine, lines: &[String]) -> (veil::Report, String) {
    let dir = tempfile::tempdir().unwrap();
    let input = archive(dir.path(), lines);
    let out = dir.path().join("out");
    let r = engine.redact_archive(&input, &out, &RunOptions::default()).unwrap();
    let mut all = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    all.push_str(&std::fs::read_to_string(out.join("report.json")).unwrap());
    (r, all)
}

/// The same lines through a streaming session, one line at a time.
fn stream(engine: &Engine, lines: &[String]) -> String {
    struct NoFrames;
    impl veil::FrameIo for NoFrames {
        fn read(&self, _: &str) -> Option<Vec<u8>> {
            None
        }
        fn write(&self, _: &str, _: Vec<u8>) -> veil::Result<()> {
            Ok(())
        }
    }
    let frames = NoFrames;
    let mut s = veil::Session::new(engine, &frames, 60_000);
    let mut out = Vec::new();
    for l in lines {
        out.extend(s.push_line(l.as_bytes()).unwrap().events);
    }
    out.extend(s.finish().unwrap().events);
    out.iter().map(|e| serde_json::to_string(e).unwrap() + "\n").collect()
}

fn drops(r: &veil::Report, reason: DropReason) -> usize {
    r.totals.drops.get(&reason).copied().unwrap_or(0)
}

fn text(seq: u64, ts: u64, t: &str) -> String {
    format!(r#"{{"seq":{seq},"ts":{ts},"kind":"text","source":"accessibility","text":"{t}"}}"#)
}

fn window(seq: u64, ts: u64, app: &str, title: &str) -> String {
    format!(r#"{{"seq":{seq},"ts":{ts},"kind":"window","app":"{app}","title":"{title}","bounds":[0,0,800,600]}}"#)
}

/// Both paths, the same verdict: the marker never leaves; `kept` does.
fn assert_hidden(lines: &[String], kept: &str, what: &str) {
    let engine = Engine::new(regex_only()).unwrap();
    let (_, out) = run(&engine, lines);
    assert!(!out.contains(MARK), "{what}: the marker reached the archive output");
    assert!(out.contains(kept), "{what}: {kept:?} should survive in the archive output");
    let out = stream(&engine, lines);
    assert!(!out.contains(MARK), "{what}: the marker reached the session output");
    assert!(out.contains(kept), "{what}: {kept:?} should survive in the session output");
}

// ---- 1. Panics -------------------------------------------------------------------------

/// Every space that mail clients and web pages write before an email: no panic, the email is
/// found, and the run goes on.
#[test]
fn unicode_spaces_before_values_do_not_abort_a_run() {
    let engine = Engine::new(regex_only()).unwrap();
    let mut lines = Vec::new();
    for (i, ws) in ["\u{a0}", "\u{2003}", "\u{3000}", "\u{202f}", "\u{85}", "\u{1680}"].iter().enumerate() {
        let t = serde_json::to_string(&format!("mail{ws}jane.doe@example.com")).unwrap();
        lines.push(format!(r#"{{"seq":{},"ts":1,"kind":"text","source":"clipboard","text":{t}}}"#, i + 1));
    }
    lines.push(text(100, 2, "still here"));
    let (r, out) = run(&engine, &lines);
    assert!(!out.contains("jane.doe"), "an email after a non-ASCII space leaked");
    assert_eq!(r.totals.by_entity.get(&Entity::EmailAddress), Some(&6));
    assert!(out.contains("still here"));
}

/// A detector that panics on a trigger, quoting the text it was given (as a slice error does).
struct Bomb;
impl Detector for Bomb {
    fn detect(&self, text: &str, _: &mut Vec<Finding>) {
        if text.contains("TRIGGER") {
            panic!("cannot handle {text}");
        }
    }
}

fn bombed() -> Engine {
    let mut e = Engine::new(regex_only()).unwrap();
    e.add_detector(Box::new(Bomb));
    e
}

#[test]
fn a_panic_drops_its_event_and_the_run_goes_on() {
    let engine = bombed();
    let lines = vec![text(1, 1, "before"), text(2, 2, &format!("TRIGGER {MARK}")), text(3, 3, "after")];
    let (r, out) = run(&engine, &lines);
    assert_eq!(drops(&r, DropReason::InternalError), 1);
    assert!(!out.contains(MARK));
    assert!(out.contains("before") && out.contains("after"));
    // The library never unwinds into its caller.
    assert!(engine.redact_text(&format!("TRIGGER {MARK}")).is_err());
    assert!(engine.detect("TRIGGER").is_err());
    let out = stream(&engine, &lines);
    assert!(!out.contains(MARK) && out.contains("after"), "{out}");
}

/// The panic hook prints where, never what: run this test binary again as a child that panics
/// inside veil with a marker in the message, and read its stderr.
#[test]
fn panic_messages_never_print_captured_text() {
    if std::env::var_os("VEIL_PANIC_CHILD").is_some() {
        let engine = bombed();
        let _ = engine.redact_text(&format!("TRIGGER {MARK}"));
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let o = Command::new(exe)
        .args(["--exact", "panic_messages_never_print_captured_text", "--nocapture", "--test-threads=1"])
        .env("VEIL_PANIC_CHILD", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("veil: internal error at"), "the hook did not run: {err}");
    assert!(!err.contains(MARK) && !err.contains("TRIGGER"), "a panic printed captured text: {err}");
}

// ---- 2. Lines that cannot be understood keep their protective meaning --------------------

#[test]
fn a_bad_window_line_of_a_password_manager_leaves_focus_out_of_scope() {
    let cases = [
        ("BOM", format!("\u{feff}{}", window(2, 200, "1Password", "Vault"))),
        ("null title", r#"{"seq":2,"ts":200,"kind":"window","app":"1Password","title":null,"bounds":[0,0,10,10]}"#.to_string()),
        ("missing bounds", r#"{"seq":2,"ts":200,"kind":"window","app":"1Password","title":"Vault"}"#.to_string()),
        ("negative size", r#"{"seq":2,"ts":200,"kind":"window","app":"1Password","title":"Vault","bounds":[0,0,-5,10]}"#.to_string()),
        ("truncated", r#"{"seq":2,"ts":200,"kind":"window","app":"1Passw"#.to_string()),
        ("Window", r#"{"seq":2,"ts":200,"kind":"Window","app":"1Password","title":"Vault","bounds":[0,0,10,10]}"#.to_string()),
    ];
    for (what, bad) in cases {
        let lines = vec![window(1, 100, "Code", "main.rs"), bad, text(3, 300, MARK), window(4, 400, "Code", "lib.rs"), text(5, 500, "kept")];
        assert_hidden(&lines, "kept", what);
    }
}

#[test]
fn a_bad_pause_pauses_until_a_valid_resume() {
    let resume = r#"{"seq":9,"ts":900,"kind":"control","action":"resume"}"#.to_string();
    let cases = [
        ("float ts", r#"{"seq":2,"ts":200.5,"kind":"control","action":"pause"}"#.to_string()),
        ("Pause", r#"{"seq":2,"ts":200,"kind":"control","action":"Pause"}"#.to_string()),
        ("seq not increasing", r#"{"seq":1,"ts":200,"kind":"control","action":"pause"}"#.to_string()),
        ("unknown action", r#"{"seq":2,"ts":200,"kind":"control","action":"hold"}"#.to_string()),
        ("truncated", r#"{"seq":2,"ts":200,"kind":"control","action":"pau"#.to_string()),
    ];
    for (what, bad) in cases {
        let bad_resume = r#"{"seq":5,"ts":500,"kind":"control","action":"resume","span_ms":"x"}"#.to_string();
        let lines = vec![text(1, 100, "first"), bad, text(3, 300, MARK), bad_resume, text(6, 600, MARK), resume.clone(), text(10, 1000, "kept")];
        assert_hidden(&lines, "kept", what);
    }
}

#[test]
fn a_bad_forget_forgets() {
    let cases = [
        ("span as string", r#"{"seq":3,"ts":1000,"kind":"control","action":"forget","span_ms":"600"}"#.to_string()),
        ("span as float", r#"{"seq":3,"ts":1000,"kind":"control","action":"forget","span_ms":600.0}"#.to_string()),
        ("negative span", r#"{"seq":3,"ts":1000,"kind":"control","action":"forget","span_ms":-1}"#.to_string()),
        ("duplicate seq", r#"{"seq":2,"ts":1000,"kind":"control","action":"forget","span_ms":600}"#.to_string()),
        ("FORGET", r#"{"seq":3,"ts":1000,"kind":"CONTROL","action":"FORGET","span_ms":600}"#.to_string()),
    ];
    for (what, bad) in cases {
        let lines = vec![text(2, 900, MARK), bad, text(4, 1100, "kept")];
        assert_hidden(&lines, "kept", what);
    }
}

#[test]
fn lenient_where_the_meaning_is_unambiguous() {
    let engine = Engine::new(regex_only()).unwrap();
    let lines = vec![
        "\u{feff}".to_string() + &text(1, 100, "bom line"),
        r#"{"seq":2.0,"ts":200.0,"kind":"TEXT","source":"Clipboard","text":"float header","app":null}"#.to_string(),
        r#"{"seq":3,"ts":300,"kind":"key","key":"a","text":"a","mods":["Shift"]}"#.to_string(),
    ];
    let (r, out) = run(&engine, &lines);
    assert_eq!(r.totals.dropped, 0, "{out}");
    assert!(out.contains("bom line") && out.contains("float header"));
}
