//! Regex rules with validators: the structured-PII and secrets detector.
//!
//! A [`Rule`] is a pattern, the capture group that holds the value, an optional validator
//! (checksum, range, entropy) and a prefilter saying when the rule can possibly match: some
//! literal occurs (found for all rules at once by one Aho-Corasick pass), or the text has a
//! digit. Only rules whose prefilter fires run their regex, so a short UI string usually costs
//! one automaton scan and a handful of regex searches. Patterns avoid Unicode classes where
//! ASCII is meant (`[0-9]`, ASCII `\b`), which keeps the regex engine on its fast paths.
//!
//! Identifiers with many national shapes (ids, tax, company, vehicle numbers) are not
//! regexes: [`ids`] finds them all in one scan of the text, with the rules of [`national`].
//!
//! The catalogue lives in [`pii`], [`address`], [`orgs`], [`phone`], [`urls`], [`datetime`], [`words`], [`finance`],
//! [`credentials`], [`secrets`] and [`national`]; [`RuleSet::builtin`] compiles it. Rules read
//! the normalised shadow of a text ([`crate::detect::normalize`]); their spans are mapped back
//! by the caller.

pub mod address;
pub mod credentials;
pub mod datetime;
pub mod finance;
pub mod ids;
pub mod national;
pub mod orgs;
pub mod phone;
mod glued;
pub mod pii;
pub mod secrets;
pub mod urls;
pub mod words;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_automata::meta::{self, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::util::pool::Pool;
use regex_automata::Input;
use rayon::prelude::*;

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
    /// Only when the text holds an ASCII digit and one of these literals.
    DigitAnd(&'static [&'static str]),
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

/// Rules that find what the NER model finds too (organisation names, address parts, and the
/// address blocks they anchor): switched off where the model alone is measured.
pub fn model_like_rules() -> impl Iterator<Item = &'static str> {
    address::RULES.into_iter().chain(orgs::RULES)
}

/// Every built-in regex rule, in catalogue order.
pub fn catalogue(cfg: &RuleConfig) -> Vec<Rule> {
    let mut rules = pii::rules();
    rules.extend(address::rules());
    rules.extend(orgs::rules());
    rules.push(phone::rule(cfg));
    rules.extend(urls::rules());
    rules.extend(datetime::rules());
    rules.extend(words::rules());
    rules.extend(finance::rules());
    rules.extend(credentials::rules());
    rules.extend(secrets::rules());
    rules
}

/// Which rules run on a text, one bit each.
type Bits = [u64; 4];
const MAX_RULES: usize = 256;

/// Per-thread search state of every regex (their caches and capture slots), taken from a
/// pool once per text rather than once per regex: with the regexes' own pools, threads other
/// than the first to use a regex paid a lock for each of the ~150 searches of every text.
struct Scratch {
    caches: Vec<meta::Cache>,
    caps: Vec<Captures>,
}

type ScratchPool = Pool<Scratch, Box<dyn Fn() -> Scratch + Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>>;

/// A compiled set of rules; the regex detector.
pub struct RuleSet {
    rules: Vec<Compiled>,
    prefilter: Option<AhoCorasick>,
    /// For each prefilter literal, the rules it enables.
    literal_bits: Vec<Bits>,
    /// Rules that always run, those that run on texts with a digit, and those that never run
    /// on texts without one.
    always: Bits,
    digit: Bits,
    digit_required: Bits,
    scratch: ScratchPool,
    /// Identifier rules, run in one scan when the text has a digit.
    ids: ids::IdRules,
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
        RuleSet::builtin_except(cfg, &[])
    }

    /// The built-in catalogue less the named rules; an unknown name is an error.
    pub fn builtin_except(cfg: &RuleConfig, disabled: &[String]) -> Result<RuleSet, RuleError> {
        let mut rules = catalogue(cfg);
        let mut ids = ids::IdRules::new(national::rules());
        if let Some(bad) = disabled.iter().find(|d| !rules.iter().any(|r| r.name == d.as_str()) && !ids.names().any(|n| n == d.as_str())) {
            return Err(RuleError { name: "disabled_rules", message: format!("no rule is named {bad:?}; `veil rules` lists them") });
        }
        rules.retain(|r| !disabled.iter().any(|d| d == r.name));
        ids.retain(|n| !disabled.iter().any(|d| d == n));
        // The phone rule's metadata loads beside the regexes' compilation, at construction
        // rather than on the first event that holds a number.
        let (_, set) = rayon::join(phone::warm, || RuleSet::new(rules));
        let mut set = set?;
        set.ids = ids;
        Ok(set)
    }

    /// A rule set of these regex rules alone (no identifier rules).
    pub fn new(rules: Vec<Rule>) -> Result<RuleSet, RuleError> {
        if rules.len() > MAX_RULES {
            return Err(RuleError { name: "catalogue", message: format!("{} rules, at most {MAX_RULES}", rules.len()) });
        }
        let mut literals: Vec<&'static str> = Vec::new();
        let mut literal_bits: Vec<Bits> = Vec::new();
        let (mut always, mut digit, mut digit_required) = ([0u64; 4], [0u64; 4], [0u64; 4]);
        let mut compiled = Vec::with_capacity(rules.len());
        // Compiling the catalogue's ~150 regexes is most of an engine's start-up (~120 ms on
        // one core, Unicode classes into automata): each compiles on its own, side by side.
        let regexes: Vec<Regex> = rules
            .par_iter()
            .map(|rule| {
                Regex::builder()
                    .configure(Regex::config().nfa_size_limit(Some(1 << 24)))
                    .build(&rule.pattern)
                    .map_err(|e| RuleError { name: rule.name, message: e.to_string() })
            })
            .collect::<Result<_, _>>()?;
        for (i, (rule, regex)) in rules.into_iter().zip(regexes).enumerate() {
            match rule.needs {
                Needs::Always => always[i / 64] |= 1 << (i % 64),
                Needs::Digit => digit[i / 64] |= 1 << (i % 64),
                Needs::Literals(ls) | Needs::DigitAnd(ls) => {
                    if matches!(rule.needs, Needs::DigitAnd(_)) {
                        digit_required[i / 64] |= 1 << (i % 64);
                    }
                    for l in ls {
                        let p = match literals.iter().position(|x| x.eq_ignore_ascii_case(l)) {
                            Some(p) => p,
                            None => {
                                literals.push(l);
                                literal_bits.push([0; 4]);
                                literals.len() - 1
                            }
                        };
                        literal_bits[p][i / 64] |= 1 << (i % 64);
                    }
                }
            }
            compiled.push(Compiled { rule, regex });
        }
        let regexes: Vec<Regex> = compiled.iter().map(|c| c.regex.clone()).collect();
        let scratch: ScratchPool = Pool::new(Box::new(move || Scratch {
            caches: regexes.iter().map(Regex::create_cache).collect(),
            caps: regexes.iter().map(Regex::create_captures).collect(),
        }));
        let prefilter = if literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    // A DFA (~3.4 MB for the ~700 literals): a third less time per text than
                    // the contiguous NFA on the budget workloads (callgrind, 1 thread).
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&literals)
                    .map_err(|e| RuleError { name: "prefilter", message: e.to_string() })?,
            )
        };
        Ok(RuleSet { rules: compiled, prefilter, literal_bits, always, digit, digit_required, scratch, ids: ids::IdRules::new(Vec::new()) })
    }

    pub fn len(&self) -> usize {
        self.rules.len() + self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Names of the rules, in catalogue order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rules.iter().map(|c| c.rule.name).chain(self.ids.names())
    }
}

impl Detector for RuleSet {
    fn detect(&self, text: &str, out: &mut Vec<Finding>) {
        self.detect_plain(text, out);
        // Values glued to their label (`SSN536-22-1234`): found in a shadow with the glued
        // points made boundaries, kept only where they start at such a point, and not inside
        // a value the plain pass found (the shadow has lost the text before the label: the
        // `690|MPD@db.internal` of a URL's password is not a mailbox).
        let plain = out.len();
        for p in glued::points(text) {
            if out[..plain].iter().any(|f| !f.entity.is_context() && f.start < p && p < f.end) {
                continue;
            }
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
        let mut active: Bits = self.always;
        if has_digit {
            (0..4).for_each(|w| active[w] |= self.digit[w]);
        }
        if let Some(ac) = &self.prefilter {
            for m in ac.find_overlapping_iter(text) {
                let bits = &self.literal_bits[m.pattern().as_usize()];
                (0..4).for_each(|w| active[w] |= bits[w]);
            }
        }
        if !has_digit {
            (0..4).for_each(|w| active[w] &= !self.digit_required[w]);
        }
        let mut scratch = self.scratch.get();
        let Scratch { caches, caps } = &mut *scratch;
        for (w, &bits) in active.iter().enumerate() {
            let mut word = bits;
            while word != 0 {
                let i = w * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let c = &self.rules[i];
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
                let (cache, caps) = (&mut caches[i], &mut caps[i]);
                let mut at = 0;
                while at <= text.len() {
                    let input = Input::new(text).span(at..text.len());
                    let (s, e) = if c.rule.group == 0 {
                        match c.regex.search_with(cache, &input) {
                            Some(m) => (m.start(), m.end()),
                            None => break,
                        }
                    } else {
                        c.regex.search_captures_with(cache, &input, caps);
                        let Some(m) = caps.get_match() else { break };
                        if let Some(g) = (c.rule.group..caps.group_len()).find_map(|g| caps.get_group(g)) {
                            emit(g.start, g.end);
                        }
                        (m.start(), m.end())
                    };
                    if c.rule.group == 0 {
                        emit(s, e);
                    }
                    // Past the match; past one char after an empty one.
                    at = if e > s { e } else { e + text[e..].chars().next().map_or(1, char::len_utf8) };
                }
            }
        }
        drop(scratch);
        if has_digit {
            self.ids.detect(text, out);
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

    /// `(entity, value)` of every resolved finding, detected on the normalised shadow and
    /// mapped back, as the engine does.
    pub fn found(text: &str) -> Vec<(Entity, String)> {
        let shadow = crate::detect::normalize::Shadow::new(text);
        let mut v = Vec::new();
        set().detect(shadow.text(), &mut v);
        shadow.map(&mut v);
        crate::detect::resolve_in(text, v).into_iter().map(|f| (f.entity, text[f.start..f.end].to_string())).collect()
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
                "::ffff:", "192.168.", "eyJhbGciOiJIUzI1NiJ9.", "curl -u ", "-----BEGIN PRIVATE KEY-----", "\u{a0}", "\u{3000}", "é", "👍",
                "SSN", "Card", "DE136695976", "010594Y9032", "%40", "%C3", "&#64;", "[at]", " (dot) ", "\u{200b}", "\u{ad}", "\u{ff14}", "\n", "\t",
                "https://x.io/in/", "?name=", "Passwort: ", "mysql -p", "Cookie: ", "exp 12/27", "CVV ", "2024-05-12T10:00Z", "HRB "])
                .prop_map(str::to_string),
        ], 0..12)) {
            let text: String = parts.concat();
            let shadow = crate::detect::normalize::Shadow::new(&text);
            let mut v = Vec::new();
            set().detect(shadow.text(), &mut v);
            shadow.map(&mut v);
            for f in crate::detect::resolve_in(&text, v) {
                proptest::prop_assert!(f.start < f.end && f.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
            }
        }
    }

    /// Record cells concatenated without a separator (issue 11): the value is found, its label
    /// is not swallowed, and letters glued to digits inside words find nothing new.
    #[test]
    fn glued_values_inside_urls() {
        // Inside a URL (a context finding) a glued card is still found.
        assert_found("https://shop.example/pay?note=Card4111111111111111", Entity::CreditCard, "4111111111111111");
    }

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
