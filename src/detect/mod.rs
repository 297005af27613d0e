//! Detectors: what finds personal data and secrets in text.
//!
//! The seam is [`Detector`]: given a text, append [`Finding`]s (byte spans with an entity
//! type). The regex rules ([`rules::RuleSet`]) are one detector; the NER model
//! ([`ner::NerDetector`]) is the other, batch-first (many texts per model run) and fallible
//! (a text it could not check is dropped by the pipeline, never passed through).
//! [`resolve`] merges the findings of all detectors into disjoint spans, so that operators see
//! each character at most once and the union of everything found is covered.

pub mod blocks;
mod entity;
pub mod faces;
pub mod image;
pub mod ner;
pub mod ner_words;
pub mod normalize;
pub mod pieces;
pub mod repeats;
pub mod rules;
pub mod text_regions;
pub mod url;
pub mod validate;

use serde::Serialize;

pub use entity::{Entity, ValueForm};

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

/// Makes findings disjoint, in three tiers. Specific findings (structured values and secrets,
/// with exact spans) that overlap (or touch inside) merge into one span covering their union,
/// named by the highest-priority entity among them (longest first on ties). Names, places and
/// organisations (the NER model's, mostly; postcodes with them) merge among themselves and are then cut around the
/// specific findings, keeping their pieces outside them: a name guessed across a card and its
/// expiry must not turn the card's span into `4111 … exp 12/27, CVV 123`, whose last four
/// characters a card's mask keeps. Context types ([`Entity::is_context`]: URLs, dates,
/// titles, groups) are cut around both. The result is sorted by start.
pub fn resolve(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.retain(|f| f.start < f.end);
    let tier = |e: Entity| match e {
        _ if e.is_context() => 0,
        // A postcode inside an address the model found is part of that place: it merges with
        // it rather than cutting the address in two.
        Entity::Person | Entity::Location | Entity::Organization | Entity::UkPostcode | Entity::DePlz | Entity::PostalCode => 1,
        _ => 2,
    };
    if findings.iter().all(|f| tier(f.entity) == 2) {
        return merge(findings);
    }
    let mut tiers: [Vec<Finding>; 3] = Default::default();
    for f in findings {
        tiers[tier(f.entity)].push(f);
    }
    let [context, soft, specific] = tiers;
    let mut out = merge(specific);
    for lower in [soft, context] {
        let mut taken = out.clone();
        taken.sort_by_key(|f| f.start);
        for c in merge(lower) {
            // The parts of `c` that no finding of a higher tier covers.
            let mut at = c.start;
            for s in taken.iter().filter(|s| s.start < c.end && c.start < s.end) {
                if s.start > at {
                    out.push(Finding { start: at, end: s.start, ..c.clone() });
                }
                at = at.max(s.end);
            }
            if at < c.end {
                out.push(Finding { start: at, end: c.end, ..c });
            }
        }
    }
    out.sort_by_key(|f| f.start);
    out
}

fn merge(mut findings: Vec<Finding>) -> Vec<Finding> {
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
    fn postcodes_merge_into_the_place_around_them() {
        let got = resolve(vec![f(0, 30, Entity::Location), f(24, 30, Entity::UkPostcode)]);
        assert_eq!(got, vec![f(0, 30, Entity::Location)]);
        let got = resolve(vec![f(0, 5, Entity::PostalCode)]);
        assert_eq!(got, vec![f(0, 5, Entity::PostalCode)], "alone it stays a postcode");
    }

    #[test]
    fn overlaps_merge_to_union_with_priority() {
        let got = resolve(vec![f(5, 10, Entity::PhoneNumber), f(0, 7, Entity::CreditCard), f(20, 25, Entity::EmailAddress)]);
        assert_eq!(got, vec![f(0, 10, Entity::CreditCard), f(20, 25, Entity::EmailAddress)]);
        let got = resolve(vec![f(0, 4, Entity::IpAddress), f(4, 8, Entity::IpAddress)]);
        assert_eq!(got.len(), 2, "touching spans stay apart");
    }

    #[test]
    fn names_are_cut_around_structured_values() {
        // A name guessed across a card, its expiry and its code: the card stays the card.
        let got = resolve(vec![f(5, 24, Entity::CreditCard), f(29, 34, Entity::CreditCard), f(40, 43, Entity::CreditCard), f(20, 43, Entity::Organization)]);
        assert_eq!(got, vec![f(5, 24, Entity::CreditCard), f(24, 29, Entity::Organization), f(29, 34, Entity::CreditCard), f(34, 40, Entity::Organization), f(40, 43, Entity::CreditCard)]);
        // Names merge among themselves.
        let got = resolve(vec![f(0, 5, Entity::Person), f(3, 9, Entity::Location)]);
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn context_types_are_cut_around_specific_findings() {
        // A URL holding an email: the email stays whole, the URL keeps the pieces around it.
        let got = resolve(vec![f(0, 40, Entity::Url), f(20, 30, Entity::EmailAddress)]);
        assert_eq!(got, vec![f(0, 20, Entity::Url), f(20, 30, Entity::EmailAddress), f(30, 40, Entity::Url)]);
        // A date that is a date of birth is only the latter.
        let got = resolve(vec![f(5, 15, Entity::DateTime), f(5, 15, Entity::DateOfBirth)]);
        assert_eq!(got, vec![f(5, 15, Entity::DateOfBirth)]);
        // Context types merge among themselves.
        let got = resolve(vec![f(0, 10, Entity::Url), f(5, 12, Entity::DateTime)]);
        assert_eq!(got, vec![f(0, 12, Entity::DateTime)]);
    }
}
