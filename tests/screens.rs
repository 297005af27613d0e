//! The realistic screen suite (`make screens`): app-like pages rendered by Chromium with their
//! accessibility-like nodes (`tests/screens/gen.js`), redacted by the engine, scored against
//! the ground truth: planted ink hidden, an OCR oracle (Tesseract, here only: the engine stays
//! OCR-free) reading no planted value back, faces hidden, non-PII lines intact, collateral on
//! lines holding PII, ms per frame. Fails when a figure falls below its floor; prints per-cause
//! leaks (which planted values, why: not found in the text vs mislocalised pixels vs no node).
//!
//! Ignored by a plain `cargo test` (it needs the generated suite, Chromium and Tesseract);
//! `make screens` generates the suite and runs it. `VEIL_SCREENS_REPORT_ONLY=1` prints the
//! figures without asserting the floors (to record "before" figures).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use image::RgbaImage;
use serde_json::Value;
use veil::{Engine, Policy, RunOptions};

/// The suite paints with a colour no page uses, so "painted" is exact.
const FILL: [u8; 3] = [255, 0, 255];

// Floors (issue 11).
const FLOOR_OCR_READABLE: usize = 0;
const FLOOR_BOXES_HIDDEN: f64 = 0.995;
const FLOOR_FACES_HIDDEN: f64 = 0.98;
// Lines intact and collateral at the goals (measured 2026-11-24: 229/234 = 97.9%
// lines intact, 3.6% collateral (4.3% while address blocks took glued labels in front of a street).
const FLOOR_LINES_INTACT: f64 = 0.97;
const GOAL_LINES_INTACT: f64 = 0.97;
const CEIL_COLLATERAL: f64 = 0.05;
const GOAL_COLLATERAL: f64 = 0.05;

fn suite_dir() -> PathBuf {
    std::env::var_os("VEIL_SCREENS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screens"))
}

#[derive(Clone, Copy, Debug)]
struct B {
    x0: i64,
    y0: i64,
    x1: i64,
    y1: i64,
}

impl B {
    fn of(v: &Value) -> B {
        let f = |i: usize| v[i].as_f64().unwrap();
        B { x0: f(0).floor() as i64, y0: f(1).floor() as i64, x1: (f(0) + f(2)).ceil() as i64, y1: (f(1) + f(3)).ceil() as i64 }
    }
    fn grow(&self, dx: i64, dy: i64) -> B {
        B { x0: self.x0 - dx, y0: self.y0 - dy, x1: self.x1 + dx, y1: self.y1 + dy }
    }
    fn contains(&self, x: i64, y: i64) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
    fn clip(&self, img: &RgbaImage) -> B {
        let (w, h) = (img.width() as i64, img.height() as i64);
        B { x0: self.x0.clamp(0, w), y0: self.y0.clamp(0, h), x1: self.x1.clamp(0, w), y1: self.y1.clamp(0, h) }
    }
    fn pixels(&self, img: &RgbaImage) -> impl Iterator<Item = (i64, i64)> {
        let c = self.clip(img);
        (c.y0..c.y1).flat_map(move |y| (c.x0..c.x1).map(move |x| (x, y)))
    }
}

fn px(img: &RgbaImage, x: i64, y: i64) -> [u8; 3] {
    let p = img.get_pixel(x as u32, y as u32).0;
    [p[0], p[1], p[2]]
}

fn painted(out: &RgbaImage, x: i64, y: i64) -> bool {
    px(out, x, y) == FILL
}

/// Ink pixels of a box in the original frame: those far from the box's background (the most
/// common colour on a ring just outside it).
fn ink(orig: &RgbaImage, b: B) -> Vec<(i64, i64)> {
    let ring = b.grow(2, 2).clip(orig);
    let mut counts: BTreeMap<[u8; 3], usize> = BTreeMap::new();
    for x in ring.x0..ring.x1 {
        for y in [ring.y0, ring.y1 - 1] {
            *counts.entry(px(orig, x, y)).or_default() += 1;
        }
    }
    for y in ring.y0..ring.y1 {
        for x in [ring.x0, ring.x1 - 1] {
            *counts.entry(px(orig, x, y)).or_default() += 1;
        }
    }
    let bg = counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c).unwrap_or([255; 3]);
    b.pixels(orig).filter(|&(x, y)| px(orig, x, y).iter().zip(bg).map(|(a, b)| a.abs_diff(b)).max().unwrap() > 64).collect()
}

fn norm(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// OCR's usual confusions folded, so a leak read as `4l11` still counts.
fn fold(s: &str) -> String {
    s.chars().map(|c| match c { 'o' => '0', 'i' | 'l' => '1', 's' => '5', 'b' => '8', 'z' => '2', c => c }).collect()
}

/// Does OCR text `read` give back `value` (whole, or for long values a run of 60% of it)?
fn reads_back(read: &str, value: &str) -> bool {
    let (r, v) = (norm(read), norm(value));
    if v.len() < 4 {
        return false;
    }
    let need = if v.len() >= 10 { (v.len() * 3).div_ceil(5).max(8) } else { v.len() };
    let (rf, vf) = (fold(&r), fold(&v));
    (0..=v.len() - need).any(|i| r.contains(&v[i..i + need]) || rf.contains(&vf[i..i + need]))
}

/// Runs Tesseract once over many crops (one per line: `--psm 7`); their texts in order.
fn ocr(crops: &[RgbaImage], dir: &Path) -> Vec<String> {
    let mut list = String::new();
    for (i, c) in crops.iter().enumerate() {
        let p = dir.join(format!("crop{i:05}.png"));
        c.save(&p).unwrap();
        list.push_str(&format!("{}\n", p.display()));
    }
    let lf = dir.join("list.txt");
    std::fs::write(&lf, list).unwrap();
    let out = Command::new("tesseract").arg(&lf).arg("stdout").args(["--psm", "7", "-l", "eng"]).output().expect("tesseract (Debian tesseract-ocr) is needed: `make screens` installs it");
    assert!(out.status.success(), "tesseract failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    pages.truncate(crops.len());
    assert_eq!(pages.len(), crops.len(), "one OCR page per crop");
    pages
}

/// A crop around `b`, upscaled so its text is ~40 px tall (Tesseract reads small screen text
/// poorly: the oracle must read at least as well as a person looking closely).
fn crop(img: &RgbaImage, b: B) -> RgbaImage {
    let c = b.grow(12, 6).clip(img);
    let sub = image::imageops::crop_imm(img, c.x0 as u32, c.y0 as u32, (c.x1 - c.x0).max(1) as u32, (c.y1 - c.y0).max(1) as u32).to_image();
    let k = (40.0 / (b.y1 - b.y0).max(1) as f64).clamp(1.0, 4.0);
    image::imageops::resize(&sub, (sub.width() as f64 * k) as u32, (sub.height() as f64 * k) as u32, image::imageops::FilterType::CatmullRom)
}

#[derive(Default)]
struct Tally {
    n: usize,
    ok: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.n += 1;
        self.ok += ok as usize;
    }
    fn rate(&self) -> f64 {
        if self.n == 0 { 1.0 } else { self.ok as f64 / self.n as f64 }
    }
    fn show(&self) -> String {
        format!("{}/{} ({:.1}%)", self.ok, self.n, 100.0 * self.rate())
    }
}

#[test]
#[ignore = "needs the generated suite, Chromium and Tesseract: run `make screens`"]
fn realistic_screens() {
    let dir = suite_dir();
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("no suite: run `make screens`")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // VEIL_SCREENS_KEEP=1 keeps the redacted archive in the suite's folder (out/) to look at.
    let out = if std::env::var_os("VEIL_SCREENS_KEEP").is_some() { dir.join("out") } else { tmp.path().join("out") };
    let _ = std::fs::remove_dir_all(&out);
    let policy = Policy::from_toml(&format!("[screenshots]\nfill = [{}, {}, {}]\n", FILL[0], FILL[1], FILL[2])).unwrap();
    let engine = Engine::new(policy).unwrap();
    let t = Instant::now();
    let report = engine.redact_archive(&dir.join("archive"), &out, &RunOptions::default()).unwrap();
    let wall_ms = t.elapsed().as_secs_f64() * 1e3;
    let inputs: Vec<Value> = std::fs::read_to_string(dir.join("archive/events.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let events: Vec<Value> = std::fs::read_to_string(out.join("events.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();

    let mut boxes = Tally::default();
    let mut values = Tally::default();
    let mut faces = Tally::default();
    let mut faces_by: BTreeMap<String, Tally> = BTreeMap::new();
    let mut lines = Tally::default();
    let mut unnoded = Tally::default();
    let (mut coll_ink, mut coll_painted) = (0usize, 0usize);
    let mut unnoded_coll = (0usize, 0usize);
    let mut face_wide = Vec::new();
    let mut leaks: Vec<String> = Vec::new();
    let mut causes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_page: BTreeMap<String, (Tally, Tally, Tally, usize, usize)> = BTreeMap::new();
    let mut broken_lines: Vec<String> = Vec::new();
    let mut line_causes: BTreeMap<&str, usize> = BTreeMap::new();
    // Lines holding PII: (non-PII ink painted, non-PII ink, which line), for the worst offenders.
    let mut coll_lines: Vec<(usize, usize, String)> = Vec::new();
    // OCR crops: (planted label, cause, crop from the output, crop from the original).
    let mut ocr_jobs: Vec<(String, &'static str, RgbaImage, RgbaImage)> = Vec::new();
    let frames = truth["frames"].as_array().unwrap();
    for f in frames {
        let seq = f["seq"].as_u64().unwrap();
        let page = f["page"].as_str().unwrap().to_string();
        let label = format!("{page}#{seq} ({}x, {}, {} {}px)", f["zoom"], f["theme"].as_str().unwrap(), f["font"].as_str().unwrap(), f["size"]);
        let orig = image::open(dir.join("archive").join(f["image"].as_str().unwrap())).unwrap().into_rgba8();
        let ev = events.iter().find(|e| e["seq"].as_u64() == Some(seq)).unwrap_or_else(|| panic!("{label}: the frame was dropped"));
        let input = inputs.iter().find(|e| e["seq"].as_u64() == Some(seq)).unwrap();
        let outimg = image::open(out.join(veil::screenshot::frame_name(seq, f["image"].as_str().unwrap()))).unwrap().into_rgba8();
        let pg = by_page.entry(page.clone()).or_default();
        let all_lines = f["lines"].as_array().unwrap();
        for (pid, p) in f["planted"].as_array().unwrap().iter().enumerate() {
            let value = p["value"].as_str().unwrap();
            let mut all = true;
            for b in p["boxes"].as_array().unwrap() {
                let b = B::of(b);
                let inked = ink(&orig, b);
                let hidden = if inked.is_empty() { b.pixels(&orig).filter(|&(x, y)| painted(&outimg, x, y)).count() * 10 >= 9 * b.pixels(&orig).count() } else { inked.iter().all(|&(x, y)| painted(&outimg, x, y)) };
                boxes.add(hidden);
                all &= hidden;
            }
            values.add(all);
            pg.0.add(all);
            // Why a value was not hidden: its node's text still holds it (not found in the
            // text), or it was found but the paint missed its glyphs, or no node covers it.
            let cause = if p["node"].is_null() {
                "no_node_text_region_missed"
            } else {
                let k = p["node"].as_u64().unwrap() as usize;
                let node_text = ev["nodes"][k]["text"].as_str().unwrap_or("");
                let chars: Vec<char> = value.chars().collect();
                let piece_left = value.split_whitespace().any(|w| w.chars().count() >= 3 && node_text.contains(w)) || chars.windows(6).any(|w| node_text.contains(&w.iter().collect::<String>()));
                if node_text.contains(value) {
                    "not_found_in_text"
                } else if piece_left {
                    "partly_found_in_text"
                } else {
                    "mislocalised_pixels"
                }
            };
            let entity = p["entity"].as_str().unwrap();
            if !all {
                *causes.entry(cause).or_default() += 1;
                leaks.push(format!("{label}: {entity} ({} chars) ink not hidden: {cause}", value.chars().count()));
            }
            // The OCR oracle reads the value's whole line(s).
            for l in all_lines.iter().filter(|l| l["planted"].as_array().unwrap().iter().any(|x| x.as_u64() == Some(pid as u64))) {
                let b = B::of(&l["box"]);
                ocr_jobs.push((format!("{label}: {entity} ({} chars) [{value}]", value.chars().count()), cause, crop(&outimg, b), crop(&orig, b)));
            }
        }
        for face in f["faces"].as_array().unwrap() {
            let b = B::of(&face["box"]);
            let n = b.pixels(&orig).count().max(1);
            let share = b.pixels(&orig).filter(|&(x, y)| painted(&outimg, x, y)).count() as f64 / n as f64;
            let hidden = share >= 0.95;
            faces.add(hidden);
            pg.1.add(hidden);
            let kind = face["kind"].as_str().unwrap();
            let side = (b.x1 - b.x0).max(b.y1 - b.y0);
            let bucket = if side < 40 { "<40px" } else if side < 80 { "40-80px" } else { ">=80px" };
            faces_by.entry(format!("{kind} {bucket}")).or_default().add(hidden);
            // Hair and ears: the box grown to 1.3x.
            let (gw, gh) = (((b.x1 - b.x0) as f64 * 0.15) as i64, ((b.y1 - b.y0) as f64 * 0.15) as i64);
            let g = b.grow(gw, gh);
            let gn = g.pixels(&orig).count().max(1);
            face_wide.push(g.pixels(&orig).filter(|&(x, y)| painted(&outimg, x, y)).count() as f64 / gn as f64);
            if !hidden {
                leaks.push(format!("{label}: face {kind} {}x{} px not hidden ({:.0}% of its box painted)", b.x1 - b.x0, b.y1 - b.y0, share * 100.0));
            }
        }
        for l in all_lines {
            let b = B::of(&l["box"]);
            let planted: Vec<B> = l["planted"].as_array().unwrap().iter().flat_map(|p| f["planted"][p.as_u64().unwrap() as usize]["boxes"].as_array().unwrap().iter().map(B::of)).collect();
            let inked = ink(&orig, b);
            if l["secure"].as_bool() == Some(true) {
                continue; // a secure field's dots: painted by design
            }
            if planted.is_empty() && l["node"].is_null() {
                // Text no node covers (a remote desktop's pixels): painted by design, OCR-free.
                let hit = inked.iter().filter(|&&(x, y)| painted(&outimg, x, y)).count();
                unnoded.add(hit * 100 <= inked.len());
            } else if planted.is_empty() {
                let hit = inked.iter().filter(|&&(x, y)| painted(&outimg, x, y)).count();
                let intact = hit * 100 <= inked.len();
                lines.add(intact);
                pg.2.add(intact);
                if !intact {
                    // Why: its node's text got a finding (over-tagging by the text detectors),
                    // or only its pixels were hit (a neighbour's box, a text region).
                    let k = l["node"].as_u64().unwrap() as usize;
                    let holds_pii = f["planted"].as_array().unwrap().iter().any(|p| p["node"].as_u64() == Some(k as u64));
                    let why = if ev["nodes"][k]["text"] == input["nodes"][k]["text"] {
                        "pixels only (a neighbour's box or a text region)"
                    } else if holds_pii {
                        "pixels in a node holding PII (localisation)"
                    } else {
                        "its node's text got a finding (over-tagging)"
                    };
                    *line_causes.entry(why).or_default() += 1;
                    broken_lines.push(format!("{label}: line {:?} {}% of its ink painted: {why}", l["text"].as_str().unwrap(), hit * 100 / inked.len().max(1)));
                }
            } else {
                let other: Vec<_> = inked.iter().filter(|&&(x, y)| !planted.iter().any(|p| p.grow(1, 0).contains(x, y))).collect();
                let hit = other.iter().filter(|&&&(x, y)| painted(&outimg, x, y)).count();
                if l["node"].is_null() {
                    // PII drawn where no node covers it (a remote desktop): its whole text
                    // region goes by design (OCR-free), counted apart.
                    (unnoded_coll.0, unnoded_coll.1) = (unnoded_coll.0 + hit, unnoded_coll.1 + other.len());
                    continue;
                }
                coll_ink += other.len();
                coll_painted += hit;
                coll_lines.push((hit, other.len(), format!("{label}: line {:?}", l["text"].as_str().unwrap())));
                pg.3 += other.len();
                pg.4 += hit;
            }
        }
    }
    // OCR: the redacted crops, and the originals (to show the oracle can read the values).
    let (redacted, originals): (Vec<_>, Vec<_>) = ocr_jobs.iter().map(|(_, _, a, b)| (a.clone(), b.clone())).unzip();
    let t_ocr = Instant::now();
    // VEIL_SCREENS_NO_OCR=1 (with REPORT_ONLY, while iterating): the oracle is skipped.
    let skip_ocr = std::env::var_os("VEIL_SCREENS_NO_OCR").is_some() && std::env::var_os("VEIL_SCREENS_REPORT_ONLY").is_some();
    let read_out = if skip_ocr { vec![String::new(); redacted.len()] } else { ocr(&redacted, tmp.path()) };
    let read_in = if skip_ocr { vec![String::new(); originals.len()] } else { ocr(&originals, tmp.path()) };
    let ocr_s = t_ocr.elapsed().as_secs_f64();
    let mut readable_before = 0;
    let mut readable_after: Vec<String> = Vec::new();
    for (i, (what, cause, _, _)) in ocr_jobs.iter().enumerate() {
        let value = what.rsplit_once('[').unwrap().1.trim_end_matches(']');
        readable_before += reads_back(&read_in[i], value) as usize;
        if reads_back(&read_out[i], value) {
            readable_after.push(format!("{}: OCR reads it back ({cause})", what.rsplit_once(" [").unwrap().0));
        }
    }
    readable_after.dedup();

    let n_frames = frames.len();
    let collateral = coll_painted as f64 / coll_ink.max(1) as f64;
    let wide = face_wide.iter().sum::<f64>() / face_wide.len().max(1) as f64;
    let frames_ms = report.timings.frames_ms / n_frames as f64;
    println!("\nscreen suite: {n_frames} frames, {} planted values, {} faces, {} non-PII lines", values.n, faces.n, lines.n);
    println!("| figure | value | floor (goal, where not met yet) |\n|---|---|---|");
    println!("| OCR-readable planted values (oracle reads {readable_before}/{} crops in the originals) | {} | {FLOOR_OCR_READABLE} |", ocr_jobs.len(), readable_after.len());
    println!("| planted glyph boxes fully hidden | {} | {:.1}% |", boxes.show(), FLOOR_BOXES_HIDDEN * 100.0);
    println!("| planted values fully hidden | {} | |", values.show());
    println!("| faces hidden (95% of the face box painted) | {} | {:.0}% |", faces.show(), FLOOR_FACES_HIDDEN * 100.0);
    println!("| face boxes grown 1.3x: share painted (hair, ears) | {:.1}% | |", wide * 100.0);
    println!("| non-PII lines intact (<= 1% of ink painted) | {} | {:.0}% (goal {:.0}%) |", lines.show(), FLOOR_LINES_INTACT * 100.0, GOAL_LINES_INTACT * 100.0);
    println!("| text lines no node covers (remote desktop), intact: painted by design | {} | |", unnoded.show());
    println!("| collateral: non-PII ink painted on lines holding PII | {:.1}% ({coll_painted}/{coll_ink} px) | <= {:.1}% (goal <= {:.0}%) |", collateral * 100.0, CEIL_COLLATERAL * 100.0, GOAL_COLLATERAL * 100.0);
    println!("| PII lines no node covers (remote desktop): non-PII ink painted by design | {:.1}% ({}/{} px) | |", 100.0 * unnoded_coll.0 as f64 / unnoded_coll.1.max(1) as f64, unnoded_coll.0, unnoded_coll.1);
    println!("| ms per frame (frames stage, summed over threads / wall of the run) | {frames_ms:.0} / {:.0} | |", wall_ms / n_frames as f64);
    println!("\nfaces by kind and size:");
    for (k, t) in &faces_by {
        println!("  {k}: {}", t.show());
    }
    println!("\nby page: values hidden | faces hidden | lines intact | collateral");
    for (p, (v, fc, l, ci, cp)) in &by_page {
        println!("  {p}: {} | {} | {} | {:.1}%", v.show(), fc.show(), l.show(), 100.0 * *cp as f64 / (*ci).max(1) as f64);
    }
    println!("\nleaks by cause: {causes:?}");
    for l in &leaks {
        println!("  {l}");
    }
    println!("\nOCR read back ({}):", readable_after.len());
    for l in &readable_after {
        println!("  {l}");
    }
    println!("\nnon-PII lines painted ({}), by cause: {line_causes:?}", broken_lines.len());
    for l in broken_lines.iter().take(40) {
        println!("  {l}");
    }
    coll_lines.sort_by_key(|c| std::cmp::Reverse(c.0));
    println!("\ncollateral: the lines holding PII that lose the most non-PII ink");
    for (hit, n, l) in coll_lines.iter().take(25).filter(|c| c.0 > 0) {
        println!("  {l}: {hit}/{n} px ({}%)", hit * 100 / (*n).max(1));
    }
    println!("\nOCR oracle: {:.1} s for {} crops (twice)", ocr_s, ocr_jobs.len());
    let figures = serde_json::json!({
        "frames": n_frames, "planted_values": values.n, "values_hidden": values.ok, "boxes": boxes.n, "boxes_hidden": boxes.ok,
        "faces": faces.n, "faces_hidden": faces.ok, "face_wide_painted": wide, "lines": lines.n, "lines_intact": lines.ok,
        "collateral": collateral, "ocr_readable": readable_after.len(), "ocr_readable_before": readable_before, "ocr_crops": ocr_jobs.len(),
        "frames_ms_per_frame": frames_ms, "broken_line_causes": line_causes, "wall_ms_per_frame": wall_ms / n_frames as f64, "leak_causes": causes,
    });
    std::fs::write(dir.join("figures.json"), serde_json::to_string_pretty(&figures).unwrap()).unwrap();
    if std::env::var_os("VEIL_SCREENS_REPORT_ONLY").is_some() {
        return;
    }
    let mut failed = Vec::new();
    if readable_after.len() > FLOOR_OCR_READABLE {
        failed.push(format!("{} planted values OCR-readable", readable_after.len()));
    }
    if boxes.rate() < FLOOR_BOXES_HIDDEN {
        failed.push(format!("planted boxes hidden {}", boxes.show()));
    }
    if faces.rate() < FLOOR_FACES_HIDDEN {
        failed.push(format!("faces hidden {}", faces.show()));
    }
    if lines.rate() < FLOOR_LINES_INTACT {
        failed.push(format!("non-PII lines intact {}", lines.show()));
    }
    if collateral > CEIL_COLLATERAL {
        failed.push(format!("collateral {:.1}%", collateral * 100.0));
    }
    assert!(failed.is_empty(), "screen suite below its floors: {}", failed.join("; "));
}

#[test]
fn oracle_matching() {
    assert!(reads_back("Card 4111 1111 1111 1111 ok", "4111111111111111"));
    assert!(reads_back("call 4l11-llll", "4111 1111"), "OCR confusions folded");
    assert!(reads_back("jane.doe@example.com", "jane.doe@example.com"));
    assert!(!reads_back("Card ████ 1111", "4111111111111111"), "the last four alone is no leak");
    assert!(!reads_back("Name", "Jane Doe"));
    assert!(reads_back("xx 1111 1111 1111 yy", "4111111111111111"), "12 of 16 digits readable is a leak");
}
