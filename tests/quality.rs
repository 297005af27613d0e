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
use veil::detect::{Entity, Finding};
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

#[track_caller]
fn floors(scores: &BTreeMap<String, Score>, floors: &[(&str, f64, f64)]) {
    let mut broken = Vec::new();
    for &(e, p, r) in floors {
        let s = scores.get(e).copied().unwrap_or_default();
        if s.p() < p || s.r() < r {
            broken.push(format!("{e}: P {:.3} R {:.3} under floors {p}/{r}", s.p(), s.r()));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

fn engine() -> Engine {
    Engine::new(Policy::default()).unwrap()
}

/// Presidio's names for what the engine calls otherwise (its country phone recognizers find
/// what our phone rule finds).
fn our_name(presidio: &str) -> &str {
    match presidio {
        "PH_MOBILE_NUMBER" | "TR_PHONE_NUMBER" => "PHONE_NUMBER",
        e => e,
    }
}

/// Presidio recognizer cases, per case: does the engine find the entity when (and only when)
/// the case expects it? Every entity the engine knows is scored.
#[test]
fn presidio_analyzer_cases() {
    let Some(path) = data("presidio_analyzer_cases.dev.jsonl") else {
        println!("shared data missing: skipped");
        return;
    };
    let engine = engine();
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let et = v["entity_type"].as_str().unwrap();
        if v["kind"] != "detect" {
            continue;
        }
        let Some(entity) = Entity::from_name(our_name(et)) else {
            *skipped.entry(et.to_string()).or_default() += 1;
            continue;
        };
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
    println!("entity types the engine has no name for: {skipped:?}");
    let total = scores.values().fold(Score::default(), |a, s| Score { tp: a.tp + s.tp, fp: a.fp + s.fp, fn_: a.fn_ + s.fn_ });
    println!("all entities: P {:.3} R {:.3} F1 {:.3} ({} expected findings)", total.p(), total.r(), total.f1(), total.tp + total.fn_);
    // Where recall is low, the bare numbers are ones the engine takes only next to a context
    // word (a 9-digit number is too often something else); README, "Entities".
    floors(&scores, ANALYZER_FLOORS);
    assert!(total.p() >= 0.95 && total.r() >= 0.70, "all entities: P {:.3} R {:.3}", total.p(), total.r());
}

/// (entity, precision, recall) floors on Presidio's recognizer cases, a little under what was
/// measured (entities whose only cases are bare numbers we take with a context word alone,
/// AU_TFN, DE_PLZ, IN_VOTER, IT_FISCAL_CODE's unchecked example, IT_PASSPORT, MEDICAL_LICENSE's
/// 9-form, UK_PASSPORT, US_BANK_NUMBER, US_DRIVER_LICENSE, have none).
const ANALYZER_FLOORS: &[(&str, f64, f64)] = &[
    ("ABA_ROUTING_NUMBER", 0.9, 0.95), ("AU_ABN", 0.9, 0.95), ("AU_ACN", 0.9, 0.45), ("AU_MEDICARE", 0.9, 0.95),
    ("CA_SIN", 0.9, 0.7), ("CREDIT_CARD", 0.9, 0.95), ("CRYPTO", 0.9, 0.95), ("DATE_TIME", 0.9, 0.95),
    ("DE_BSNR", 0.9, 0.2), ("DE_FUEHRERSCHEIN", 0.9, 0.95), ("DE_HANDELSREGISTER", 0.9, 0.95),
    ("DE_HEALTH_INSURANCE", 0.9, 0.95), ("DE_ID_CARD", 0.9, 0.75), ("DE_KFZ", 0.9, 0.38), ("DE_LANR", 0.9, 0.2),
    ("DE_PASSPORT", 0.9, 0.15), ("DE_SOCIAL_SECURITY", 0.9, 0.95), ("DE_TAX_ID", 0.9, 0.45),
    ("DE_TAX_NUMBER", 0.9, 0.55), ("DE_VAT_ID", 0.9, 0.77), ("EMAIL_ADDRESS", 0.9, 0.95), ("ES_NIE", 0.9, 0.95),
    ("ES_NIF", 0.9, 0.95), ("ES_PASSPORT", 0.9, 0.45), ("FI_PERSONAL_IDENTITY_CODE", 0.9, 0.95),
    ("IBAN_CODE", 0.9, 0.94), ("IN_AADHAAR", 0.9, 0.7), ("IN_GSTIN", 0.9, 0.95), ("IN_PAN", 0.9, 0.62),
    ("IN_PASSPORT", 0.9, 0.45), ("IN_VEHICLE_REGISTRATION", 0.9, 0.2), ("IP_ADDRESS", 0.9, 0.91),
    ("IT_DRIVER_LICENSE", 0.9, 0.95), ("IT_IDENTITY_CARD", 0.9, 0.28), ("IT_VAT_CODE", 0.9, 0.95),
    ("KR_BRN", 0.9, 0.95), ("KR_DRIVER_LICENSE", 0.9, 0.45), ("KR_FRN", 0.9, 0.55), ("KR_PASSPORT", 0.9, 0.57),
    ("KR_RRN", 0.9, 0.95), ("MAC_ADDRESS", 0.9, 0.95), ("NG_VEHICLE_REGISTRATION", 0.9, 0.95),
    ("PHONE_NUMBER", 0.84, 0.95), ("PH_MOBILE_NUMBER", 0.81, 0.27), ("PH_TIN", 0.9, 0.95), ("PL_PESEL", 0.9, 0.95),
    ("SE_ORGANISATIONSNUMMER", 0.9, 0.45), ("SE_PERSONNUMMER", 0.9, 0.95), ("SG_NRIC_FIN", 0.9, 0.35),
    ("SG_UEN", 0.9, 0.95), ("TH_TNIN", 0.9, 0.28), ("TR_LICENSE_PLATE", 0.9, 0.81), ("TR_NATIONAL_ID", 0.9, 0.95),
    ("TR_PHONE_NUMBER", 0.9, 0.56), ("UK_DRIVING_LICENCE", 0.9, 0.95), ("UK_NHS", 0.9, 0.95), ("UK_NINO", 0.9, 0.95),
    ("UK_POSTCODE", 0.9, 0.95), ("UK_VEHICLE_REGISTRATION", 0.9, 0.52), ("URL", 0.9, 0.95), ("US_ITIN", 0.9, 0.45),
    ("US_MBI", 0.9, 0.95), ("US_NPI", 0.9, 0.75), ("US_PASSPORT", 0.9, 0.28), ("US_SSN", 0.9, 0.28),
    ("ZA_ID_NUMBER", 0.9, 0.95),
];

/// NER floors on presidio-research (public data the model never saw; its templates and values
/// are not ours): (precision, recall), a little under what was measured.
const PERSON_FLOOR: (f64, f64) = (0.80, 0.72); // measured 0.859 / 0.760
const LOCATION_FLOOR: (f64, f64) = (0.78, 0.93); // measured 0.828 / 0.959 (ADDRESS + LOCATION; 0.825 / 0.946 before the address rules)
const ORGANIZATION_FLOOR: (f64, f64) = (0.30, 0.44); // measured 0.347 / 0.489 (0.287 / 0.384 with the model alone)

/// presidio-research gold types, as the engine names them (ADDRESS is a LOCATION, DOMAIN_NAME
/// a URL).
fn gold_name(t: &str) -> &str {
    match t {
        "ADDRESS" => "LOCATION",
        "DOMAIN_NAME" => "URL",
        t => t,
    }
}

/// A finding's name for scoring: a date of birth is a date.
fn scored_name(e: Entity) -> &'static str {
    match e {
        Entity::DateOfBirth => "DATE_TIME",
        e => e.name(),
    }
}

/// Is some of `text[s..e]` left readable: four or more characters in a row, other than
/// spaces, that no finding covers?
fn readable(text: &str, s: usize, e: usize, found: &[Finding]) -> bool {
    let mut run = 0;
    for (i, c) in text[s..e].char_indices() {
        let at = s + i;
        let covered = found.iter().any(|f| f.start <= at && at < f.end);
        if covered || c.is_whitespace() {
            run = 0;
        } else {
            run += 1;
            if run >= 4 {
                return true;
            }
        }
    }
    false
}

/// presidio-research synthetic sentences: span-level (a predicted span counts when it
/// overlaps a gold span of the same entity), and per record whether every labelled value of a
/// type the engine detects is unreadable after it.
#[test]
fn presidio_research_spans() {
    let Some(path) = data("presidio_research_generated_large.json") else {
        println!("shared data missing: skipped");
        return;
    };
    // Rules' types, the NER model's, and context types (found, kept by default).
    const RULES: &[&str] = &["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "US_DRIVER_LICENSE"];
    const NER: &[&str] = &["PERSON", "LOCATION", "ORGANIZATION"];
    const CONTEXT: &[&str] = &["DATE_TIME", "URL", "TITLE"];
    let ours: Vec<&str> = RULES.iter().chain(NER).chain(CONTEXT).copied().collect();
    let engine = engine();
    let records: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    // Records with values of the set's types, and those where none is left readable.
    let mut sets = [(RULES, 0usize, 0usize), (&[RULES, NER].concat()[..], 0, 0), (&ours[..], 0, 0)];
    let mut leaks: BTreeMap<String, usize> = BTreeMap::new();
    let mut false_secrets = 0;
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
                let t = gold_name(s["entity_type"].as_str().unwrap());
                (t.to_string(), byte_at[st.min(byte_at.len() - 1)], byte_at[en.min(byte_at.len() - 1)])
            })
            .collect();
        let found = engine.detect(text).unwrap();
        false_secrets += found.iter().filter(|f| matches!(f.entity, Entity::Secret | Entity::Password)).count();
        for e in &ours {
            let g: Vec<_> = gold.iter().filter(|(t, _, _)| t == e).collect();
            let f: Vec<_> = found.iter().filter(|f| scored_name(f.entity) == *e).collect();
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
        for (types, n, clean) in sets.iter_mut() {
            let mine: Vec<_> = gold.iter().filter(|(t, _, _)| types.contains(&t.as_str())).collect();
            if mine.is_empty() {
                continue;
            }
            *n += 1;
            let left: Vec<_> = mine.iter().filter(|(_, s, e)| readable(text, *s, *e, &found)).collect();
            if left.is_empty() {
                *clean += 1;
            } else if types.len() == ours.len() {
                left.iter().for_each(|(t, _, _)| *leaks.entry(t.clone()).or_default() += 1);
            }
        }
    }
    table("presidio-research synthetic set (2,109 sentences), span overlap", &scores);
    let share = |(_, n, clean): &(&[&str], usize, usize)| *clean as f64 / (*n).max(1) as f64;
    println!("\nrecords with no labelled value left readable (no 4 characters in a row of it uncovered):");
    for (name, set) in ["rules' types", "rules' and the NER model's types", "every type detected (dates, URLs, titles included: kept by default)"].iter().zip(&sets) {
        println!("  {name}: {:.3} ({}/{})", share(set), set.2, set.1);
    }
    println!("  values left readable, by type (every type detected): {leaks:?}");
    // The set holds no secrets: any SECRET/PASSWORD finding in it is a false positive.
    println!("false SECRET/PASSWORD findings in {} secret-free sentences: {false_secrets}", records.len());
    assert_eq!(false_secrets, 0, "false secret findings in prose");
    assert!(share(&sets[0]) >= 0.95, "rules' types: {:.3} of records with nothing readable, under 0.95", share(&sets[0]));
    assert!(share(&sets[1]) >= READABLE_NER_FLOOR, "with NER types: {:.3} under {READABLE_NER_FLOOR}", share(&sets[1]));
    floors(&scores, &[
        ("EMAIL_ADDRESS", 0.9, 0.9),
        ("CREDIT_CARD", 0.9, 0.99),
        ("IBAN_CODE", 0.9, 0.8),
        ("US_SSN", 0.9, 0.8),
        ("IP_ADDRESS", 0.8, 0.8),
        ("PHONE_NUMBER", 0.9, 0.99),
        ("PERSON", PERSON_FLOOR.0, PERSON_FLOOR.1),
        ("LOCATION", LOCATION_FLOOR.0, LOCATION_FLOOR.1),
        ("ORGANIZATION", ORGANIZATION_FLOOR.0, ORGANIZATION_FLOOR.1),
    ]);
}

/// Records where the NER model's values are left readable too (its recall, PERSON 0.76,
/// bounds this; the model is another piece of work): a floor under what was measured.
const READABLE_NER_FLOOR: f64 = 0.945; // measured 0.953 (0.914 before the address, address-block and organisation rules)

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
    assert!(recall >= 0.99, "gitleaks recall {recall:.3} under 0.99");
}
