//! End to end over the bundled sample archive (`testdata/sample`, made by
//! `testdata/make_sample.py`), against its expected outcome (`testdata/sample.expected.json`):
//! no planted value survives anywhere in the output (events, report, meta, or text rebuilt
//! from the output key events), non-PII text survives, drops are counted by reason, every
//! planted box in the frames is painted and text outside them is left intact.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use veil::{Engine, Policy, RunOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("testdata/sample.expected.json")).unwrap()).unwrap()
}

fn run(input: &Path) -> (tempfile::TempDir, PathBuf, veil::Report) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let engine = Engine::new(Policy::default()).unwrap();
    let report = engine.redact_archive(input, &out, &RunOptions::default()).unwrap();
    (dir, out, report)
}

/// Variants of a planted value that must not appear either: digits only, no spaces, lowercase.
fn variants(v: &str) -> Vec<String> {
    let mut out = vec![v.to_string(), v.to_lowercase(), v.replace(' ', "")];
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 6 {
        out.push(digits);
    }
    out
}

/// Text typed per target, rebuilt from the output's key events (as a consumer would).
fn typed_streams(events: &str) -> HashMap<String, String> {
    let mut by: HashMap<String, String> = HashMap::new();
    for line in events.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["kind"] != "key" || v.get("mods").is_some() {
            continue;
        }
        let t = &v["target"];
        let k = format!("{}/{}", t["app"], t["element"]);
        let s = by.entry(k).or_default();
        match v["key"].as_str().unwrap() {
            "Backspace" => {
                s.pop();
            }
            _ => s.push_str(v["text"].as_str().unwrap_or("")),
        }
    }
    by
}

fn check_output(out: &Path, report: &veil::Report) {
    let exp = expected();
    let events = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    let report_text = std::fs::read_to_string(out.join("report.json")).unwrap();
    let meta = std::fs::read_to_string(out.join("meta.json")).unwrap();
    let streams = typed_streams(&events);
    for p in exp["planted"].as_array().unwrap() {
        let value = p["value"].as_str().unwrap();
        for v in variants(value) {
            for (name, hay) in [("events.jsonl", &events), ("report.json", &report_text), ("meta.json", &meta)] {
                assert!(!hay.contains(&v), "planted {} ({}) survives in {name}", p["entity"], p["where"]);
            }
            for s in streams.values() {
                assert!(!s.contains(&v), "planted {} ({}) can be rebuilt from key events", p["entity"], p["where"]);
            }
        }
    }
    for k in exp["kept"].as_array().unwrap() {
        assert!(events.contains(k.as_str().unwrap()), "non-PII text {k} was lost");
    }
    for (reason, n) in exp["drops"].as_object().unwrap() {
        let got = report.totals.drops.iter().find(|(r, _)| r.as_str() == reason).map_or(0, |(_, n)| *n);
        assert_eq!(got as u64, n.as_u64().unwrap(), "drops of {reason}");
    }
    for (entity, n) in exp["min_findings"].as_object().unwrap() {
        let got = report.totals.by_entity.iter().find(|(e, _)| e.name() == entity).map_or(0, |(_, n)| *n);
        assert!(got as u64 >= n.as_u64().unwrap(), "{entity}: {got} findings, expected at least {n}");
    }
    assert_eq!(report.totals.unknown_fields as u64, exp["unknown_fields"].as_u64().unwrap());
    // Every output event is valid capture/1 and has increasing seq.
    let mut last = 0;
    for line in events.lines() {
        let p = veil::capture::parse_line(line.as_bytes()).expect("output parses as capture/1");
        assert_eq!(p.unknown_fields, 0);
        assert!(p.event.seq > last);
        last = p.event.seq;
    }
    // Pixels. Output frames are named by the engine after their event's seq.
    let pad = Policy::default().file.screenshots.padding as i64;
    let input = root().join("testdata/sample");
    let seq_of: HashMap<String, u64> = std::fs::read_to_string(input.join("events.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| veil::capture::parse_line(l.as_bytes()).ok())
        .filter_map(|p| match p.event.body {
            veil::capture::Body::Screenshot(s) => Some((s.image, p.event.seq)),
            _ => None,
        })
        .collect();
    let out_name = |img: &str| veil::screenshot::frame_name(seq_of[img], img);
    let load = |base: &Path, img: &str| image::open(base.join(img)).unwrap().into_rgba8();
    for b in exp["painted"].as_array().unwrap() {
        let img = load(out, &out_name(b["image"].as_str().unwrap()));
        let r: Vec<i64> = b["box"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
        for y in r[1]..r[1] + r[3] {
            for x in r[0]..r[0] + r[2] {
                assert_eq!(img.get_pixel(x as u32, y as u32).0, [0, 0, 0, 255], "planted box {r:?} not painted at {x},{y}");
            }
        }
    }
    for b in exp["untouched"].as_array().unwrap() {
        let name = b["image"].as_str().unwrap();
        let (a, o) = (load(&input, name), load(out, &out_name(name)));
        let r: Vec<i64> = b["box"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
        // Inside the box, less the padding of neighbouring painted boxes.
        for y in r[1] + pad..r[1] + r[3] - pad {
            for x in r[0]..r[0] + r[2] {
                assert_eq!(a.get_pixel(x as u32, y as u32), o.get_pixel(x as u32, y as u32), "non-PII box {r:?} changed at {x},{y}");
            }
        }
    }
    // Frames not referenced by any surviving event are not copied.
    let frames: Vec<_> = std::fs::read_dir(out.join("frames")).unwrap().collect();
    assert_eq!(frames.len(), report.totals.output_frames);
}

#[test]
fn sample_directory() {
    let (_d, out, report) = run(&root().join("testdata/sample"));
    check_output(&out, &report);
}

#[test]
fn sample_as_tar_and_tar_gz() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["sample.tar", "sample.tar.gz"] {
        let path = dir.path().join(name);
        let f = std::fs::File::create(&path).unwrap();
        let w: Box<dyn std::io::Write> = if name.ends_with(".gz") { Box::new(flate2::write::GzEncoder::new(f, flate2::Compression::fast())) } else { Box::new(f) };
        let mut b = tar::Builder::new(w);
        b.append_dir_all("sample", root().join("testdata/sample")).unwrap();
        b.into_inner().unwrap().flush().unwrap();
        let (_d, out, report) = run(&path);
        check_output(&out, &report);
    }
}

#[test]
fn tar_output_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("red.tar.gz");
    let engine = Engine::new(Policy::default()).unwrap();
    let r1 = engine.redact_archive(&root().join("testdata/sample"), &out, &RunOptions::default()).unwrap();
    // The redacted archive is itself a valid input; redacting it again finds no new PII
    // values (only the engine's own replacement tokens, which are not PII).
    let again = dir.path().join("again");
    let r2 = engine.redact_archive(&out, &again, &RunOptions::default()).unwrap();
    assert_eq!(r2.totals.input_lines, r1.totals.output_events);
    for e in [veil::detect::Entity::CreditCard, veil::detect::Entity::Secret, veil::detect::Entity::UsSsn, veil::detect::Entity::PhoneNumber] {
        assert!(!r2.totals.by_entity.contains_key(&e), "{e:?} found again in redacted output");
    }
}

#[test]
fn pseudonyms_are_stable_with_a_key() {
    // Same key, two runs: identical output. The env var is named by the policy.
    let policy = Policy::from_toml("[pseudonym]\nkey_env = \"VEIL_TEST_KEY_STABLE\"\n[actions]\nEMAIL_ADDRESS = \"pseudonym\"").unwrap();
    std::env::set_var("VEIL_TEST_KEY_STABLE", "test-key-1-0f3b9c2e7a51");
    let engine = Engine::new(policy.clone()).unwrap();
    let a = engine.redact_text("write to jane.doe@example.com").unwrap().text;
    let b = Engine::new(policy).unwrap().redact_text("JANE.DOE@example.com").unwrap().text;
    assert_eq!(a.trim_start_matches("write to "), b);
    assert!(!a.contains("jane"));
}

use std::io::Write;

struct DirFrames {
    dir: PathBuf,
    out: std::sync::Mutex<HashMap<String, Vec<u8>>>,
}

impl veil::FrameIo for DirFrames {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(path)).ok()
    }
    fn write(&self, path: &str, bytes: Vec<u8>) -> veil::Result<()> {
        self.out.lock().unwrap().insert(path.to_string(), bytes);
        Ok(())
    }
}

/// The embedded use: events pushed one at a time into a Session, several sessions on one
/// shared Engine in parallel threads. Same surviving events as the archive run, nothing
/// planted leaks, and `forget` reaches held events.
#[test]
fn streaming_sessions_match_the_archive_run() {
    let (_d, out, archive_report) = run(&root().join("testdata/sample"));
    let archive_events = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    let archive_seqs: Vec<u64> = archive_events.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["seq"].as_u64().unwrap()).collect();
    // The raw lines, malformed ones included: a session parses them as an archive run does.
    let input = std::fs::read_to_string(root().join("testdata/sample/events.jsonl")).unwrap();
    let engine = Engine::new(Policy::default()).unwrap();
    let exp = expected();
    std::thread::scope(|s| {
        // Three chunkings: the defaults; tiny chunks and flushes at arbitrary lines; no hold
        // at all (events leave as soon as typing settles).
        for variant in 0..3u64 {
            let (engine, input, exp, archive_seqs) = (&engine, &input, &exp, &archive_seqs);
            s.spawn(move || {
                let frames = DirFrames { dir: root().join("testdata/sample"), out: Default::default() };
                let mut session = veil::Session::new(engine, &frames, if variant == 2 { 0 } else { 10_000 });
                if variant == 1 {
                    session.max_pending = 3;
                }
                let mut released = Vec::new();
                for (i, line) in input.lines().enumerate() {
                    released.extend(session.push_line(line.as_bytes()).unwrap().events);
                    if variant == 1 && (i * 7) % 5 == 0 {
                        released.extend(session.flush().unwrap().events);
                    }
                }
                released.extend(session.finish().unwrap().events);
                let seqs: Vec<u64> = released.iter().map(|e| e.seq).collect();
                assert_eq!(&seqs, archive_seqs, "chunking {variant}");
                let text: String = released.iter().map(|e| serde_json::to_string(e).unwrap() + "\n").collect();
                let streams = typed_streams(&text);
                for p in exp["planted"].as_array().unwrap() {
                    for v in variants(p["value"].as_str().unwrap()) {
                        assert!(!text.contains(&v), "planted {} leaks from a session", p["where"]);
                        assert!(streams.values().all(|s| !s.contains(&v)));
                    }
                }
                assert_eq!(frames.out.lock().unwrap().len(), archive_report.totals.output_frames);
            });
        }
    });
}
