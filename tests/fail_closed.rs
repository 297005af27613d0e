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

/// What the engine wrote passes `veil::verify` with the same engine (every archive these
/// tests write is checked so).
fn assert_verifies(engine: &Engine, out: &Path) {
    let v = veil::verify::verify_archive(engine, out, &Default::default()).unwrap();
    assert!(v.passed, "verify fails on the engine's own output: {:?}", v.problems);
}

/// Runs the archive path; returns the report and all output text (events + report).
fn run(engine: &Engine, lines: &[String]) -> (veil::Report, String) {
    let dir = tempfile::tempdir().unwrap();
    let input = archive(dir.path(), lines);
    let out = dir.path().join("out");
    let r = engine.redact_archive(&input, &out, &RunOptions::default()).unwrap();
    assert_verifies(engine, &out);
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
    let problems = veil::verify::verify_events(engine, &out);
    assert!(problems.is_empty(), "verify fails on a session's output: {problems:?}");
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

// ---- 3. Output names and free-text fields ----------------------------------------------

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([255, 255, 255, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn two_events_naming_one_frame_get_two_outputs_each_with_its_own_boxes() {
    let dir = tempfile::tempdir().unwrap();
    let node = |t: &str| format!(r#"[{{"id":"n","role":"text","text":"{t}","bounds":[10,10,200,20]}}]"#);
    let lines = vec![
        format!(r#"{{"seq":1,"ts":1,"kind":"screenshot","image":"frames/shared.png","nodes":{}}}"#, node("jane.doe@example.com")),
        format!(r#"{{"seq":2,"ts":2,"kind":"screenshot","image":"frames/shared.png","nodes":{}}}"#, node("hello")),
    ];
    let input = archive(dir.path(), &lines);
    std::fs::write(input.join("frames/shared.png"), png(300, 60)).unwrap();
    for out in [dir.path().join("out"), dir.path().join("out.tar")] {
        let engine = Engine::new(regex_only()).unwrap();
        engine.redact_archive(&input, &out, &RunOptions::default()).unwrap();
        assert_verifies(&engine, &out);
        let read = |name: &str| -> image::RgbaImage {
            if out.is_dir() {
                image::open(out.join(name)).unwrap().into_rgba8()
            } else {
                let mut ar = tar::Archive::new(std::fs::File::open(&out).unwrap());
                let mut found = Vec::new();
                for e in ar.entries().unwrap() {
                    let mut e = e.unwrap();
                    if e.path().unwrap().to_str() == Some(name) {
                        std::io::Read::read_to_end(&mut e, &mut found).unwrap();
                    }
                }
                image::load_from_memory(&found).unwrap().into_rgba8()
            }
        };
        let first = read(&veil::screenshot::frame_name(1, "frames/shared.png"));
        let second = read(&veil::screenshot::frame_name(2, "frames/shared.png"));
        assert_eq!(first.get_pixel(100, 20).0, [0, 0, 0, 255], "{}: the frame with the email is painted", out.display());
        assert_eq!(second.get_pixel(100, 20).0, [255, 255, 255, 255], "{}: the other keeps its pixels", out.display());
    }
}

#[test]
fn ids_roles_apps_and_file_names_never_leave_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let email = "jane.doe@example.com";
    let lines = vec![
        format!(r#"{{"seq":1,"ts":1,"kind":"window","app":"{email}","title":"t","bounds":[0,0,10,10]}}"#),
        format!(r#"{{"seq":2,"ts":2,"kind":"text","source":"accessibility","text":"hi","app":"{email}","element":"{MARK}","role":"{MARK}"}}"#),
        format!(r#"{{"seq":3,"ts":3,"kind":"key","key":"a","text":"a","target":{{"app":"{email}","element":"{MARK}","role":"{MARK}"}}}}"#),
        format!(r#"{{"seq":4,"ts":4,"kind":"screenshot","image":"frames/{email}.png","app":"{email}","windows":[{{"app":"{email}","title":"t","bounds":[0,0,300,60]}}],"nodes":[{{"id":"{MARK}","role":"{MARK}","text":"ok","bounds":[0,0,10,10]}}]}}"#),
        format!(r#"{{"seq":5,"ts":5,"kind":"text","source":"accessibility","text":"again","element":"{MARK}","role":"AXButton"}}"#),
    ];
    let input = archive(dir.path(), &lines);
    std::fs::write(input.join(format!("frames/{email}.png")), png(300, 60)).unwrap();
    std::fs::write(input.join("meta.json"), format!(r#"{{"format":"capture/1","client":"recorder for {email}","screen":[300,60]}}"#)).unwrap();
    let out = dir.path().join("out");
    let engine = Engine::new(regex_only()).unwrap();
    engine.redact_archive(&input, &out, &RunOptions::default()).unwrap();
    assert_verifies(&engine, &out);
    let mut all = String::new();
    for f in ["events.jsonl", "meta.json", "report.json"] {
        all.push_str(&std::fs::read_to_string(out.join(f)).unwrap());
    }
    let names: Vec<String> = std::fs::read_dir(out.join("frames")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names.len(), 1);
    for hay in [&all, &names[0]] {
        assert!(!hay.contains("jane.doe") && !hay.contains(MARK), "a client string left verbatim: {hay}");
    }
    // Ids still link events (the same element gives the same token); roles from the vocabulary.
    let events: Vec<serde_json::Value> = std::fs::read_to_string(out.join("events.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let text_events: Vec<_> = events.iter().filter(|e| e["kind"] == "text").collect();
    assert_eq!(text_events[0]["element"], text_events[1]["element"]);
    assert!(veil::pipeline::names::is_id_token(text_events[0]["element"].as_str().unwrap()));
    assert_eq!(text_events[0]["role"], "other");
    assert_eq!(text_events[1]["role"], "button");
}

#[test]
fn weak_pseudonym_keys_are_refused() {
    std::env::set_var("VEIL_TEST_WEAK_KEY", "k");
    let p = Policy::from_toml("[pseudonym]\nkey_env = \"VEIL_TEST_WEAK_KEY\"\n[models]\nfaces = false\ntext_regions = false\nner = false").unwrap();
    let e = Engine::new(p).err().expect("a one-byte key is refused").to_string();
    assert!(e.contains("16"), "{e}");
    let p = Policy::from_toml("[pseudonym]\nkey_env = \"HOME\"\n[models]\nfaces = false\ntext_regions = false\nner = false").unwrap();
    if std::env::var_os("HOME").is_some() {
        assert!(Engine::new(p).is_err(), "HOME is not a key");
    }
}

// ---- 5. Pixels the detectors do not see ------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The full-HD sample frame: its event line and the boxes of its 11-16 px text lines that no
/// UI node covers.
fn hd_frame() -> (String, image::RgbaImage, Vec<[u32; 4]>) {
    let line = std::fs::read_to_string(root().join("testdata/sample/events.jsonl")).unwrap().lines().find(|l| l.contains("000091.png")).unwrap().to_string();
    let img = image::open(root().join("testdata/sample/frames/000091.png")).unwrap().into_rgba8();
    let spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root().join("testdata/text_sizes.json")).unwrap()).unwrap();
    let boxes = spec["lines"].as_array().unwrap().iter().map(|l| serde_json::from_value(l["box"].clone()).unwrap()).collect();
    (line, img, boxes)
}

/// Share of a box that is painted (black) once the frame is seen over a white background.
fn painted_share(img: &image::RgbaImage, b: [u32; 4]) -> f64 {
    let mut n = 0;
    for y in b[1]..b[1] + b[3] {
        for x in b[0]..b[0] + b[2] {
            let p = img.get_pixel(x, y).0;
            let over_white = |c: u8| (c as u32 * p[3] as u32 + 255 * (255 - p[3] as u32)) / 255;
            n += (over_white(p[0]) < 40 && over_white(p[1]) < 40 && over_white(p[2]) < 40) as usize;
        }
    }
    n as f64 / (b[2] * b[3]) as f64
}

fn run_frame(line: &str, img: &image::RgbaImage) -> image::RgbaImage {
    let dir = tempfile::tempdir().unwrap();
    let input = archive(dir.path(), &[line.to_string()]);
    img.save(input.join("frames/000091.png")).unwrap();
    let out = dir.path().join("out");
    let engine = Engine::new(Policy::default()).unwrap();
    engine.redact_archive(&input, &out, &RunOptions::default()).unwrap();
    assert_verifies(&engine, &out);
    let seq = serde_json::from_str::<serde_json::Value>(line).unwrap()["seq"].as_u64().unwrap();
    let written = image::open(out.join(veil::screenshot::frame_name(seq, "frames/000091.png"))).unwrap();
    assert!(!written.color().has_alpha(), "frames leave opaque");
    written.into_rgba8()
}

#[test]
fn text_drawn_only_in_the_alpha_channel_is_found() {
    let (line, img, boxes) = hd_frame();
    // Black everywhere; the picture lives in alpha alone (ink opaque, paper transparent).
    let alpha_only = image::RgbaImage::from_fn(img.width(), img.height(), |x, y| {
        let p = img.get_pixel(x, y).0;
        image::Rgba([0, 0, 0, 255 - ((p[0] as u32 * 3 + p[1] as u32 * 6 + p[2] as u32) / 10) as u8])
    });
    let out = run_frame(&line, &alpha_only);
    for b in boxes {
        assert!(painted_share(&out, b) > 0.95, "alpha-only text at {b:?} left readable");
    }
}

#[test]
fn picture_nodes_do_not_vouch_for_text_inside_them() {
    let (line, img, boxes) = hd_frame();
    // Picture nodes, one empty and one with alt text, each exactly over a line of text.
    let mut ev: serde_json::Value = serde_json::from_str(&line).unwrap();
    let nodes = ev["nodes"].as_array_mut().unwrap();
    for (b, alt) in [(boxes[4], ""), (boxes[5], "Team photo")] {
        nodes.push(serde_json::json!({"id": "pic", "role": "image", "text": alt, "bounds": [b[0] - 4, b[1] - 4, b[2] + 8, b[3] + 8]}));
    }
    let out = run_frame(&ev.to_string(), &img);
    for b in [boxes[4], boxes[5]] {
        assert!(painted_share(&out, b) > 0.95, "text inside a picture node at {b:?} left readable");
    }
}

#[test]
fn frames_taken_while_an_out_of_scope_window_has_focus() {
    let dir = tempfile::tempdir().unwrap();
    let shot = |seq: u64, windows: &str, node: &str| {
        format!(r#"{{"seq":{seq},"ts":{seq},"kind":"screenshot","image":"frames/f.png","app":"chrome","windows":{windows},"nodes":[{{"id":"n","role":"text","text":"{node}","bounds":[10,10,100,20]}}]}}"#)
    };
    let lines = vec![
        // Focus on a password manager; the frame's own list omits it.
        window(1, 1, "1Password", "Vault"),
        shot(2, r#"[{"app":"chrome","title":"Inbox","bounds":[0,0,300,60]}]"#, MARK),
        // A bank page denied by its URL, then focus elsewhere: the frame lists the bank window
        // without a URL.
        r#"{"seq":3,"ts":3,"kind":"window","app":"chrome","title":"Accounts","bounds":[0,0,300,60],"url":"https://www.chase.com/accounts"}"#.to_string(),
        window(4, 4, "Code", "main.rs"),
        shot(5, r#"[{"app":"chrome","title":"Accounts","bounds":[0,0,300,60]}]"#, MARK),
        shot(6, r#"[{"app":"chrome","title":"Inbox","bounds":[0,0,300,60]}]"#, "kept"),
    ];
    let input = archive(dir.path(), &lines);
    std::fs::write(input.join("frames/f.png"), png(300, 60)).unwrap();
    let engine = Engine::new(regex_only()).unwrap();
    let out = dir.path().join("out");
    let r = engine.redact_archive(&input, &out, &RunOptions::default()).unwrap();
    assert_verifies(&engine, &out);
    let events = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    assert!(!events.contains(MARK), "text of an out-of-scope window left: {events}");
    assert!(events.contains("kept"));
    assert_eq!(drops(&r, DropReason::OutOfScope), 3, "the two denied window events and the frame taken under the vault");
    let bank = image::open(out.join(veil::screenshot::frame_name(5, "f.png"))).unwrap().into_rgba8();
    assert_eq!(bank.get_pixel(150, 30).0, [0, 0, 0, 255], "the bank window is blanked");
}

// ---- 8. Bounded property tests of the fuzz targets' properties (fuzz/ runs them longer) ----

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

    /// Text detection over arbitrary Unicode: no panic, spans on char boundaries, disjoint.
    #[test]
    fn any_text_detects_on_char_boundaries(text in "\\PC{0,80}", ws in proptest::sample::select(vec!["\u{a0}", "\u{202f}", "\u{200b}", "\u{ad}", "\t", "\n", "\u{ff20}", "%40", " "])) {
        static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        let e = E.get_or_init(|| Engine::new(regex_only()).unwrap());
        let text = format!("{text}{ws}jane.doe@example.com{ws}4111{ws}1111 1111 1111{text}");
        let found = e.detect(&text).unwrap();
        for f in &found {
            proptest::prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end) && f.start < f.end);
        }
        for w in found.windows(2) {
            proptest::prop_assert!(w[0].end <= w[1].start);
        }
        e.redact_text(&text).unwrap();
    }

    /// A batch with fuzzed frame bytes (a real PNG, cut or with bytes flipped, or noise): no
    /// panic; a frame that leaves decodes and is opaque.
    #[test]
    fn any_frame_bytes_are_redacted_or_dropped(cut in 0usize..2000, flips in proptest::collection::vec((0usize..4000, proptest::prelude::any::<u8>()), 0..6), noise in proptest::prelude::any::<bool>()) {
        static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        let e = E.get_or_init(|| Engine::new(regex_only()).unwrap());
        let mut bytes = png(64, 32);
        if noise {
            bytes.iter_mut().skip(16).for_each(|b| *b = b.wrapping_mul(31).wrapping_add(7));
        }
        bytes.truncate(bytes.len().saturating_sub(cut % bytes.len().max(1)));
        let len = bytes.len().max(1);
        for (at, v) in flips {
            if let Some(b) = bytes.get_mut(at % len) {
                *b = v;
            }
        }
        struct One(Vec<u8>, std::sync::Mutex<Vec<Vec<u8>>>);
        impl veil::FrameIo for One {
            fn read(&self, _: &str) -> Option<Vec<u8>> { Some(self.0.clone()) }
            fn write(&self, _: &str, b: Vec<u8>) -> veil::Result<()> { self.1.lock().unwrap().push(b); Ok(()) }
        }
        let io = One(bytes, Default::default());
        let line = r#"{"seq":1,"ts":1,"kind":"screenshot","image":"frames/a.png","nodes":[{"id":"n","text":"jane.doe@example.com","bounds":[0,0,30,10]}]}"#;
        let rec = veil::Record::Event { line: 1, parsed: veil::capture::parse_line(line.as_bytes()).unwrap() };
        let (events, r) = e.redact_batch(vec![rec], &io, &|_| {}).unwrap();
        let written = io.1.lock().unwrap();
        proptest::prop_assert_eq!(events.len() + r.totals.dropped, 1);
        for b in written.iter() {
            let img = image::load_from_memory(b).unwrap();
            proptest::prop_assert!(!img.color().has_alpha());
        }
    }
}

// ---- Memory: a session bounds what it holds ---------------------------------------------

/// Typing that never pauses for the settle time holds every later event behind it; the frames
/// taken meanwhile must not pile up in memory: past `max_held_bytes` the oldest leave early
/// (their keys still checked, unfinished value prefixes dropped).
#[test]
fn session_bounds_held_frame_bytes() {
    struct OneFrame(Vec<u8>, std::sync::Mutex<usize>);
    impl veil::FrameIo for OneFrame {
        fn read(&self, _: &str) -> Option<Vec<u8>> {
            Some(self.0.clone())
        }
        fn write(&self, _: &str, _: Vec<u8>) -> veil::Result<()> {
            *self.1.lock().unwrap() += 1;
            Ok(())
        }
    }
    let img = image::RgbImage::from_fn(320, 200, |x, y| image::Rgb([(x * 7 % 251) as u8, (y * 13 % 251) as u8, ((x ^ y) % 251) as u8]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let frames = OneFrame(png.into_inner(), Default::default());
    // Text regions on: a frame with no UI tree is otherwise dropped unverified.
    let engine = Engine::new(Policy::from_toml("[models]\nfaces = false\nner = false").unwrap()).unwrap();
    let mut s = veil::Session::new(&engine, &frames, 0);
    s.max_pending = 16;
    s.max_held_bytes = 200_000;
    let mut released_frames = 0;
    for i in 0..400u64 {
        let line = if i % 10 == 9 {
            format!(r#"{{"seq":{},"ts":{},"kind":"screenshot","image":"frames/a.png","app":"notes"}}"#, i + 1, 1000 + i * 50)
        } else {
            format!(r#"{{"seq":{},"ts":{},"kind":"key","key":"a","text":"a","target":{{"app":"notes","element":"body"}}}}"#, i + 1, 1000 + i * 50)
        };
        let r = s.push_line(line.as_bytes()).unwrap();
        released_frames += r.events.iter().filter(|e| matches!(e.body, veil::capture::Body::Screenshot(_))).count();
    }
    assert!(released_frames > 0, "frames were all held while typing went on");
    assert_eq!(released_frames, *frames.1.lock().unwrap());
    let rest = s.finish().unwrap();
    assert!(rest.report.totals.output_frames > 0 && rest.report.totals.output_frames < 40, "some frames left early, the rest at the end");
}
