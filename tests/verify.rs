//! `veil::verify` end to end: it passes on what the engine writes (the sample as a directory,
//! a tar and a gzipped tar; a JPEG capture), and fails, with the right kind of problem, on an
//! archive with a leak planted after redaction: a value in a title, in a node, in key events; a
//! painted box made transparent or left unpainted; a face left; EXIF and text chunks kept; a
//! frame swapped after review; a file added; a report or a line tampered with. Problems name
//! where, never what.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use image::{Rgba, RgbaImage};
use veil::capture::{parse_line, Body, Event, Key, Target};
use veil::verify::{verify_archive, Manifest, ProblemKind, Verdict, VerifyOptions};
use veil::{Engine, Policy, RunOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(Policy::default()).unwrap())
}

/// The sample, redacted once per test run; each test works on its own copy.
fn redacted(dir: &Path) -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    let t = TEMPLATE.get_or_init(|| {
        let t = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("verify-sample");
        engine().redact_archive(&root().join("testdata/sample"), &t, &RunOptions { force: true, ..Default::default() }).unwrap();
        t
    });
    let out = dir.join("out");
    copy_dir(t, &out);
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn verify(out: &Path, manifest: Option<&Manifest>) -> Verdict {
    verify_archive(engine(), out, &VerifyOptions { manifest, ..Default::default() }).unwrap()
}

fn kinds(v: &Verdict) -> BTreeSet<ProblemKind> {
    v.problems.iter().map(|p| p.kind).collect()
}

/// Every problem's text, for "never a value" checks.
fn listing(v: &Verdict) -> String {
    v.problems.iter().map(|p| format!("{p}\n")).collect()
}

fn events(out: &Path) -> Vec<Event> {
    std::fs::read_to_string(out.join("events.jsonl")).unwrap().lines().map(|l| parse_line(l.as_bytes()).unwrap().event).collect()
}

/// Rewrites `events.jsonl` as the engine would serialise the edited events.
fn edit_events(out: &Path, f: impl FnOnce(&mut Vec<Event>)) {
    let mut evs = events(out);
    let before = evs.len() as i64;
    f(&mut evs);
    let added = evs.len() as i64 - before;
    std::fs::write(out.join("events.jsonl"), evs.iter().map(|e| serde_json::to_string(e).unwrap() + "\n").collect::<String>()).unwrap();
    // Keep the report's counts in step, so that only the planted leak is wrong.
    let mut r: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    for k in ["output_events", "input_lines"] {
        r["totals"][k] = (r["totals"][k].as_i64().unwrap() + added).into();
    }
    std::fs::write(out.join("report.json"), serde_json::to_vec_pretty(&r).unwrap()).unwrap();
}

fn screenshot(evs: &mut [Event], seq: u64) -> &mut veil::capture::Screenshot {
    match evs.iter_mut().find(|e| e.seq == seq).map(|e| &mut e.body) {
        Some(Body::Screenshot(s)) => s,
        _ => panic!("no screenshot {seq}"),
    }
}

fn load(p: &Path) -> RgbaImage {
    image::open(p).unwrap().into_rgba8()
}

fn save_rgb(img: &RgbaImage, p: &Path) {
    image::DynamicImage::ImageRgba8(img.clone()).into_rgb8().save_with_format(p, image::ImageFormat::Png).unwrap();
}

/// The first painted box of frame 2 (the email node), padded as painted.
const BOX: [u32; 4] = [38, 58, 303, 24];

#[test]
fn what_the_engine_writes_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    let v = verify(&out, None);
    assert!(v.passed, "{}", listing(&v));
    assert_eq!((v.checked.events, v.checked.frames), (20, 4));
    assert!(v.checked.strings > 40);
    // The same archive as a tar and a gzipped tar, and the manifest agrees across forms.
    for name in ["out.tar", "out.tar.gz"] {
        let t = dir.path().join(name);
        engine().redact_archive(&root().join("testdata/sample"), &t, &RunOptions::default()).unwrap();
        let vt = verify(&t, None);
        assert!(vt.passed, "{name}: {}", listing(&vt));
        assert_eq!(vt.manifest.files.keys().collect::<Vec<_>>(), v.manifest.files.keys().collect::<Vec<_>>(), "{name}: the same files");
    }
}

#[test]
fn a_value_in_a_title() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    edit_events(&out, |evs| {
        let Body::Window(w) = &mut evs[0].body else { panic!() };
        w.title = "Re: contract - john.smith@acme-corp.com - Mail".into();
    });
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::DetectedValue].into());
    assert_eq!(v.problems[0].location, "events.jsonl:1 title");
    assert_eq!(v.problems[0].entity, Some(veil::detect::Entity::EmailAddress));
    assert!(!listing(&v).contains("john"), "a problem names the value");
}

#[test]
fn a_value_in_a_node() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    edit_events(&out, |evs| screenshot(evs, 89).nodes.as_mut().unwrap()[1].text = "Escalations: Priya Raman, +44 20 7946 0958".into());
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::DetectedValue].into(), "{}", listing(&v));
    assert!(v.problems.iter().all(|p| p.location == "events.jsonl:17 nodes[1].text"), "{}", listing(&v));
    assert!(v.problems.iter().any(|p| p.entity == Some(veil::detect::Entity::PhoneNumber)));
    assert!(!listing(&v).contains("7946") && !listing(&v).contains("Priya"));
}

#[test]
fn a_value_in_key_events() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    edit_events(&out, |evs| {
        let target = Target { app: Some("chrome".into()), element: Some("id_d3379c2db584456c".into()), role: Some("textbox".into()), secure: false };
        let typed = "jane.doe@example.com".chars().enumerate().map(|(i, c)| Event {
            seq: 4 + i as u64,
            ts: 1716200001000 + i as u64,
            body: Body::Key(Key { key: c.to_string(), text: Some(c.to_string()), mods: vec![], target: Some(target.clone()) }),
        });
        let at = evs.iter().position(|e| e.seq > 3).unwrap();
        evs.splice(at..at, typed);
    });
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::TypedValue].into(), "{}", listing(&v));
    assert!(v.problems.iter().any(|p| p.entity == Some(veil::detect::Entity::EmailAddress) && p.location.starts_with("events.jsonl:4 keys")), "{}", listing(&v));
    assert!(!listing(&v).contains("jane"));
}

/// A card typed right after a replacement key (`user_…@example.invalid` then digits): the
/// replacement is the engine's, the digits are not.
#[test]
fn a_value_typed_next_to_a_replacement() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    edit_events(&out, |evs| {
        let at = evs.iter().position(|e| e.seq > 3).unwrap();
        let Body::Key(token) = &evs[at - 1].body else { panic!() };
        let target = token.target.clone();
        let typed = "4111111111111111".chars().enumerate().map(|(i, c)| Event {
            seq: 4 + i as u64,
            ts: 1716200001000 + i as u64,
            body: Body::Key(Key { key: c.to_string(), text: Some(c.to_string()), mods: vec![], target: target.clone() }),
        });
        evs.splice(at..at, typed);
    });
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::TypedValue].into(), "{}", listing(&v));
    assert!(v.problems.iter().any(|p| p.entity == Some(veil::detect::Entity::CreditCard)), "{}", listing(&v));
}

#[test]
fn a_value_typed_into_a_secure_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    edit_events(&out, |evs| {
        let target = Target { app: Some("chrome".into()), element: Some("id_0123456789abcdef".into()), role: Some("textbox".into()), secure: true };
        let at = evs.iter().position(|e| e.seq > 3).unwrap();
        evs.insert(at, Event { seq: 4, ts: 1716200001000, body: Body::Key(Key { key: "x".into(), text: Some("x".into()), mods: vec![], target: Some(target) }) });
    });
    assert_eq!(kinds(&verify(&out, None)), [ProblemKind::TypedValue].into());
}

#[test]
fn a_painted_box_left_transparent() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    let original = load(&root().join("testdata/sample/frames/000002.png"));
    let mut img = load(&out.join("frames/00000002.png"));
    for y in BOX[1]..BOX[1] + BOX[3] {
        for x in BOX[0]..BOX[0] + BOX[2] {
            let p = original.get_pixel(x, y).0;
            img.put_pixel(x, y, Rgba([p[0], p[1], p[2], 0]));
        }
    }
    img.save_with_format(out.join("frames/00000002.png"), image::ImageFormat::Png).unwrap();
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::FrameNotOpaque, ProblemKind::BoxNotPainted].into(), "{}", listing(&v));
    assert!(v.problems.iter().any(|p| p.location.starts_with("frames/00000002.png box 0 (node_text)")), "{}", listing(&v));
}

#[test]
fn a_painted_box_left_unpainted() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    let original = load(&root().join("testdata/sample/frames/000002.png"));
    let mut img = load(&out.join("frames/00000002.png"));
    // Half the box: the value's end shows again.
    for y in BOX[1]..BOX[1] + BOX[3] {
        for x in BOX[0] + BOX[2] / 2..BOX[0] + BOX[2] {
            img.put_pixel(x, y, *original.get_pixel(x, y));
        }
    }
    save_rgb(&img, &out.join("frames/00000002.png"));
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::BoxNotPainted].into(), "{}", listing(&v));
}

#[test]
fn a_face_left() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    let face = image::imageops::resize(&load(&root().join("testdata/faces/astronaut.png")), 200, 200, image::imageops::FilterType::Triangle);
    let mut img = load(&out.join("frames/00000086.png"));
    image::imageops::replace(&mut img, &face, 80, 460);
    save_rgb(&img, &out.join("frames/00000086.png"));
    let v = verify(&out, None);
    assert!(kinds(&v).contains(&ProblemKind::Face), "{}", listing(&v));
    assert!(v.problems.iter().all(|p| p.location.starts_with("frames/00000086.png")), "{}", listing(&v));
}

/// CRC-32 (IEEE) for a hand-made PNG chunk.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

#[test]
fn metadata_kept_in_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    let path = out.join("frames/00000089.png");
    let png = std::fs::read(&path).unwrap();
    let mut chunk = b"tEXt".to_vec();
    chunk.extend_from_slice(b"Author\0Jane Doe <jane.doe@example.com>");
    let mut with = png[..33].to_vec();
    with.extend_from_slice(&((chunk.len() - 4) as u32).to_be_bytes());
    with.extend_from_slice(&chunk);
    with.extend_from_slice(&crc32(&chunk).to_be_bytes());
    with.extend_from_slice(&png[33..]);
    std::fs::write(&path, with).unwrap();
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::FrameMetadata].into(), "{}", listing(&v));
    assert!(v.problems[0].location.starts_with("frames/00000089.png (PNG ancillary chunk tEXt)"));
}

/// A capture with one JPEG frame: redacted, it verifies; with EXIF put back, it does not.
#[test]
fn exif_kept_in_a_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("frames")).unwrap();
    let frame = load(&root().join("testdata/sample/frames/000002.png"));
    image::DynamicImage::ImageRgba8(frame).into_rgb8().save_with_format(input.join("frames/shot.jpg"), image::ImageFormat::Jpeg).unwrap();
    let line = std::fs::read_to_string(root().join("testdata/sample/events.jsonl")).unwrap().lines().nth(1).unwrap().replace("frames/000002.png", "frames/shot.jpg");
    std::fs::write(input.join("events.jsonl"), format!("{line}\n")).unwrap();
    let out = dir.path().join("out");
    engine().redact_archive(&input, &out, &RunOptions::default()).unwrap();
    let v = verify(&out, None);
    assert!(v.passed, "the engine's JPEG output: {}", listing(&v));

    let path = out.join("frames/00000002.jpg");
    let jpg = std::fs::read(&path).unwrap();
    let payload = b"Exif\0\0MM\0*GPS 48.8584N 2.2945E serial SN-4471";
    let mut with = jpg[..2].to_vec();
    with.extend_from_slice(&[0xFF, 0xE1]);
    with.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    with.extend_from_slice(payload);
    with.extend_from_slice(&jpg[2..]);
    std::fs::write(&path, with).unwrap();
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::FrameMetadata].into(), "{}", listing(&v));
    assert_eq!(v.problems[0].location, "frames/00000002.jpg (JPEG APP1 segment)");
}

#[test]
fn a_frame_swapped_after_review() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    let reviewed = verify(&out, None);
    assert!(reviewed.passed);
    let text = reviewed.manifest.to_text();
    // The same pixels, encoded anew: nothing else would notice.
    let img = load(&out.join("frames/00000089.png"));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::codecs::png::PngEncoder::new_with_quality(&mut bytes, image::codecs::png::CompressionType::Best, image::codecs::png::FilterType::Sub)
        .write_image(&image::DynamicImage::ImageRgba8(img).into_rgb8(), 1920, 1080, image::ExtendedColorType::Rgb8)
        .unwrap();
    use image::ImageEncoder;
    std::fs::write(out.join("frames/00000089.png"), bytes.into_inner()).unwrap();
    assert!(verify(&out, None).passed, "pixels alone cannot tell");
    let m = Manifest::parse(&text).unwrap();
    let v = verify(&out, Some(&m));
    assert_eq!(kinds(&v), [ProblemKind::ManifestMismatch].into(), "{}", listing(&v));
    assert_eq!(v.problems[0].location, "frames/00000089.png (changed since review)");
    assert_ne!(v.fingerprint, reviewed.fingerprint);
}

#[test]
fn structure_tampered_with() {
    let dir = tempfile::tempdir().unwrap();
    // A file outside the layout, named after a value.
    let out = redacted(dir.path());
    std::fs::write(out.join("notes-jane.doe@example.com.txt"), b"x").unwrap();
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::UnknownEntry].into());
    assert!(!listing(&v).contains("jane"), "an unknown entry is named: {}", listing(&v));

    // A report whose counts disagree.
    let out = redacted(&dir.path().join("b"));
    let mut r: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    r["totals"]["faces"] = 0.into();
    std::fs::write(out.join("report.json"), serde_json::to_vec_pretty(&r).unwrap()).unwrap();
    assert_eq!(kinds(&verify(&out, None)), [ProblemKind::ReportMismatch].into());

    // A field capture/1 does not define, and an id the engine did not make.
    let out = redacted(&dir.path().join("c"));
    edit_events(&out, |evs| match &mut evs.iter_mut().find(|e| e.seq == 33).unwrap().body {
        Body::Text(t) => t.element = Some("inbox-heading".into()),
        _ => panic!(),
    });
    let text = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    std::fs::write(out.join("events.jsonl"), text.replacen("\"kind\":\"window\"", "\"kind\":\"window\",\"note\":\"hi\"", 1)).unwrap();
    let v = verify(&out, None);
    assert_eq!(kinds(&v), [ProblemKind::BadLine, ProblemKind::ForeignName].into(), "{}", listing(&v));
}

#[test]
fn the_cli_gates_on_problems() {
    let dir = tempfile::tempdir().unwrap();
    let out = redacted(dir.path());
    let veil = || Command::new(env!("CARGO_BIN_EXE_veil"));
    let m = dir.path().join("manifest.sha256");
    let o = veil().arg("verify").arg(&out).arg("--write-manifest").arg(&m).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("passed"));
    assert_eq!(std::fs::read_to_string(&m).unwrap().lines().count(), 7, "events, meta, report, 4 frames");
    edit_events(&out, |evs| {
        let Body::Window(w) = &mut evs[0].body else { panic!() };
        w.title = "Re: contract - john.smith@acme-corp.com - Mail".into();
    });
    let o = veil().args(["verify", "-q"]).arg(&out).arg("--manifest").arg(&m).output().unwrap();
    assert_eq!(o.status.code(), Some(8));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("detected_value\tevents.jsonl:1 title\tEMAIL_ADDRESS (email)"), "{stdout}");
    assert!(stdout.contains("manifest_mismatch\tevents.jsonl (changed since review)"), "{stdout}");
    assert!(!stdout.contains("john") && o.stderr.is_empty());
    let o = veil().args(["verify", "-q", "--json"]).arg(&out).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["problems"][0]["kind"], "detected_value");
}
