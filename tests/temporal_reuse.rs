//! Temporal reuse, end to end: a capture stream whose frames change in small regions (typing,
//! a scrolled pane, a clock, a face appearing, moving and going away, a window changing scope)
//! runs through one `Session`, where each frame reuses what the image models found on the one
//! before; every frame also runs alone through a fresh session (a full scan). Nothing a full
//! scan paints may be left unpainted by the stream: every face and text region of the full scan
//! is covered by the stream's boxes of the same kind, the UI-tree boxes are the same, a face
//! that went away is not painted from memory, frames that cannot reuse (first frame, scope
//! change) come out byte for byte as the full scan's, and a byte-identical frame leaves as the
//! one before it did.

#[path = "../benches/common/mod.rs"]
mod common;

use image::{Rgba, RgbaImage};
use serde_json::{json, Value};
use veil::screenshot::localize::PaintReason;
use veil::report::BoxReport;
use veil::{Engine, MemFrames, Policy, Session};

/// One screen of the stream: the bench page with a scrolled pane, a field typed into, a clock,
/// maybe a face pasted at (x, y) with a side of `s` px, an avatar node showing a face or a
/// placeholder, a bordered canvas (no UI node) with a line of text at a height that moves; and
/// maybe a window list.
struct Screen {
    scroll: u32,
    typed: u32,
    clock: u32,
    face: Option<(u32, u32, u32)>,
    avatar_face: bool,
    canvas_line: u32,
    windows: Option<Value>,
    /// The same pixels, but the UI tree says more: the typed field turns secure, or its text
    /// holds an email (what the identical-frame shortcut must not reuse an output over).
    secure_field: bool,
    pii_field: bool,
}

const AVATAR: [u32; 3] = [760, 420, 96];
const CANVAS: [u32; 4] = [960, 420, 260, 200];

/// What a frame's output depends on besides its pixels: the input bytes, the nodes, the window.
type FrameFacts = (Vec<u8>, Vec<Value>, Option<Value>);

fn render(s: &Screen, photo: &RgbaImage) -> (Vec<u8>, Vec<Value>) {
    let (mut img, mut nodes) = common::page();
    let pane = (1240u32, 40u32, 280u32, 328u32);
    nodes.retain(|v| {
        let (x, y) = (v["bounds"][0].as_u64().unwrap() as u32, v["bounds"][1].as_u64().unwrap() as u32);
        !(x >= pane.0 && x < pane.0 + pane.2 && y + 22 > pane.1 && y < pane.1 + pane.3)
    });
    for y in pane.1..pane.1 + pane.3 {
        for x in pane.0..pane.0 + pane.2 {
            img.put_pixel(x, y, Rgba([244, 246, 250, 255]));
        }
    }
    for row in 0..40u32 {
        let top = row * 24;
        if top < s.scroll || top + 20 - s.scroll > pane.3 {
            continue;
        }
        let y = pane.1 + top - s.scroll;
        common::strokes(&mut img, pane.0 + 6, y + 3, 22, row);
        let text = if row % 4 == 1 { format!("Reply to sam{row}@example.org") } else { format!("Build {row} passed on main") };
        nodes.push(json!({"id": format!("m{row}"), "role": "listitem", "text": text, "bounds": [pane.0 + 4, y, 260, 20]}));
    }
    common::strokes(&mut img, 124, 1016, s.typed, 0);
    let typed: String = "Call Dana Whitfield at 415 555 0199 about it".chars().take(s.typed as usize).collect();
    let typed = if s.pii_field { "dana.whitfield@example.org".to_string() } else { typed };
    nodes.push(json!({"id": "field", "role": "textbox", "text": typed, "secure": s.secure_field, "bounds": [120, 1012, 700, 24]}));
    common::strokes(&mut img, 1820, 1050, 5, s.clock);
    nodes.push(json!({"id": "clock", "role": "text", "text": format!("10:{:02}", 41 + s.clock), "bounds": [1816, 1046, 64, 22]}));
    // The avatar: a face, or a flat placeholder; its node stays.
    if s.avatar_face {
        let face = image::imageops::resize(photo, AVATAR[2], AVATAR[2], image::imageops::FilterType::Triangle);
        image::imageops::replace(&mut img, &face, AVATAR[0] as i64, AVATAR[1] as i64);
    } else {
        for y in AVATAR[1]..AVATAR[1] + AVATAR[2] {
            for x in AVATAR[0]..AVATAR[0] + AVATAR[2] {
                img.put_pixel(x, y, Rgba([200, 200, 210, 255]));
            }
        }
    }
    nodes.push(json!({"id": "avatar", "role": "img", "text": "", "bounds": [AVATAR[0], AVATAR[1], AVATAR[2], AVATAR[2]]}));
    // The canvas: a border (its ink fixes the unvouched area) and a line of text inside.
    let [cx, cy, cw, ch] = CANVAS;
    for x in cx..cx + cw {
        for t in 0..2 {
            img.put_pixel(x, cy + t, Rgba([40, 40, 40, 255]));
            img.put_pixel(x, cy + ch - 1 - t, Rgba([40, 40, 40, 255]));
        }
    }
    for y in cy..cy + ch {
        for t in 0..2 {
            img.put_pixel(cx + t, y, Rgba([40, 40, 40, 255]));
            img.put_pixel(cx + cw - 1 - t, y, Rgba([40, 40, 40, 255]));
        }
    }
    common::strokes(&mut img, cx + 20, cy + 20 + s.canvas_line, 18, 1);
    if let Some((x, y, side)) = s.face {
        let face = image::imageops::resize(photo, side, side, image::imageops::FilterType::Triangle);
        image::imageops::replace(&mut img, &face, x as i64, y as i64);
    }
    (common::png(&img), nodes)
}

fn line(seq: u64, nodes: &[Value], windows: &Option<Value>) -> String {
    let mut v = json!({"seq": seq, "ts": 1000 * seq, "kind": "screenshot", "image": format!("frames/in{seq}.png"), "app": "chrome", "nodes": nodes});
    if let Some(w) = windows {
        v["windows"] = w.clone();
    }
    v.to_string()
}

/// Pushes one frame; returns its painted boxes, output bytes, and the image models' time.
fn push(session: &mut Session, frames: &MemFrames, seq: u64, png: &[u8], line: &str) -> (Vec<BoxReport>, Vec<u8>, f64) {
    frames.insert(&format!("frames/in{seq}.png"), png.to_vec());
    let r = session.push_line(line.as_bytes()).unwrap();
    assert_eq!(r.events.len(), 1, "frame {seq} leaves");
    let boxes = r.report.events.iter().find(|e| e.seq == Some(seq)).unwrap().boxes.clone();
    let models_ms = r.report.timings.faces_ms + r.report.timings.text_regions_ms;
    (boxes, frames.take_output(&format!("frames/{seq:08}.png")).expect("output frame"), models_ms)
}

/// Share of `b`'s pixels inside some box of `cover`.
fn covered(b: &[i64; 4], cover: &[[i64; 4]]) -> f64 {
    let (mut inside, mut all) = (0u64, 0u64);
    for y in b[1]..b[1] + b[3] {
        for x in b[0]..b[0] + b[2] {
            all += 1;
            inside += cover.iter().any(|c| x >= c[0] && y >= c[1] && x < c[0] + c[2] && y < c[1] + c[3]) as u64;
        }
    }
    inside as f64 / all.max(1) as f64
}

fn of(boxes: &[BoxReport], why: PaintReason) -> Vec<[i64; 4]> {
    let mut v: Vec<[i64; 4]> = boxes.iter().filter(|b| b.why == why).map(|b| b.rect).collect();
    v.sort();
    v
}

fn meets(a: &[i64; 4], b: &[i64; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

#[test]
fn a_stream_reusing_results_paints_everything_a_full_scan_paints() {
    let engine = Engine::new(Policy::default()).unwrap();
    let photo = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/faces/astronaut.png")).unwrap().into_rgba8();
    let face_at = (400, 250, 240);
    let full_screen = json!([{"app": "chrome", "title": "Inbox", "bounds": [0, 0, 1920, 1080]}]);
    let with_vault = json!([{"app": "1Password", "title": "Vault", "bounds": [1400, 700, 520, 380]}, {"app": "chrome", "title": "Inbox", "bounds": [0, 0, 1920, 1080]}]);
    let sc = |scroll, typed, clock, face, windows: Option<&Value>| Screen { scroll, typed, clock, face, avatar_face: false, canvas_line: 0, windows: windows.cloned(), secure_field: false, pii_field: false };
    let screens = [
        ("first frame", sc(0, 4, 0, None, None)),
        ("a character typed", sc(0, 5, 0, None, None)),
        ("typed, the clock ticks", sc(0, 6, 1, None, None)),
        ("the pane scrolls", sc(8, 7, 1, None, None)),
        ("scrolls on, clock ticks", sc(16, 8, 2, None, None)),
        ("a face appears", sc(16, 9, 2, Some(face_at), None)),
        ("the face stays, typing", sc(16, 10, 2, Some(face_at), None)),
        ("the face moves", sc(16, 11, 2, Some((face_at.0 + 24, face_at.1 + 16, face_at.2)), None)),
        ("the face goes away", sc(16, 12, 2, None, None)),
        ("the avatar shows a face", Screen { avatar_face: true, ..sc(16, 12, 2, None, None) }),
        ("the canvas line moves", Screen { avatar_face: true, canvas_line: 120, ..sc(16, 12, 2, None, None) }),
        ("the avatar's face goes", Screen { canvas_line: 120, ..sc(16, 12, 2, None, None) }),
        ("the same frame again", Screen { canvas_line: 120, ..sc(16, 12, 2, None, None) }),
        ("a window list", Screen { canvas_line: 120, ..sc(16, 12, 2, None, Some(&full_screen)) }),
        ("a window out of scope", Screen { canvas_line: 120, ..sc(16, 12, 2, None, Some(&with_vault)) }),
        ("typing under it", Screen { canvas_line: 120, ..sc(16, 13, 2, None, Some(&with_vault)) }),
        ("the same pixels, an email in the field", Screen { canvas_line: 120, pii_field: true, ..sc(16, 13, 2, None, Some(&with_vault)) }),
        // After it, secure for good: a field once secure stays secure in a stream.
        ("the same pixels, the field secure", Screen { canvas_line: 120, secure_field: true, ..sc(16, 13, 2, None, Some(&with_vault)) }),
    ];
    let stream_frames = MemFrames::default();
    let mut stream = Session::new(&engine, &stream_frames, 0);
    let mut failures = Vec::new();
    let mut faces_seen = 0;
    let (mut stream_ms, mut full_ms) = (0.0, 0.0);
    let mut previous: Option<(FrameFacts, Vec<u8>)> = None;
    for (i, (what, s)) in screens.iter().enumerate() {
        let seq = i as u64 + 1;
        let (png, nodes) = render(s, &photo);
        let l = line(seq, &nodes, &s.windows);
        let (got, got_bytes, got_ms) = push(&mut stream, &stream_frames, seq, &png, &l);
        let full_frames = MemFrames::default();
        let (want, want_bytes, want_ms) = push(&mut Session::new(&engine, &full_frames, 0), &full_frames, seq, &png, &l);
        (stream_ms, full_ms) = (stream_ms + got_ms, full_ms + want_ms);
        // The UI tree's boxes do not depend on reuse.
        for why in [PaintReason::NodeText, PaintReason::LineSpan, PaintReason::SecureNode, PaintReason::OutOfScopeWindow] {
            if of(&got, why) != of(&want, why) {
                failures.push(format!("{what}: {why:?} boxes differ"));
            }
        }
        for why in [PaintReason::Face, PaintReason::TextRegion] {
            let cover = of(&got, why);
            for b in of(&want, why) {
                let c = covered(&b, &cover);
                if c < 0.9 {
                    failures.push(format!("{what}: full scan's {why:?} {b:?} only {:.0}% covered by the stream's {cover:?}", c * 100.0));
                }
            }
        }
        // Where a face was and is no more, none is painted from memory.
        let pasted = [face_at.0 as i64, face_at.1 as i64, face_at.2 as i64 + 24, face_at.2 as i64 + 16];
        let avatar = [AVATAR[0] as i64, AVATAR[1] as i64, AVATAR[2] as i64, AVATAR[2] as i64];
        for (here, place) in [(s.face.is_some(), pasted), (s.avatar_face, avatar)] {
            if here {
                assert!(of(&want, PaintReason::Face).iter().any(|b| meets(b, &place)), "{what}: the full scan finds the face at {place:?} (else this test proves nothing)");
                faces_seen += 1;
            } else if of(&got, PaintReason::Face).iter().any(|b| meets(b, &place)) {
                failures.push(format!("{what}: a face that went away is still painted at {place:?}"));
            }
        }
        let line_at = [CANVAS[0] as i64 + 20, (CANVAS[1] + 20 + s.canvas_line) as i64, 198, 14];
        assert!(of(&want, PaintReason::TextRegion).iter().any(|b| meets(b, &line_at)), "{what}: the full scan finds the canvas line (else this test proves nothing)");
        // Frames that cannot reuse are scanned whole: the same output as the full scan.
        if (matches!(*what, "first frame" | "a window list" | "a window out of scope") || what.starts_with("the same pixels")) && got_bytes != want_bytes {
            failures.push(format!("{what}: a full-scan fallback differs from the full scan"));
        }
        let same_input = (png, nodes, s.windows.clone());
        if let Some((p, out)) = &previous {
            if *p == same_input && got_bytes != *out {
                failures.push(format!("{what}: a byte-identical frame does not leave as the frame before it did"));
            }
        }
        previous = Some((same_input, got_bytes));
    }
    assert_eq!(faces_seen, 5);
    // The stream did reuse (else this test proves nothing about reuse): its models ran for a
    // fraction of the full scans' time.
    assert!(stream_ms < 0.6 * full_ms, "the stream's image models took {stream_ms:.0} ms, the full scans' {full_ms:.0} ms");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What a stream keeps of its frames (keyed hashes, the last output, the face model's head
/// outputs) is dropped when the person pauses or forgets, and kept nothing of while paused; a
/// frame with a window out of scope keeps no head outputs for the next.
#[test]
fn pause_and_forget_drop_what_the_stream_keeps_of_its_frames() {
    let engine = Engine::new(Policy::default()).unwrap();
    let (frames, with_tree, _) = common::frame();
    let mut state = veil::StreamState::default();
    let shot_with = |seq: u64, windows: Option<Value>| {
        let mut v: Value = serde_json::from_str(&with_tree).unwrap();
        v["seq"] = json!(seq);
        v["ts"] = json!(seq * 100);
        if let Some(w) = windows {
            v["windows"] = w;
        }
        common::record(&v.to_string())
    };
    let shot = |seq: u64| shot_with(seq, None);
    let control = |seq: u64, action: &str| common::record(&json!({"seq": seq, "ts": seq * 100, "kind": "control", "action": action}).to_string());
    let run = |records: Vec<veil::Record>, state: &mut veil::StreamState| drop(engine.redact_batch_with(records, &frames, &|_| {}, state).unwrap());
    run(vec![shot(1)], &mut state);
    assert!(state.frames.remembers(), "a frame is remembered for the next");
    assert!(state.frames.keeps_face_features(), "with the face model's head outputs");
    run(vec![control(2, "pause")], &mut state);
    assert!(!state.frames.remembers(), "a pause drops it");
    run(vec![control(3, "resume"), shot(4)], &mut state);
    assert!(state.frames.remembers());
    run(vec![shot(5), control(6, "pause")], &mut state);
    assert!(!state.frames.remembers(), "a frame before a pause in the same chunk is not kept past it");
    run(vec![control(7, "resume"), shot(8)], &mut state);
    assert!(state.frames.remembers());
    run(vec![control(9, "forget")], &mut state);
    assert!(!state.frames.remembers(), "a forget drops it");
    // A window out of scope on the frame: its pixels feed no kept head outputs.
    let vault = json!([{"app": "1Password", "title": "Vault", "bounds": [1400, 700, 520, 380]}, {"app": "chrome", "title": "Inbox", "bounds": [0, 0, 1920, 1080]}]);
    run(vec![shot_with(10, Some(vault.clone()))], &mut state);
    assert!(state.frames.remembers() && !state.frames.keeps_face_features());
    run(vec![shot_with(11, Some(vault))], &mut state);
    assert!(!state.frames.keeps_face_features(), "nor on the next frame, which had one to reuse");
    run(vec![shot_with(12, Some(json!([{"app": "chrome", "title": "Inbox", "bounds": [0, 0, 1920, 1080]}])))], &mut state);
    assert!(state.frames.keeps_face_features(), "all in scope again");
}
