//! Detection quality on public labelled data we did not write (`../shared/data`): Presidio's
//! recognizer test cases, the presidio-research synthetic set, and gitleaks' rule examples.
//! Prints per-entity precision/recall/F1 (run with `--nocapture`) and fails below floors set
//! a little under the measured figures, so a regression in any rule is caught.
//!
//! The data lives outside the repository; when it is absent the test says so and checks
//! nothing else.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use veil::detect::Entity;
use veil::{Engine, Policy};

fn data(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name);
    p.exists().then_some(p)
}

#[derive(Default, Debug, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Score {
    fn p(&self) -> f64 {
        self.tp as f64 / ((self.tp + self.fp).max(1)) as f64
    }
    fn r(&self) -> f64 {
        self.tp as f64 / ((self.tp + self.fn_).max(1)) as f64
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.p(), self.r());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

fn table(title: &str, scores: &BTreeMap<String, Score>) {
    println!("\n{title}\n| entity | P | R | F1 | TP | FP | FN |\n|---|---|---|---|---|---|---|");
    for (e, s) in scores {
        println!("| {e} | {:.3} | {:.3} | {:.3} | {} | {} | {} |", s.p(), s.r(), s.f1(), s.tp, s.fp, s.fn_);
    }
}

fn engine() -> Engine {
    Engine::new(Policy::default()).unwrap()
}

/// Presidio recognizer cases, per case: does the engine find the entity when (and only when)
/// the case expects it?
#[test]
fn presidio_analyzer_cases() {
    let Some(path) = data("presidio_analyzer_cases.dev.jsonl") else {
        println!("shared data missing: skipped");
        return;
    };
    let ours = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "MAC_ADDRESS", "CRYPTO"];
    let engine = engine();
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let et = v["entity_type"].as_str().unwrap();
        if v["kind"] != "detect" || !ours.contains(&et) {
            continue;
        }
        let entity = Entity::from_name(et).unwrap();
        let text = v["text"].as_str().unwrap();
        let expected = v["expected_count"].as_u64().unwrap_or(0) as usize;
        let found = engine.detect(text).unwrap().iter().filter(|f| f.entity == entity).count();
        let s = scores.entry(et.to_string()).or_default();
        // Count per expected span, capped, so multi-entity cases weigh what they hold.
        s.tp += found.min(expected);
        s.fn_ += expected.saturating_sub(found);
        s.fp += found.saturating_sub(expected);
    }
    table("Presidio recognizer cases (dev half)", &scores);
    let floors = [("IBAN_CODE", 0.90, 0.90), ("IP_ADDRESS", 0.95, 0.9), ("CREDIT_CARD", 0.85, 0.85), ("MAC_ADDRESS", 0.9, 0.9), ("PHONE_NUMBER", 0.85, 0.9), ("EMAIL_ADDRESS", 0.75, 0.75), ("CRYPTO", 0.75, 0.75)];
    // US_SSN is left out on purpose: its three cases here are unlabelled bare/space/dot digit
    // runs, which the engine takes only next to an SSN label (see finance.rs).
    for (e, p, r) in floors {
        let s = scores[e];
        assert!(s.p() >= p && s.r() >= r, "{e}: P {:.3} R {:.3} under floors {p}/{r}", s.p(), s.r());
    }
}

/// NER floors on presidio-research (public data the model never saw; its templates and values
/// are not ours): (precision, recall), a little under what was measured.
const PERSON_FLOOR: (f64, f64) = (0.80, 0.72); // measured 0.859 / 0.760
const LOCATION_FLOOR: (f64, f64) = (0.78, 0.9); // measured 0.825 / 0.946 (ADDRESS + LOCATION)
const ORGANIZATION_FLOOR: (f64, f64) = (0.22, 0.33); // measured 0.287 / 0.384

/// presidio-research synthetic sentences: span-level (a predicted span counts when it
/// overlaps a gold span of the same entity).
#[test]
fn presidio_research_spans() {
    let Some(path) = data("presidio_research_generated_large.json") else {
        println!("shared data missing: skipped");
        return;
    };
    // The NER model's entities too; the set's ADDRESS spans are our LOCATION.
    let ours = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "PERSON", "LOCATION", "ORGANIZATION"];
    let engine = engine();
    let records: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    for r in &records {
        let text = r["full_text"].as_str().unwrap();
        // Gold spans come as char offsets; convert to bytes.
        let byte_at: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
        let gold: Vec<(String, usize, usize)> = r["spans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let st = s["start_position"].as_u64().unwrap() as usize;
                let en = s["end_position"].as_u64().unwrap() as usize;
                let t = match s["entity_type"].as_str().unwrap() {
                    "ADDRESS" => "LOCATION",
                    t => t,
                };
                (t.to_string(), byte_at[st.min(byte_at.len() - 1)], byte_at[en.min(byte_at.len() - 1)])
            })
            .collect();
        let found = engine.detect(text).unwrap();
        for e in ours {
            let g: Vec<_> = gold.iter().filter(|(t, _, _)| t == e).collect();
            let f: Vec<_> = found.iter().filter(|f| f.entity.name() == e).collect();
            let s = scores.entry(e.to_string()).or_default();
            for (_, gs, ge) in &g {
                if f.iter().any(|f| f.start < *ge && *gs < f.end) { s.tp += 1 } else { s.fn_ += 1 }
            }
            for f in &f {
                if !g.iter().any(|(_, gs, ge)| f.start < *ge && *gs < f.end) {
                    s.fp += 1;
                }
            }
        }
    }
    table("presidio-research synthetic set (2,109 sentences), span overlap", &scores);
    // The set holds no secrets: any SECRET/PASSWORD finding in it is a false positive.
    let false_secrets: usize = records
        .iter()
        .map(|r| engine.detect(r["full_text"].as_str().unwrap()).unwrap().iter().filter(|f| matches!(f.entity, Entity::Secret | Entity::Password)).count())
        .sum();
    println!("false SECRET/PASSWORD findings in {} secret-free sentences: {false_secrets}", records.len());
    assert!(false_secrets <= 5, "{false_secrets} false secret findings in prose");
    let floors = [
        ("EMAIL_ADDRESS", 0.9, 0.9),
        ("CREDIT_CARD", 0.9, 0.9),
        ("IBAN_CODE", 0.9, 0.8),
        ("US_SSN", 0.9, 0.8),
        ("IP_ADDRESS", 0.8, 0.8),
        ("PHONE_NUMBER", 0.9, 0.6),
        ("PERSON", PERSON_FLOOR.0, PERSON_FLOOR.1),
        ("LOCATION", LOCATION_FLOOR.0, LOCATION_FLOOR.1),
        ("ORGANIZATION", ORGANIZATION_FLOOR.0, ORGANIZATION_FLOOR.1),
    ];
    for (e, p, r) in floors {
        let s = scores[e];
        assert!(s.p() >= p && s.r() >= r, "{e}: P {:.3} R {:.3} under floors {p}/{r}", s.p(), s.r());
    }
}

/// gitleaks rule examples: recall on true secrets (any SECRET/PASSWORD finding), and how many
/// of its "not a secret" examples we flag.
#[test]
fn gitleaks_cases() {
    let Some(path) = data("gitleaks_cases.dev.jsonl") else {
        println!("shared data missing: skipped");
        return;
    };
    let engine = engine();
    let (mut tp, mut fn_, mut neg, mut neg_flagged) = (0, 0, 0, 0);
    let mut missed: BTreeMap<String, usize> = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let text = v["text"].as_str().unwrap();
        let hit = engine.detect(text).unwrap().iter().any(|f| matches!(f.entity, Entity::Secret | Entity::Password));
        if v["expect_secret"].as_bool().unwrap() {
            if hit { tp += 1 } else {
                fn_ += 1;
                *missed.entry(v["rule"].as_str().unwrap().to_string()).or_default() += 1;
            }
        } else {
            neg += 1;
            neg_flagged += hit as usize;
        }
    }
    let recall = tp as f64 / (tp + fn_) as f64;
    println!("\ngitleaks examples: recall {recall:.3} ({tp}/{}) on secrets; {neg_flagged}/{neg} non-secret examples flagged", tp + fn_);
    let mut worst: Vec<_> = missed.into_iter().collect();
    worst.sort_by_key(|w| std::cmp::Reverse(w.1));
    println!("most missed rules: {:?}", &worst[..worst.len().min(15)]);
    assert!(recall >= 0.97, "gitleaks recall {recall:.3} under 0.97");
}
