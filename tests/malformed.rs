//! Malformed input: every problem is a clear error or a counted drop, never a panic and never
//! a pass-through. Each case plants a marker value that must not reach the output.

use std::path::Path;

use veil::capture::DropReason;
use veil::{Engine, Error, Policy, RunOptions};

const MARK: &str = "planted-marker-77f1";

fn png() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(32, 32, image::Rgba([255, 255, 255, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn archive(dir: &Path, lines: &[Vec<u8>], frames: &[(&str, Vec<u8>)]) -> std::path::PathBuf {
    let a = dir.join("in");
    std::fs::create_dir_all(a.join("frames")).unwrap();
    let mut body = Vec::new();
    for l in lines {
        body.extend_from_slice(l);
        body.push(b'\n');
    }
    std::fs::write(a.join("events.jsonl"), body).unwrap();
    for (name, bytes) in frames {
        std::fs::write(a.join("frames").join(name), bytes).unwrap();
    }
    a
}

fn redact(policy: Policy, input: &Path, dir: &Path) -> (veil::Report, String) {
    let out = dir.join("out");
    let r = Engine::new(policy).unwrap().redact_archive(input, &out, &RunOptions::default()).unwrap();
    let mut all = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    all.push_str(&std::fs::read_to_string(out.join("report.json")).unwrap());
    (r, all)
}

fn drops(r: &veil::Report, reason: DropReason) -> usize {
    r.totals.drops.get(&reason).copied().unwrap_or(0)
}

fn node(text: &str) -> String {
    format!(r#"[{{"id":"n","text":"{text}","bounds":[0,0,10,10]}}]"#)
}

#[test]
fn bad_lines_are_counted_and_never_passed_through() {
    let dir = tempfile::tempdir().unwrap();
    let mut invalid_utf8 = format!(r#"{{"seq":3,"ts":1,"kind":"text","source":"other","text":"{MARK} "#).into_bytes();
    invalid_utf8.extend_from_slice(b"\xff\xfe\"}");
    let lines = vec![
        br#"{"seq":1,"ts":1,"kind":"text","source":"other","text":"ok"}"#.to_vec(),
        format!(r#"{{"seq":2,"ts":1,"kind":"text","source":"other","text":"{MARK}"#).into_bytes(), // unterminated
        invalid_utf8,
        format!(r#"{{"seq":4,"ts":1,"kind":"clipboard_v2","text":"{MARK}"}}"#).into_bytes(),
        format!(r#"{{"seq":5,"ts":1,"kind":"text","source":"telepathy","text":"{MARK}"}}"#).into_bytes(),
        format!(r#"{{"seq":6,"ts":1,"kind":"text","source":"other","text":"x","extra":"{MARK}"}}"#).into_bytes(),
        format!(r#"{{"seq":6,"ts":1,"kind":"text","source":"other","text":"{MARK}"}}"#).into_bytes(), // seq repeats
        format!(r#"{{"seq":7,"ts":1,"kind":"text","source":"other","text":"{}{MARK}"}}"#, "a".repeat(5000)).into_bytes(), // too long
        b"[1,2,3]".to_vec(),
        b"".to_vec(),
    ];
    let input = archive(dir.path(), &lines, &[]);
    let policy = Policy::from_toml("[limits]\nmax_line_bytes = 4096").unwrap();
    let (r, out) = redact(policy, &input, dir.path());
    assert!(!out.contains(MARK), "a marker from a malformed line reached the output");
    assert_eq!(drops(&r, DropReason::BadJson), 1);
    assert_eq!(drops(&r, DropReason::InvalidUtf8), 1);
    assert_eq!(drops(&r, DropReason::UnknownKind), 1);
    assert_eq!(drops(&r, DropReason::BadField), 1);
    assert_eq!(drops(&r, DropReason::SeqNotIncreasing), 1);
    assert_eq!(drops(&r, DropReason::LineTooLong), 1);
    assert_eq!(drops(&r, DropReason::NotAnObject), 1);
    assert_eq!(r.totals.unknown_fields, 1);
    assert_eq!(r.totals.output_events, 2);
}

#[test]
fn frame_problems_are_drops() {
    let dir = tempfile::tempdir().unwrap();
    let n = node("hello");
    let lines: Vec<Vec<u8>> = vec![
        format!(r#"{{"seq":1,"ts":1,"kind":"screenshot","image":"frames/missing.png","nodes":{n}}}"#),
        format!(r#"{{"seq":2,"ts":1,"kind":"screenshot","image":"frames/garbage.png","nodes":{n}}}"#),
        format!(r#"{{"seq":3,"ts":1,"kind":"screenshot","image":"frames/../../etc/x.png","nodes":{n}}}"#),
        format!(r#"{{"seq":4,"ts":1,"kind":"screenshot","image":"frames/ok.png"}}"#),
        format!(r#"{{"seq":5,"ts":1,"kind":"screenshot","image":"frames/ok.png","nodes":{n}}}"#),
        format!(r#"{{"seq":6,"ts":1,"kind":"screenshot","image":"frames/big.png","nodes":{n}}}"#),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    let big = {
        let img = image::RgbaImage::new(400, 400);
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let input = archive(dir.path(), &lines, &[("garbage.png", format!("GIF89a {MARK}").into_bytes()), ("ok.png", png()), ("big.png", big)]);
    // Without the text-region model a frame without nodes cannot be checked: dropped.
    let policy = Policy::from_toml("[limits]\nmax_image_pixels = 100000\n[models]\ntext_regions = false\nfaces = false").unwrap();
    let (r, out) = redact(policy, &input, dir.path());
    assert!(!out.contains(MARK));
    assert_eq!(drops(&r, DropReason::MissingImage), 1);
    assert_eq!(drops(&r, DropReason::BadImage), 1);
    assert_eq!(drops(&r, DropReason::BadImagePath), 1);
    assert_eq!(drops(&r, DropReason::UnverifiedPixels), 1);
    assert_eq!(drops(&r, DropReason::ImageTooLarge), 1);
    assert_eq!(r.totals.output_frames, 1);
    let frames: Vec<_> = std::fs::read_dir(dir.path().join("out/frames")).unwrap().map(|e| e.unwrap().file_name()).collect();
    // Named by the engine after the event's seq, not by the client's file name.
    assert_eq!(frames, vec![std::ffi::OsString::from("00000005.png")]);
}

#[test]
fn archive_level_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(Policy::default()).unwrap();
    let opts = RunOptions::default();
    // No events.jsonl.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = engine.redact_archive(&empty, &dir.path().join("o1"), &opts).unwrap_err();
    assert!(matches!(e, Error::NoEvents { .. }), "{e}");
    // Truncated gzip.
    let tgz = dir.path().join("bad.tar.gz");
    std::fs::write(&tgz, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03truncated").unwrap();
    let e = engine.redact_archive(&tgz, &dir.path().join("o2"), &opts).unwrap_err();
    assert!(matches!(e, Error::InputIo { .. }), "{e}");
    // Output already there.
    let input = archive(dir.path(), &[br#"{"seq":1,"ts":1,"kind":"control","action":"pause"}"#.to_vec()], &[]);
    let out = dir.path().join("o3");
    engine.redact_archive(&input, &out, &opts).unwrap();
    let e = engine.redact_archive(&input, &out, &opts).unwrap_err();
    assert!(matches!(e, Error::OutputExists { .. }), "{e}");
    // Output inside the input.
    let e = engine.redact_archive(&input, &input.join("frames"), &opts).unwrap_err();
    assert!(matches!(e, Error::OutputIo { .. }), "{e}");
    // Empty events.jsonl is a valid, empty capture.
    let empty_ev = tempfile::tempdir().unwrap();
    let input = archive(empty_ev.path(), &[], &[]);
    let r = engine.redact_archive(&input, &empty_ev.path().join("o"), &opts).unwrap();
    assert_eq!(r.totals.output_events, 0);
}

#[test]
fn errors_carry_no_user_data() {
    // Policy errors name the key, not captured data; archive errors name the path the user gave.
    let e = Policy::from_toml("[actions]\nPERSON = \"shred\"").unwrap_err().to_string();
    assert!(e.contains("PERSON") && e.contains("redact, mask, tag, pseudonym or keep"), "{e}");
}

#[test]
fn scope_and_consent() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<Vec<u8>> = [
        r#"{"seq":1,"ts":1000,"kind":"window","app":"Bitwarden","title":"Vault","bounds":[0,0,10,10]}"#.to_string(),
        format!(r#"{{"seq":2,"ts":1100,"kind":"text","source":"accessibility","text":"{MARK}"}}"#),
        r#"{"seq":3,"ts":1200,"kind":"window","app":"Code","title":"main.rs","bounds":[0,0,10,10]}"#.to_string(),
        r#"{"seq":4,"ts":1300,"kind":"text","source":"editor","text":"fine"}"#.to_string(),
        format!(r#"{{"seq":5,"ts":1400,"kind":"text","source":"clipboard","text":"{MARK}","app":"KeePassXC"}}"#),
        r#"{"seq":6,"ts":1500,"kind":"control","action":"pause"}"#.to_string(),
        format!(r#"{{"seq":7,"ts":1600,"kind":"key","key":"a","text":"{MARK}"}}"#),
        r#"{"seq":8,"ts":1700,"kind":"control","action":"resume"}"#.to_string(),
        format!(r#"{{"seq":9,"ts":1800,"kind":"text","source":"editor","text":"{MARK}"}}"#),
        r#"{"seq":10,"ts":1900,"kind":"control","action":"forget","span_ms":150}"#.to_string(),
        r#"{"seq":11,"ts":2000,"kind":"text","source":"editor","text":"after"}"#.to_string(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    let input = archive(dir.path(), &lines, &[]);
    let (r, out) = redact(Policy::default(), &input, dir.path());
    assert!(!out.contains(MARK));
    assert!(out.contains("fine") && out.contains("after"));
    assert_eq!(drops(&r, DropReason::OutOfScope), 3);
    assert_eq!(drops(&r, DropReason::Paused), 1);
    assert_eq!(drops(&r, DropReason::Forgotten), 1);
}

#[test]
fn disabled_rules_are_off_and_unknown_ones_rejected() {
    let p = Policy::from_toml("[detect]\ndisabled_rules = [\"email\"]").unwrap();
    let e = Engine::new(p).unwrap();
    assert_eq!(e.redact_text("a jane@example.com").unwrap().text, "a jane@example.com");
    assert!(!e.rule_names().contains(&"email"));
    let p = Policy::from_toml("[detect]\ndisabled_rules = [\"emial\"]").unwrap();
    assert!(matches!(Engine::new(p), Err(Error::Policy(_))));
}
