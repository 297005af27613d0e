//! The NER model end to end through the engine: held-out quality (the figures in
//! models/MODELS.md, reproduced by the Rust tokenizer, windowing and decoding), long texts,
//! batching, threads, thresholds, and the explicit regex-only mode.

use std::collections::HashSet;

use rayon::prelude::*;
use serde_json::Value;
use veil::detect::{Entity, Finding};
use veil::{Engine, Policy};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The engine with the rules that find names of organisations and address parts switched off:
/// these tests measure the model (their spans would merge with its own and change them).
fn engine() -> Engine {
    let mut policy = Policy::default();
    policy.file.detect.disabled_rules = veil::detect::rules::model_like_rules().map(str::to_string).collect();
    Engine::new(policy).unwrap()
}

fn ner_only(e: &Engine, text: &str) -> Vec<Finding> {
    e.detect(text).unwrap().into_iter().filter(|f| f.detector == "ner").collect()
}

fn spans(text: &str, found: &[Finding]) -> Vec<(String, Entity)> {
    found.iter().map(|f| (text[f.start..f.end].to_string(), f.entity)).collect()
}

#[test]
fn finds_names_places_and_organisations_in_capture_text() {
    let e = engine();
    let text = "Lunch with Olusegun Adeyemi from Brightwater Logistics at 14 Elm Grove, Leeds on Friday?";
    let got = spans(text, &ner_only(&e, text));
    assert!(got.contains(&("Olusegun Adeyemi".into(), Entity::Person)), "{got:?}");
    // Whether an unseen company name is typed ORGANIZATION or LOCATION, and whether the model
    // alone takes its head noun too, is the model's guess (the held-out F1 below measures
    // both); its distinctive word must be covered.
    assert!(got.iter().any(|(s, _)| s.contains("Brightwater")), "{got:?}");
    assert!(got.iter().any(|(s, k)| *k == Entity::Location && s.contains("Leeds")), "{got:?}");
    let r = e.redact_text(text).unwrap();
    for v in ["Olusegun", "Adeyemi", "Brightwater", "Leeds"] {
        assert!(!r.text.contains(v), "{v} survives");
    }
    assert!(r.text.starts_with("Lunch with ") && r.text.ends_with(" on Friday?"));
    // The whole engine (the organisation rules beside the model) redacts the whole name.
    let full = Engine::new(Policy::default()).unwrap().redact_text(text).unwrap();
    for v in ["Olusegun", "Adeyemi", "Brightwater", "Logistics", "Elm Grove", "Leeds"] {
        assert!(!full.text.contains(v), "{v} survives the whole engine");
    }
}

#[test]
fn leaves_ui_chrome_and_code_alone() {
    let e = engine();
    for text in ["File Edit View Help", "Pull requests", "Meeting notes for Q3", "Inbox (3)", "Save As", "fn parse_config() -> Result<Config>", "cargo build --release", "Quarterly report draft", "Google Chrome", "Visual Studio Code"] {
        let got = ner_only(&e, text);
        assert!(got.is_empty(), "{text:?}: {:?}", spans(text, &got));
    }
}

/// Rows of a held-out jsonl of `testdata/ner/`, the exported model's figures, and what the
/// engine's NER found in each row's text.
fn run_set(e: &Engine, name: &str) -> (Vec<Value>, Value, Vec<Vec<Finding>>) {
    let rows: Vec<Value> = std::fs::read_to_string(root().join("testdata/ner").join(name)).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let metrics: Value = serde_json::from_str(&std::fs::read_to_string(root().join("models/ner.metrics.json")).unwrap()).unwrap();
    let found = rows.par_iter().map(|r| ner_only(e, r["text"].as_str().unwrap())).collect();
    (rows, metrics, found)
}

/// A row's gold spans of `entity` (all entities: `None`) as byte ranges (gold is in chars).
fn gold_bytes(row: &Value, entity: Option<Entity>) -> Vec<(usize, usize)> {
    let text = row["text"].as_str().unwrap();
    let byte = |c: u64| text.char_indices().nth(c as usize).map_or(text.len(), |(b, _)| b);
    row["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| entity.is_none_or(|k| s[2] == k.name()))
        .map(|s| (byte(s[0].as_u64().unwrap()), byte(s[1].as_u64().unwrap())))
        .collect()
}

/// False spans on the hard-negative held-out set (`testdata/ner/negatives.jsonl`: 1,000 texts
/// of login forms, record tables, plan names and place-like words, from templates and word
/// lists never used in training). The ceiling is the exported model's count (in
/// models/ner.metrics.json) plus a small margin, so the Rust side reproduces it (a model
/// retrained to tag fewer of them lowers the ceiling with its metrics).
#[test]
fn hard_negatives_stay_unredacted() {
    let e = engine();
    let (rows, metrics, found) = run_set(&e, "negatives.jsonl");
    let mut false_spans = 0;
    for (r, f) in rows.iter().zip(&found) {
        let gold = gold_bytes(r, None);
        false_spans += f.iter().filter(|x| !gold.iter().any(|&(s, e)| x.start < e && s < x.end)).count();
    }
    let python = metrics["int8"]["negatives"]["false_spans"].as_u64().unwrap() as usize;
    println!("false spans on {} hard-negative texts: {false_spans} (python int8: {python})", rows.len());
    assert!(false_spans <= python + python / 20 + 2, "{false_spans} false spans, the exported model had {python}");
}

/// Per-entity strict span F1 of the engine over the held-out set (templates never seen in
/// training). Floors sit just under the figures in models/ner.metrics.json, so a regression in
/// tokenisation, windowing or decoding on the Rust side fails here.
#[test]
fn held_out_quality_matches_the_python_figures() {
    let e = engine();
    let (rows, metrics, found) = run_set(&e, "heldout.jsonl");
    for entity in [Entity::Person, Entity::Location, Entity::Organization] {
        let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
        for (r, f) in rows.iter().zip(&found) {
            let gold: HashSet<(usize, usize)> = gold_bytes(r, Some(entity)).into_iter().collect();
            let pred: HashSet<(usize, usize)> = f.iter().filter(|x| x.entity == entity).map(|x| (x.start, x.end)).collect();
            tp += gold.intersection(&pred).count();
            fp += pred.difference(&gold).count();
            fn_ += gold.difference(&pred).count();
        }
        let p = tp as f64 / (tp + fp).max(1) as f64;
        let r = tp as f64 / (tp + fn_).max(1) as f64;
        let f1 = 2.0 * p * r / (p + r).max(1e-9);
        let python = metrics["int8"]["scores"][entity.name()]["f1"].as_f64().unwrap();
        println!("{}: P {p:.3} R {r:.3} F1 {f1:.3} (python int8 F1 {python:.3})", entity.name());
        assert!(f1 >= python - 0.01, "{}: F1 {f1:.3} below the exported model's {python:.3}", entity.name());
    }
}

#[test]
fn long_texts_are_windowed_without_losing_names_at_the_cuts() {
    let e = engine();
    let filler = "The quarterly numbers were reviewed and the team agreed to revisit the plan next week. ";
    let mut text = String::new();
    let mut names = Vec::new();
    for (i, name) in ["Marguerite Okonkwo", "Tobias Lindqvist", "Ananya Ramaswamy", "Henrik Vasquez", "Leilani Brennan", "Dmitri Castellanos"].iter().enumerate() {
        for _ in 0..(3 + i) {
            text.push_str(filler);
        }
        text.push_str(&format!("Please send the contract to {name} today. "));
        names.push(*name);
    }
    let found = ner_only(&e, &text);
    let got = spans(&text, &found);
    for n in &names {
        assert!(got.contains(&(n.to_string(), Entity::Person)), "{n} missed in a {}-byte text: {got:?}", text.len());
    }
    assert_eq!(found.len(), names.len(), "{got:?}");
}

#[test]
fn batch_and_thread_results_equal_single_runs() {
    let e = engine();
    let texts: Vec<String> = (0..200).map(|i| format!("Ticket {i}: assigned to Marta Kowalczyk at Hollis & Dunn LLP in Gdansk")).collect();
    let single = ner_only(&e, &texts[0]);
    let many: Vec<Vec<Finding>> = texts.par_iter().map(|t| ner_only(&e, t)).collect();
    let shift = |f: &Finding, d: isize| ((f.start as isize + d) as usize, (f.end as isize + d) as usize, f.entity);
    for (t, f) in texts.iter().zip(&many) {
        let d = t.len() as isize - texts[0].len() as isize;
        assert_eq!(f.iter().map(|x| shift(x, -d)).collect::<Vec<_>>(), single.iter().map(|x| shift(x, 0)).collect::<Vec<_>>());
    }
    // Through the batch path (one NER pass over all fields): the same findings.
    let lines: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let line = serde_json::json!({"seq": i + 1, "ts": i, "kind": "text", "source": "accessibility", "text": t}).to_string();
            veil::Record::Event { line: i + 1, parsed: veil::capture::parse_line(line.as_bytes()).unwrap() }
        })
        .collect();
    struct NoFrames;
    impl veil::FrameIo for NoFrames {
        fn read(&self, _: &str) -> Option<Vec<u8>> {
            None
        }
        fn write(&self, _: &str, _: Vec<u8>) -> veil::Result<()> {
            Ok(())
        }
    }
    let (events, report) = e.redact_batch(lines, &NoFrames, &|_| {}).unwrap();
    assert_eq!(events.len(), texts.len());
    let persons = report.totals.by_entity.get(&Entity::Person).copied().unwrap_or(0);
    assert_eq!(persons, texts.len(), "one PERSON per text");
    for ev in events {
        let s = serde_json::to_string(&ev).unwrap();
        assert!(!s.contains("Kowalczyk") && !s.contains("Gdansk"), "{s}");
    }
}

#[test]
fn thresholds_come_from_the_policy() {
    let text = "Lunch with Olusegun Adeyemi tomorrow";
    let strict = Engine::new(Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner_thresholds = { PERSON = 1.0 }").unwrap()).unwrap();
    assert!(ner_only(&strict, text).iter().all(|f| f.entity != Entity::Person));
    let loose = Engine::new(Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner_thresholds = { PERSON = 0.3 }").unwrap()).unwrap();
    assert!(ner_only(&loose, text).iter().any(|f| f.entity == Entity::Person));
    assert!(Policy::from_toml("[models]\nner_thresholds = { EMAIL_ADDRESS = 0.5 }").is_err());
    assert!(Policy::from_toml("[models]\nner_thresholds = { PERSON = 1.5 }").is_err());
}

#[test]
fn regex_only_is_explicit_and_a_missing_model_is_an_error() {
    let off = Engine::new(Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false").unwrap()).unwrap();
    assert!(!off.has_ner());
    let found = off.detect("Lunch with Olusegun Adeyemi, mail ole@example.com").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].entity, Entity::EmailAddress);
    // NER on, model missing: Engine::new fails and says what to do; no silent regex-only.
    let dir = tempfile::tempdir().unwrap();
    let policy = format!("[models]\nfaces = false\ntext_regions = false\ndir = {:?}", dir.path().to_str().unwrap());
    let err = Engine::new(Policy::from_toml(&policy).unwrap()).err().expect("missing model is an error").to_string();
    assert!(err.contains("ner.onnx") || err.contains("ner_tokenizer.json"), "{err}");
}

mod properties {
    use proptest::prelude::*;
    use veil::detect::ner::decode;

    fn tokenizer() -> &'static tokenizers::Tokenizer {
        static T: std::sync::OnceLock<tokenizers::Tokenizer> = std::sync::OnceLock::new();
        T.get_or_init(|| tokenizers::Tokenizer::from_file(super::root().join("models/ner_tokenizer.json")).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the text (any Unicode: accents, combining marks, emoji, CJK, line breaks)
        /// and whatever the model says, spans are ordered, disjoint, non-empty and on char
        /// boundaries.
        #[test]
        fn decoded_spans_are_well_formed(text in "(?s).{0,80}", seed in any::<u64>(), t in 0.05f32..0.95) {
            let enc = tokenizer().encode(text.as_str(), false).unwrap();
            let mut x = seed | 1;
            let probs: Vec<[f32; 7]> = enc.get_offsets().iter().map(|_| {
                let mut v = [0f32; 7];
                for p in v.iter_mut() {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                    *p = (x % 1000) as f32 + 1.0;
                }
                let sum: f32 = v.iter().sum();
                v.map(|p| p / sum)
            }).collect();
            let found = decode(&text, enc.get_offsets(), &probs, &[t; 3]);
            let mut last_end = 0;
            for f in &found {
                prop_assert!(f.start < f.end && f.end <= text.len());
                prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
                prop_assert!(f.start >= last_end);
                last_end = f.end;
            }
        }
    }
}
