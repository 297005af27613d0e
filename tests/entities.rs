//! End to end through the engine: values written so that no pattern sees them (odd spaces,
//! invisible characters, fullwidth forms, spelt-out and percent-encoded addresses, labels glued
//! to values) are found and replaced in the original characters; a value found once is found
//! again where it recurs, in a batch and across the chunks of a stream; URLs are read through
//! their decoded parts; what the policy keeps is reported and not painted.

use std::collections::HashMap;
use std::sync::Mutex;

use veil::capture::parse_line;
use veil::pipeline::{FrameIo, Record, StreamState};
use veil::{Engine, Policy};

fn regex_only() -> Engine {
    Engine::new(Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false").unwrap()).unwrap()
}

/// No four characters in a row of `value` (letters and digits only) survive in `out`.
#[track_caller]
fn gone(out: &str, value: &str) {
    let alnum: Vec<char> = value.chars().filter(|c| c.is_alphanumeric()).collect();
    let flat: String = out.chars().filter(|c| c.is_alphanumeric()).collect();
    for w in alnum.windows(6) {
        let piece: String = w.iter().collect();
        assert!(!flat.contains(&piece), "{piece:?} of {value:?} survives in {out:?}");
    }
}

#[test]
fn separators_that_defeat_patterns() {
    let e = regex_only();
    for (text, value) in [
        ("card 4111\u{a0}1111\u{a0}1111\u{a0}1111", "4111111111111111"),
        ("card 4111\u{202f}1111\u{202f}1111\u{202f}1111", "4111111111111111"),
        ("mail ja\u{200b}ne.doe@acme\u{200d}corp.io", "jane.doe@acmecorp"),
        ("mail jane\u{ad}.doe@acmecorp.io", "jane.doe@acmecorp"),
        ("card \u{ff14}\u{ff11}\u{ff11}\u{ff11} \u{ff11}\u{ff11}\u{ff11}\u{ff11} \u{ff11}\u{ff11}\u{ff11}\u{ff11} \u{ff11}\u{ff11}\u{ff11}\u{ff11}", "4111111111111111"),
        ("IBAN DE89\t3704\t0044\t0532\t0130\t00", "DE89370400440532013000"),
        ("IBAN DE89 3704 0044\n0532 0130 00", "DE89370400440532013000"),
        ("write to jane.doe[at]example[dot]com", "jane.doe"),
        ("write to jane.doe (at) example (dot) com", "jane.doe"),
        ("mailto:jane.doe%40example.com", "jane.doe"),
        ("<a href=\"mailto:jane.doe&#64;example.com\">", "jane.doe"),
        ("call \u{ff0b}1 415\u{2011}555\u{2011}2671", "4155552671"),
    ] {
        let r = e.redact_text(text).unwrap();
        gone(&r.text, value);
        // The original characters are what was replaced: no escape or invisible half is left.
        for junk in ["%40", "&#64;", "\u{200b}", "\u{200d}", "\u{ad}", "[at]", "(at)"] {
            if text.contains(junk) {
                assert!(!r.text.contains(junk), "{junk:?} left in {:?}", r.text);
            }
        }
        assert!(!r.findings.is_empty(), "{text:?}");
    }
}

#[test]
fn labels_glued_to_values_are_boundaries_and_stay() {
    let e = regex_only();
    let r = e.redact_text("SSN536-22-1234 Card4111111111111111 IBANDE89370400440532013000 Phone001-415-555-0132 Emailjane@acmecorp.io").unwrap();
    for v in ["536221234", "4111111111111", "DE89370400440532", "4155550132", "jane@acmecorp"] {
        gone(&r.text, v);
    }
    for label in ["SSN", "Card", "IBAN", "Phone", "Email"] {
        assert!(r.text.contains(label), "label {label} swallowed: {:?}", r.text);
    }
}

/// Values that start like a label (`cc`, `DL`, `IP`, `Exp`) are whole values, not a label
/// glued to the rest: the credential rules see all of them.
#[test]
fn values_that_start_like_labels_stay_whole() {
    let e = regex_only();
    for (text, value) in [
        ("password: cc4ixZGNZLN6", "cc4ixZGNZLN6"),
        ("Passwort: DL4dHp3Td59T", "DL4dHp3Td59T"),
        ("sshpass -p CC4XZ9QW ssh deploy@host", "CC4XZ9QW"),
        ("pwd=ExpTok9x", "ExpTok9x"),
    ] {
        let r = e.redact_text(text).unwrap();
        let alnum: String = value.chars().filter(|c| c.is_alphanumeric()).collect();
        for w in alnum.as_bytes().windows(4) {
            let piece = std::str::from_utf8(w).unwrap();
            assert!(!r.text.contains(piece), "{piece:?} of {value:?} survives in {:?}", r.text);
        }
    }
}

#[test]
fn card_details_do_not_leak_through_the_mask() {
    // With the NER model too: a name guessed across the card and its details must not widen the
    // card's span (its mask keeps the last four characters of whatever the span holds).
    for e in [regex_only(), Engine::new(Policy::from_toml("[models]\nfaces = false\ntext_regions = false").unwrap()).unwrap()] {
        let r = e.redact_text("card 4111 1111 1111 1111 exp 12/27, CVV 123").unwrap();
        assert!(r.text.contains("**** **** **** 1111"), "{:?}", r.text);
        assert!(!r.text.contains("123") && !r.text.contains("12/27"), "{:?}", r.text);
    }
}

fn record(line: usize, json: serde_json::Value) -> Record {
    Record::Event { line, parsed: parse_line(json.to_string().as_bytes()).unwrap() }
}

fn text_event(seq: usize, text: &str) -> Record {
    record(seq, serde_json::json!({"seq": seq, "ts": 1000 + seq, "kind": "text", "source": "accessibility", "text": text}))
}

struct NoFrames;
impl FrameIo for NoFrames {
    fn read(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn write(&self, _: &str, _: Vec<u8>) -> veil::Result<()> {
        Ok(())
    }
}

fn texts(events: &[veil::capture::Event]) -> Vec<String> {
    events.iter().map(|e| serde_json::to_value(e).unwrap()["text"].as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn repeats_in_a_batch() {
    let e = regex_only();
    let records = vec![
        text_event(1, "I typed hunter2!Zx into the box"),
        text_event(2, "password: hunter2!Zx"),
        text_event(3, "paid with Maestro card 501800000009"),
        text_event(4, "ref 501800000009 settled"),
        text_event(5, "nothing to see in hunter2 or 5018"),
    ];
    let (events, report) = e.redact_batch(records, &NoFrames, &|_| {}).unwrap();
    let out = texts(&events);
    gone(&out[0], "hunter2!Zx");
    gone(&out[1], "hunter2!Zx");
    gone(&out[3], "501800000009");
    assert_eq!(out[4], "nothing to see in hunter2 or 5018", "only whole values recur");
    assert!(report.events.iter().flat_map(|r| &r.findings).any(|f| f.detector == "repeat"));
}

#[test]
fn repeats_across_the_chunks_of_a_stream() {
    let e = regex_only();
    let mut state = StreamState::default();
    let (_, _) = e.redact_batch_with(vec![text_event(1, "pw: Sommer2024!")], &NoFrames, &|_| {}, &mut state).unwrap();
    let (events, _) = e.redact_batch_with(vec![text_event(2, "she said Sommer2024! out loud")], &NoFrames, &|_| {}, &mut state).unwrap();
    gone(&texts(&events)[0], "Sommer2024!");
    // The state holds hashes, never the value.
    assert!(!format!("{state:?}").contains("Sommer"));
    // A fresh stream knows nothing.
    let (events, _) = e.redact_batch_with(vec![text_event(1, "she said Sommer2024! out loud")], &NoFrames, &|_| {}, &mut StreamState::default()).unwrap();
    assert!(texts(&events)[0].contains("Sommer2024!"));
}

#[test]
fn urls_carry_personal_data_in_path_and_query() {
    let e = regex_only();
    let window = |seq: usize, url: &str| record(seq, serde_json::json!({"seq": seq, "ts": 1, "kind": "window", "app": "chrome", "title": "Profile", "bounds": [0, 0, 800, 600], "url": url}));
    let urls = [
        ("https://www.linkedin.com/in/jane-doe-4b2a1/", "jane-doe-4b2a1"),
        ("https://crm.example.com/c?name=Jane+Doe&page=2", "Jane+Doe"),
        ("https://crm.example.com/c?email=jane.doe%40example.com", "jane.doe"),
        ("https://wa.me/14155552671", "4155552671"),
        ("https://x.io/login?password=hunter22x&next=/home", "hunter22x"),
    ];
    let records = urls.iter().enumerate().map(|(i, (u, _))| window(i + 1, u)).collect();
    let (events, _) = e.redact_batch(records, &NoFrames, &|_| {}).unwrap();
    for (ev, (url, value)) in events.iter().zip(urls) {
        let out = serde_json::to_value(ev).unwrap()["url"].as_str().unwrap().to_string();
        gone(&out, value);
        // The rest of the URL is kept (a URL itself defaults to `keep`).
        let host = url.split('/').nth(2).unwrap();
        assert!(out.contains(host), "{out:?}");
        assert!(!url.contains("&next") || out.contains("&next=/home"), "{out:?}");
    }
}

#[test]
fn urls_go_through_the_ner_model_by_their_words() {
    let e = Engine::new(Policy::from_toml("[models]\nfaces = false\ntext_regions = false").unwrap()).unwrap();
    let window = serde_json::json!({"seq": 1, "ts": 1, "kind": "window", "app": "chrome", "title": "Search", "bounds": [0, 0, 800, 600], "url": "https://www.google.com/search?q=Angela+Merkel+Berlin&hl=en"});
    let (events, report) = e.redact_batch(vec![record(1, window)], &NoFrames, &|_| {}).unwrap();
    let out = serde_json::to_value(&events[0]).unwrap()["url"].as_str().unwrap().to_string();
    gone(&out, "Merkel");
    assert!(out.starts_with("https://www.google.com/search?q="), "{out:?}");
    assert!(report.events[0].findings.iter().any(|f| f.detector == "ner" && f.field == "url"));
}

/// A frame store in memory: what was written, by path.
struct MemFrames(HashMap<String, Vec<u8>>, Mutex<HashMap<String, Vec<u8>>>);

impl FrameIo for MemFrames {
    fn read(&self, p: &str) -> Option<Vec<u8>> {
        self.0.get(p).cloned()
    }
    fn write(&self, p: &str, b: Vec<u8>) -> veil::Result<()> {
        self.1.lock().unwrap().insert(p.to_string(), b);
        Ok(())
    }
}

#[test]
fn kept_findings_are_reported_and_not_painted() {
    let e = regex_only();
    let img = image::RgbaImage::from_pixel(64, 64, image::Rgba([255, 255, 255, 255]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let frames = MemFrames(HashMap::from([("frames/a.png".to_string(), png.into_inner())]), Mutex::default());
    let shot = serde_json::json!({"seq": 1, "ts": 1, "kind": "screenshot", "image": "frames/a.png",
        "nodes": [{"id": "n", "text": "Meeting on 2024-05-12 at https://example.com", "bounds": [0, 0, 60, 20]}]});
    let (events, report) = e.redact_batch(vec![record(1, shot)], &frames, &|_| {}).unwrap();
    let node = serde_json::to_value(&events[0]).unwrap()["nodes"][0]["text"].as_str().unwrap().to_string();
    assert_eq!(node, "Meeting on 2024-05-12 at https://example.com");
    let found: Vec<_> = report.events[0].findings.iter().map(|f| (f.entity.name(), f.action)).collect();
    assert!(found.contains(&("DATE_TIME", "keep")) && found.contains(&("URL", "keep")), "{found:?}");
    assert_eq!(report.events[0].painted_boxes, 0);
}

/// Addresses set out line by line (a mail signature, a shipping label, a contact card): the
/// street, its unit, the short lines around it (organisation, town, country and postcode) and
/// organisation names with a legal form go, with the NER model off; prose around an address
/// and the labels in front of it stay.
#[test]
fn address_blocks_and_organisation_names_go_without_the_model() {
    let e = regex_only();
    let sig = "Best regards,\n\n> Kimberly Brandt\n> Recipal\n> 27 Adrianalaan 62\n> Suite 624\n> Rotterdam\n> Bahrain 28587";
    let out = e.redact_text(sig).unwrap().text;
    for v in ["Recipal", "Adrianalaan", "Suite 624", "Rotterdam", "Bahrain 28587"] {
        gone(&out, v);
    }
    assert!(out.starts_with("Best regards,"), "{out}");
    for (text, value) in [
        ("Ship to: PSC 4926, Box 7979, APO AA 63682", "PSC 4926, Box 7979, APO AA 63682"),
        ("My zip code is 35649", "35649"),
        ("The Microbilt Corporation office is at 78 Victor Hugo utca 12", "Microbilt Corporation"),
        ("Invoice from Müller Bau GmbH, Wiesenstrasse 31", "Wiesenstrasse 31"),
        ("Invoice from Müller Bau GmbH, Wiesenstrasse 31", "Müller Bau GmbH"),
        ("Meet me at 94 rue La Boétie tomorrow", "94 rue La Boétie"),
    ] {
        gone(&e.redact_text(text).unwrap().text, value);
    }
    // A glued label stays, the street and town go; prose around a street stays.
    let out = e.redact_text("Address124 Harbour Road, Springfield").unwrap().text;
    assert!(out.starts_with("Address") && !out.contains("Harbour") && !out.contains("Springfield"), "{out}");
    let out = e.redact_text("We'll meet Friday at 61 Wiesenstrasse 31, Barzheim").unwrap().text;
    assert!(out.starts_with("We'll meet Friday at ") && !out.contains("Wiesenstrasse"), "{out}");
    // Generic phrases are no organisations.
    for text in ["Open Web Services settings", "Customer Solutions", "Human Resources and Financial Services"] {
        assert_eq!(e.redact_text(text).unwrap().text, text);
    }
}

/// A hostile text dense with address anchors (a line of `Apt. 1` 40,000 times, a 300 KB
/// paste) costs time linear in its size: the address-block pass must not look at every line
/// or every finding for every anchor.
#[test]
fn address_dense_text_stays_linear() {
    let e = regex_only();
    let time = |n: usize| {
        let text = "Apt. 1\nSpringfield\n".repeat(n);
        let t = std::time::Instant::now();
        let out = e.redact_text(&text).unwrap().text;
        assert!(!out.contains("Springfield"));
        t.elapsed().as_secs_f64()
    };
    time(500);
    let (small, big) = (time(2_000), time(20_000));
    println!("2,000 blocks {:.1} ms, 20,000 blocks {:.1} ms", small * 1e3, big * 1e3);
    assert!(big < small * 30.0 + 0.05, "10x the text took {:.0}x the time", big / small);
}
