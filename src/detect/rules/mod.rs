//! Regex rules with validators: the structured-PII and secrets detector.
//!
//! A [`Rule`] is a pattern, the capture group that holds the value, an optional validator
//! (checksum, range, entropy) and a prefilter saying when the rule can possibly match: some
//! literal occurs (found for all rules at once by one Aho-Corasick pass), or the text has a
//! digit. Only rules whose prefilter fires run their regex, so a short UI string usually costs
//! one automaton scan and a handful of regex searches. Patterns avoid Unicode classes where
//! ASCII is meant (`[0-9]`, ASCII `\b`), which keeps the regex engine on its fast paths.
//!
//! The catalogue lives in [`pii`], [`finance`] and [`secrets`]; [`RuleSet::builtin`] compiles it.

pub mod finance;
mod glued;
pub mod pii;
pub mod secrets;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use super::{Detector, Entity, Finding};

/// When a rule can match at all.
#[derive(Debug, Clone, Copy)]
pub enum Needs {
    /// Always run.
    Always,
    /// Only when the text holds an ASCII digit.
    Digit,
    /// Only when one of these literals occurs (ASCII case-insensitive).
    Literals(&'static [&'static str]),
}

/// A regex match offered to a validator.
pub struct Candidate<'a> {
    /// The whole text being searched.
    pub text: &'a str,
    /// Byte span of the value (the rule's group) in `text`.
    pub start: usize,
    pub end: usize,
}

impl Candidate<'_> {
    pub fn value(&self) -> &str {
        &self.text[self.start..self.end]
    }
    /// The text just before the value (at most `n` bytes, on a char boundary).
    pub fn before(&self, n: usize) -> &str {
        let mut s = self.start.saturating_sub(n);
        while !self.text.is_char_boundary(s) {
            s -= 1;
        }
        &self.text[s..self.start]
    }
    pub fn after(&self, n: usize) -> &str {
        let mut e = (self.end + n).min(self.text.len());
        while !self.text.is_char_boundary(e) {
            e += 1;
        }
        &self.text[self.end..e]
    }
}

/// A validator: `None` rejects; `Some((start, end))` accepts, possibly narrowing the span.
pub type Check = Box<dyn Fn(&Candidate) -> Option<(usize, usize)> + Send + Sync>;

/// Accept-or-reject validator from a predicate on the value.
pub fn check(f: impl Fn(&str) -> bool + Send + Sync + 'static) -> Option<Check> {
    Some(Box::new(move |c: &Candidate| f(c.value()).then_some((c.start, c.end))))
}

/// A rule before compilation.
pub struct Rule {
    pub name: &'static str,
    pub entity: Entity,
    pub pattern: String,
    /// Capture group holding the value; 0 for the whole match. With alternatives (quoted or
    /// bare values), the first group from this one on that took part in the match.
    pub group: usize,
    pub needs: Needs,
    pub check: Option<Check>,
    pub score: f32,
}

impl Rule {
    pub fn new(name: &'static str, entity: Entity, pattern: impl Into<String>, needs: Needs) -> Rule {
        Rule { name, entity, pattern: pattern.into(), group: 0, needs, check: None, score: 0.9 }
    }
    pub fn group(mut self, g: usize) -> Rule {
        self.group = g;
        self
    }
    pub fn check(mut self, c: Option<Check>) -> Rule {
        self.check = c;
        self
    }
    pub fn score(mut self, s: f32) -> Rule {
        self.score = s;
        self
    }
}

struct Compiled {
    rule: Rule,
    regex: Regex,
}

/// Settings the catalogue needs.
#[derive(Debug, Clone)]
pub struct RuleConfig {
    /// Regions (ISO 3166 alpha-2) in which national-format phone numbers are checked.
    pub phone_regions: Vec<String>,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig { phone_regions: vec!["US".into(), "GB".into(), "DE".into(), "FR".into()] }
    }
}

/// Every built-in rule, in catalogue order.
pub fn catalogue(cfg: &RuleConfig) -> Vec<Rule> {
    let mut rules = pii::rules(cfg);
    rules.extend(finance::rules());
    rules.extend(secrets::rules());
    rules
}

/// A compiled set of rules; the regex detector.
pub struct RuleSet {
    rules: Vec<Compiled>,
    prefilter: Option<AhoCorasick>,
    /// For each prefilter literal, the rules it enables.
    literal_rules: Vec<Vec<usize>>,
}

/// A rule failed to compile: a bug in the catalogue, named by rule.
#[derive(Debug, thiserror::Error)]
#[error("rule {name} does not compile: {message}")]
pub struct RuleError {
    pub name: &'static str,
    pub message: String,
}

impl RuleSet {
    /// The built-in catalogue.
    pub fn builtin(cfg: &RuleConfig) -> Result<RuleSet, RuleError> {
        RuleSet::new(catalogue(cfg))
    }

    /// The built-in catalogue less the named rules; an unknown name is an error.
    pub fn builtin_except(cfg: &RuleConfig, disabled: &[String]) -> Result<RuleSet, RuleError> {
        let mut rules = catalogue(cfg);
        if let Some(bad) = disabled.iter().find(|d| !rules.iter().any(|r| r.name == d.as_str())) {
            return Err(RuleError { name: "disabled_rules", message: format!("no rule is named {bad:?}; `veil rules` lists them") });
        }
        rules.retain(|r| !disabled.iter().any(|d| d == r.name));
        RuleSet::new(rules)
    }

    pub fn new(rules: Vec<Rule>) -> Result<RuleSet, RuleError> {
        let mut literals: Vec<&'static str> = Vec::new();
        let mut literal_rules: Vec<Vec<usize>> = Vec::new();
        let mut compiled = Vec::with_capacity(rules.len());
        for (i, rule) in rules.into_iter().enumerate() {
            let regex = regex::RegexBuilder::new(&rule.pattern)
                .size_limit(1 << 24)
                .build()
                .map_err(|e| RuleError { name: rule.name, message: e.to_string() })?;
            if let Needs::Literals(ls) = rule.needs {
                for l in ls {
                    match literals.iter().position(|x| x.eq_ignore_ascii_case(l)) {
                        Some(p) => literal_rules[p].push(i),
                        None => {
                            literals.push(l);
                            literal_rules.push(vec![i]);
                        }
                    }
                }
            }
            compiled.push(Compiled { rule, regex });
        }
        let prefilter = if literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&literals)
                    .map_err(|e| RuleError { name: "prefilter", message: e.to_string() })?,
            )
        };
        Ok(RuleSet { rules: compiled, prefilter, literal_rules })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Names of the rules, in catalogue order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rules.iter().map(|c| c.rule.name)
    }
}

impl Detector for RuleSet {
    fn detect(&self, text: &str, out: &mut Vec<Finding>) {
        self.detect_plain(text, out);
        // Values glued to their label (`SSN536-22-1234`): found in a shadow with the glued
        // points made boundaries, kept only where they start at such a point.
        for p in glued::points(text) {
            let (shadow, base) = glued::window(text, p);
            let at = p - base + 1;
            let mut found = Vec::new();
            self.detect_plain(&shadow, &mut found);
            out.extend(found.into_iter().filter(|f| f.start == at && f.end > at).map(|f| Finding { start: base + f.start - 1, end: base + f.end - 1, ..f }));
        }
    }
}

impl RuleSet {
    fn detect_plain(&self, text: &str, out: &mut Vec<Finding>) {
        if text.is_empty() {
            return;
        }
        let has_digit = text.bytes().any(|b| b.is_ascii_digit());
        let mut active: Vec<bool> = self
            .rules
            .iter()
            .map(|c| match c.rule.needs {
                Needs::Always => true,
                Needs::Digit => has_digit,
                Needs::Literals(_) => false,
            })
            .collect();
        if let Some(ac) = &self.prefilter {
            for m in ac.find_overlapping_iter(text) {
                for &r in &self.literal_rules[m.pattern().as_usize()] {
                    active[r] = true;
                }
            }
        }
        for (c, _) in self.rules.iter().zip(&active).filter(|(_, &a)| a) {
            let mut emit = |start: usize, end: usize| {
                let cand = Candidate { text, start, end };
                let span = match &c.rule.check {
                    Some(f) => f(&cand),
                    None => Some((start, end)),
                };
                if let Some((s, e)) = span {
                    let (s, e) = crate::detect::snap(text, s, e);
                    out.push(Finding { start: s, end: e, entity: c.rule.entity, detector: c.rule.name, score: c.rule.score });
                }
            };
            if c.rule.group == 0 {
                for m in c.regex.find_iter(text) {
                    emit(m.start(), m.end());
                }
            } else {
                for caps in c.regex.captures_iter(text) {
                    if let Some(m) = (c.rule.group..caps.len()).find_map(|g| caps.get(g)) {
                        emit(m.start(), m.end());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use std::sync::OnceLock;

    pub fn set() -> &'static RuleSet {
        static SET: OnceLock<RuleSet> = OnceLock::new();
        SET.get_or_init(|| RuleSet::builtin(&RuleConfig::default()).unwrap())
    }

    /// `(entity, value)` of every resolved finding.
    pub fn found(text: &str) -> Vec<(Entity, String)> {
        let mut v = Vec::new();
        set().detect(text, &mut v);
        crate::detect::resolve(v).into_iter().map(|f| (f.entity, text[f.start..f.end].to_string())).collect()
    }

    /// Asserts `value` (inside `text`) is found as `entity`, covering at least the value.
    #[track_caller]
    pub fn assert_found(text: &str, entity: Entity, value: &str) {
        let got = found(text);
        assert!(
            got.iter().any(|(e, v)| *e == entity && v.contains(value)),
            "expected {entity:?} {value:?} in {text:?}, got {got:?}"
        );
    }

    #[track_caller]
    pub fn assert_none(text: &str, entity: Entity) {
        let got = found(text);
        assert!(!got.iter().any(|(e, _)| *e == entity), "expected no {entity:?} in {text:?}, got {got:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn catalogue_compiles() {
        assert!(set().len() > 40);
    }

    /// Every space a mail client or an HTML page writes, before and inside values: no panic,
    /// and the value is still found.
    #[test]
    fn unicode_spaces_never_panic() {
        for ws in ['\u{a0}', '\u{2003}', '\u{3000}', '\u{202f}', '\u{85}', '\u{1680}', '\u{2028}', '\u{feff}', '\u{200b}'] {
            let text = format!("mail{ws}jane.doe@example.com{ws}or{ws}call{ws}+1 415-555-2671{ws}");
            assert_found(&text, Entity::EmailAddress, "jane.doe@example.com");
            assert_found(&text, Entity::PhoneNumber, "415-555-2671");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Arbitrary Unicode mixed with pieces of every rule's shapes: no rule panics, and every
        /// span lies on char boundaries inside the text.
        #[test]
        fn spans_are_on_char_boundaries(parts in proptest::collection::vec(proptest::prop_oneof![
            proptest::string::string_regex("\\PC{0,6}").unwrap(),
            proptest::sample::select(vec!["jane.doe@example.com", "+1 415-555-2671", "4111 1111 1111 1111", "536-22-1234",
                "GB82 WEST 1234 5698 7654 32", "password=", "token: ", "https://u:p@h/", "AKIAIOSFODNN7EXAMPLE", "DOB: ",
                "::ffff:", "192.168.", "eyJhbGciOiJIUzI1NiJ9.", "curl -u ", "-----BEGIN PRIVATE KEY-----", "\u{a0}", "\u{3000}", "é", "👍"])
                .prop_map(str::to_string),
        ], 0..12)) {
            let text: String = parts.concat();
            let mut v = Vec::new();
            set().detect(&text, &mut v);
            for f in crate::detect::resolve_in(&text, v) {
                proptest::prop_assert!(f.start < f.end && f.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
            }
        }
    }

    /// Record cells concatenated without a separator (issue 11): the value is found, its label
    /// is not swallowed, and letters glued to digits inside words find nothing new.
    #[test]
    fn values_glued_to_labels() {
        for (text, entity, value) in [
            ("SSN536-22-1234", Entity::UsSsn, "536-22-1234"),
            ("Card4111111111111111", Entity::CreditCard, "4111111111111111"),
            ("IBANDE89370400440532013000", Entity::IbanCode, "DE89370400440532013000"),
            ("ibanDE89 3704 0044 0532 0130 00", Entity::IbanCode, "DE89 3704 0044 0532 0130 00"),
            ("Phone001-415-555-0132", Entity::PhoneNumber, "001-415-555-0132"),
            ("Mobile+1 415-555-2671", Entity::PhoneNumber, "+1 415-555-2671"),
        ] {
            let got = found(text);
            assert!(got.iter().any(|(e, v)| *e == entity && v == value), "expected {entity:?} {value:?} alone in {text:?}, got {got:?}");
        }
        assert!(found("sha256 utf8 x86_64 h264 v2024 md5sum").is_empty());
        assert_found("jane2@example.com", Entity::EmailAddress, "jane2@example.com");
    }

    #[test]
    fn prefilter_gates_rules() {
        let rs = RuleSet::new(vec![Rule::new("x", Entity::Secret, "abc[0-9]+", Needs::Literals(&["ABC"]))]).unwrap();
        let mut v = Vec::new();
        rs.detect("xx abc123", &mut v);
        assert_eq!(v.len(), 1);
        v.clear();
        rs.detect("nothing here 123", &mut v);
        assert!(v.is_empty());
    }
}
