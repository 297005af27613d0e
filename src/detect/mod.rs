//! Detectors: what finds personal data and secrets in text.
//!
//! The seam is [`Detector`]: given a text, append [`Finding`]s (byte spans with an entity
//! type). The regex rules ([`rules::RuleSet`]) are one detector; the NER model
//! ([`ner::NerDetector`]) is the other, batch-first (many texts per model run) and fallible
//! (a text it could not check is dropped by the pipeline, never passed through).
//! [`resolve`] merges the findings of all detectors into disjoint spans, so that operators see
//! each character at most once and the union of everything found is covered.

pub mod faces;
pub mod image;
pub mod ner;
pub mod pieces;
pub mod rules;
pub mod text_regions;
pub mod validate;

use serde::{Deserialize, Serialize};

/// The kinds of data the engine finds. Names follow Presidio's where one exists, so that
/// quality figures can be compared entity by entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Entity {
    EmailAddress,
    PhoneNumber,
    CreditCard,
    IbanCode,
    UsSsn,
    IpAddress,
    MacAddress,
    DateOfBirth,
    Crypto,
    /// API keys, tokens, private keys, signed URLs.
    Secret,
    /// Passwords: assignments, URL userinfo, anything typed into a secure field.
    Password,
    Person,
    Location,
    Organization,
}

impl Entity {
    pub const ALL: [Entity; 14] = [
        Entity::EmailAddress,
        Entity::PhoneNumber,
        Entity::CreditCard,
        Entity::IbanCode,
        Entity::UsSsn,
        Entity::IpAddress,
        Entity::MacAddress,
        Entity::DateOfBirth,
        Entity::Crypto,
        Entity::Secret,
        Entity::Password,
        Entity::Person,
        Entity::Location,
        Entity::Organization,
    ];

    /// The name used in policies, reports and tags (`EMAIL_ADDRESS`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Entity::EmailAddress => "EMAIL_ADDRESS",
            Entity::PhoneNumber => "PHONE_NUMBER",
            Entity::CreditCard => "CREDIT_CARD",
            Entity::IbanCode => "IBAN_CODE",
            Entity::UsSsn => "US_SSN",
            Entity::IpAddress => "IP_ADDRESS",
            Entity::MacAddress => "MAC_ADDRESS",
            Entity::DateOfBirth => "DATE_OF_BIRTH",
            Entity::Crypto => "CRYPTO",
            Entity::Secret => "SECRET",
            Entity::Password => "PASSWORD",
            Entity::Person => "PERSON",
            Entity::Location => "LOCATION",
            Entity::Organization => "ORGANIZATION",
        }
    }

    pub fn from_name(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == s)
    }

    /// When spans of two entities overlap, the higher priority names the merged span.
    fn priority(self) -> u8 {
        match self {
            Entity::Secret => 14,
            Entity::Password => 13,
            Entity::CreditCard => 12,
            Entity::IbanCode => 11,
            Entity::UsSsn => 10,
            Entity::Crypto => 9,
            Entity::EmailAddress => 8,
            Entity::MacAddress => 7,
            Entity::IpAddress => 6,
            Entity::PhoneNumber => 5,
            Entity::DateOfBirth => 4,
            Entity::Person => 3,
            Entity::Location => 2,
            Entity::Organization => 1,
        }
    }
}

/// One thing found: a byte span `[start, end)` of the text it was found in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub start: usize,
    pub end: usize,
    pub entity: Entity,
    /// The rule or model that found it (`email`, `aws_access_key`, `ner`, ...).
    pub detector: &'static str,
    pub score: f32,
}

/// Finds personal data or secrets in a text. Implementations are loaded once and shared
/// across threads.
pub trait Detector: Send + Sync {
    /// Appends findings for `text` to `out`. Spans must lie on char boundaries of `text`.
    fn detect(&self, text: &str, out: &mut Vec<Finding>);
}

/// Widens a byte span to the char boundaries around it and clamps it to `text`, so that a
/// span computed with a byte-width slip (a multi-byte space taken for one byte) can never
/// slice inside a character: it covers more, never less.
pub fn snap(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut s = start.min(text.len());
    let mut e = end.min(text.len()).max(s);
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    while !text.is_char_boundary(e) {
        e += 1;
    }
    (s, e)
}

/// [`resolve`] for findings of `text`, with every span first [`snap`]ped to its chars: the
/// one entry point the engine uses, so no detector's off-by-a-byte can reach an operator.
pub fn resolve_in(text: &str, mut findings: Vec<Finding>) -> Vec<Finding> {
    for f in &mut findings {
        (f.start, f.end) = snap(text, f.start, f.end);
    }
    resolve(findings)
}

/// Makes findings disjoint: overlapping (or touching-inside) spans merge into one span
/// covering their union, named by the highest-priority entity among them (longest first on
/// ties). The result is sorted by start.
pub fn resolve(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.retain(|f| f.start < f.end);
    findings.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        if let Some(last) = out.last_mut() {
            if f.start < last.end {
                let f_wins = (f.entity.priority(), f.end - f.start) > (last.entity.priority(), last.end - last.start);
                let end = last.end.max(f.end);
                if f_wins {
                    *last = Finding { start: last.start, end, ..f };
                } else {
                    last.end = end;
                }
                continue;
            }
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(start: usize, end: usize, entity: Entity) -> Finding {
        Finding { start, end, entity, detector: "t", score: 1.0 }
    }

    #[test]
    fn overlaps_merge_to_union_with_priority() {
        let got = resolve(vec![f(5, 10, Entity::PhoneNumber), f(0, 7, Entity::CreditCard), f(20, 25, Entity::EmailAddress)]);
        assert_eq!(got, vec![f(0, 10, Entity::CreditCard), f(20, 25, Entity::EmailAddress)]);
        let got = resolve(vec![f(0, 4, Entity::IpAddress), f(4, 8, Entity::IpAddress)]);
        assert_eq!(got.len(), 2, "touching spans stay apart");
    }

    #[test]
    fn entity_names_round_trip() {
        for e in Entity::ALL {
            assert_eq!(Entity::from_name(e.name()), Some(e));
            assert_eq!(serde_json::to_string(&e).unwrap(), format!("\"{}\"", e.name()));
        }
    }
}
