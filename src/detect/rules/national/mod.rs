//! National identifiers, tax, company, health and vehicle numbers, by region group: each file
//! gives its [`IdRule`]s (shape, checksum, when a bare number needs a context word) with
//! positive and checksum-near-miss tests. The scan that offers them candidates is
//! [`super::ids`].

mod americas;
mod asia;
mod de;
mod europe;
mod oceania_africa;
mod uk;

use super::ids::IdRule;

/// Every identifier rule, in catalogue order.
pub fn rules() -> Vec<IdRule> {
    let mut v = americas::rules();
    v.extend(uk::rules());
    v.extend(de::rules());
    v.extend(europe::rules());
    v.extend(asia::rules());
    v.extend(oceania_africa::rules());
    v
}

/// Context words for passports in the languages capture meets most.
pub(crate) const PASSPORT: &[&str] = &["passport", "reisepass", "pasaporte", "passaporto", "passeport", "paspoort", "pass-nr", "pass nr", "passnummer", "여권"];

#[cfg(test)]
pub(crate) mod testutil {
    use crate::detect::rules::ids::IdRules;
    use crate::detect::Entity;
    use std::sync::OnceLock;

    fn set() -> &'static IdRules {
        static SET: OnceLock<IdRules> = OnceLock::new();
        SET.get_or_init(|| IdRules::new(super::rules()))
    }

    /// `(entity, value)` of every finding of the identifier rules alone.
    pub fn ids(text: &str) -> Vec<(Entity, String)> {
        let mut v = Vec::new();
        set().detect(text, &mut v);
        v.into_iter().map(|f| (f.entity, text[f.start..f.end].to_string())).collect()
    }

    /// Each text holds exactly `value` as `entity` (found by some rule of that entity).
    #[track_caller]
    pub fn yes(entity: Entity, cases: &[(&str, &str)]) {
        for (text, value) in cases {
            let got = ids(text);
            assert!(got.iter().any(|(e, v)| *e == entity && v == value), "expected {entity:?} {value:?} in {text:?}, got {got:?}");
        }
    }

    /// None of the texts holds `entity`.
    #[track_caller]
    pub fn no(entity: Entity, texts: &[&str]) {
        for text in texts {
            let got = ids(text);
            assert!(!got.iter().any(|(e, _)| *e == entity), "expected no {entity:?} in {text:?}, got {got:?}");
        }
    }
}
