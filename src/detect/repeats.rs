//! Repeats: once a value is found with confidence (a labelled password, a card with its
//! label, a checked national id), its other occurrences in the same batch or stream are
//! found too, wherever they stand without the label that gave them away.
//!
//! Only keyed 128-bit hashes of canonical values are held (SipHash with random per-instance
//! keys), never a value: [`Repeats::learn`] hashes what the rules found, [`Repeats::sweep`]
//! hashes the candidates of a text of the lengths learned and reports those that match.
//! Structured values are compared by their letters and digits (`4111 1111 1111 1111` and
//! `4111-1111-1111-1111` are one card); passwords and secrets byte for byte. Short values
//! are never learned (a 4-digit PIN everywhere would take every year with it), and the set is
//! bounded.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use super::{Entity, Finding, ValueForm};

/// Structured values shorter than this (letters and digits) are not learned.
const MIN_ALNUM: usize = 7;
/// Passwords and secrets shorter than this are not learned.
const MIN_EXACT: usize = 6;
/// Lengths are tracked up to this; longer values are not learned.
const MAX_LEN: usize = 63;
/// Values held at most; learning stops beyond (what is known is still swept for).
const CAP: usize = 1 << 16;

/// Hashes of values found with confidence, and how to find them again.
#[derive(Clone, Default)]
pub struct Repeats {
    keys: (RandomState, RandomState),
    set: HashSet<(u128, Kind)>,
    /// Entity of each learned hash (a repeat is reported as what it was found as).
    entities: std::collections::HashMap<u128, Entity>,
    alnum_lens: u64,
    exact_lens: u64,
}

/// Never prints a value or a hash.
impl std::fmt::Debug for Repeats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Repeats {{ values: {} }}", self.set.len())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Alnum,
    Exact,
}

/// How a finding's value is compared, if it is one to learn: found by a rule (not the NER
/// model) with a validator or a label, of an entity whose every occurrence is personal.
fn kind(f: &Finding) -> Option<Kind> {
    if f.detector == "ner" || f.entity.is_context() || f.score < 0.8 {
        return None;
    }
    match f.entity {
        Entity::Password | Entity::Secret => Some(Kind::Exact),
        // Dates, ages, postcodes and names recur innocently; an expiry or a CVV is short.
        Entity::DateOfBirth | Entity::Age | Entity::PostalCode | Entity::DePlz | Entity::UkPostcode | Entity::Person | Entity::Location | Entity::Organization => None,
        Entity::EmailAddress | Entity::Crypto | Entity::IpAddress | Entity::MacAddress => None,
        Entity::CreditCard if f.detector != "credit_card" => None,
        e => matches!(e.value_form(), ValueForm::Digits | ValueForm::Alnum).then_some(Kind::Alnum),
    }
}

impl Repeats {
    pub fn new() -> Repeats {
        Repeats::default()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// How many values are held.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    fn hash(&self, kind: Kind, bytes: &[u8]) -> u128 {
        let tag = [kind as u8];
        let h = |s: &RandomState| {
            use std::hash::Hasher;
            let mut h = s.build_hasher();
            h.write(&tag);
            h.write(bytes);
            h.finish()
        };
        ((h(&self.keys.0) as u128) << 64) | h(&self.keys.1) as u128
    }

    /// Learns the confident findings of `text`.
    pub fn learn(&mut self, text: &str, findings: &[Finding]) {
        for f in findings {
            if self.set.len() >= CAP {
                return;
            }
            let (Some(kind), Some(value)) = (kind(f), text.get(f.start..f.end)) else { continue };
            let canon: Vec<u8> = match kind {
                Kind::Alnum => value.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_uppercase()).collect(),
                Kind::Exact => value.as_bytes().to_vec(),
            };
            let min = if kind == Kind::Alnum { MIN_ALNUM } else { MIN_EXACT };
            if canon.len() < min || canon.len() > MAX_LEN {
                continue;
            }
            let h = self.hash(kind, &canon);
            self.set.insert((h, kind));
            self.entities.entry(h).or_insert(f.entity);
            match kind {
                Kind::Alnum => self.alnum_lens |= 1 << canon.len(),
                Kind::Exact => self.exact_lens |= 1 << canon.len(),
            }
        }
    }

    /// Appends a finding for every occurrence in `text` of a learned value.
    pub fn sweep(&self, text: &str, out: &mut Vec<Finding>) {
        if self.set.is_empty() {
            return;
        }
        if self.alnum_lens != 0 {
            self.sweep_alnum(text, out);
        }
        if self.exact_lens != 0 {
            self.sweep_exact(text, out);
        }
    }

    fn found(&self, h: u128, kind: Kind, start: usize, end: usize, out: &mut Vec<Finding>) {
        if self.set.contains(&(h, kind)) {
            let entity = self.entities.get(&h).copied().unwrap_or(Entity::Secret);
            out.push(Finding { start, end, entity, detector: "repeat", score: 0.9 });
        }
    }

    /// Runs of letters or digits joined by at most one separator (` -./`) or glued: every run
    /// of whole atoms whose letters and digits have a learned length.
    fn sweep_alnum(&self, text: &str, out: &mut Vec<Finding>) {
        let b = text.as_bytes();
        // Atoms: (start, end, joined to the previous one).
        let mut atoms: Vec<(usize, usize, bool)> = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_alphanumeric() {
                let digit = b[i].is_ascii_digit();
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_alphanumeric() && b[j].is_ascii_digit() == digit {
                    j += 1;
                }
                let joined = atoms.last().is_some_and(|&(_, e, _)| e == i || (e + 1 == i && matches!(b[e], b' ' | b'-' | b'.' | b'/')));
                atoms.push((i, j, joined));
                i = j;
            } else {
                i += 1;
            }
        }
        let mut canon: Vec<u8> = Vec::with_capacity(MAX_LEN);
        for a in 0..atoms.len() {
            canon.clear();
            for (k, &(s, e, joined)) in atoms[a..].iter().enumerate() {
                if k > 0 && !joined {
                    break;
                }
                canon.extend(b[s..e].iter().map(u8::to_ascii_uppercase));
                if canon.len() > MAX_LEN {
                    break;
                }
                if self.alnum_lens & (1 << canon.len()) != 0 {
                    // Whole atoms only: not the middle of a longer number or word.
                    self.found(self.hash(Kind::Alnum, &canon), Kind::Alnum, atoms[a].0, e, out);
                }
            }
        }
    }

    /// Values bounded by spaces, quotes, brackets and assignment or list punctuation.
    fn sweep_exact(&self, text: &str, out: &mut Vec<Finding>) {
        let b = text.as_bytes();
        let opens = |c: u8| c.is_ascii_whitespace() || b"\"'=:(<[{,;/@`".contains(&c);
        let closes = |c: u8| c.is_ascii_whitespace() || b"\"'):>]},;/@&.!?`".contains(&c);
        let starts: Vec<usize> = (0..b.len()).filter(|&i| (i == 0 || opens(b[i - 1])) && !b[i].is_ascii_whitespace()).collect();
        let ends: Vec<usize> = (1..=b.len()).filter(|&e| e == b.len() || closes(b[e])).collect();
        for &s in &starts {
            if !text.is_char_boundary(s) {
                continue;
            }
            let first = ends.partition_point(|&e| e <= s);
            for &e in &ends[first..] {
                let n = e - s;
                if n > MAX_LEN {
                    break;
                }
                if self.exact_lens & (1 << n) != 0 && text.is_char_boundary(e) {
                    self.found(self.hash(Kind::Exact, &b[s..e]), Kind::Exact, s, e, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(text: &str, value: &str, entity: Entity, detector: &'static str) -> Finding {
        let start = text.find(value).unwrap();
        Finding { start, end: start + value.len(), entity, detector, score: 0.9 }
    }

    fn swept(r: &Repeats, text: &str) -> Vec<(Entity, String)> {
        let mut v = Vec::new();
        r.sweep(text, &mut v);
        v.into_iter().map(|x| (x.entity, text[x.start..x.end].to_string())).collect()
    }

    #[test]
    fn a_labelled_password_is_found_again_alone() {
        let mut r = Repeats::new();
        let t = "password: hunter22!";
        r.learn(t, &[f(t, "hunter22!", Entity::Password, "password_assignment")]);
        assert_eq!(swept(&r, "I typed hunter22! again, then 'hunter22!'."), vec![(Entity::Password, "hunter22!".into()), (Entity::Password, "hunter22!".into())]);
        assert!(swept(&r, "hunter22 and xhunter22!x").is_empty());
    }

    #[test]
    fn structured_values_match_across_separators() {
        let mut r = Repeats::new();
        let t = "card 4111 1111 1111 1111";
        r.learn(t, &[f(t, "4111 1111 1111 1111", Entity::CreditCard, "credit_card")]);
        assert_eq!(swept(&r, "paid with 4111-1111-1111-1111 ok"), vec![(Entity::CreditCard, "4111-1111-1111-1111".into())]);
        assert_eq!(swept(&r, "Card4111111111111111"), vec![(Entity::CreditCard, "4111111111111111".into())]);
        assert!(swept(&r, "94111111111111111 and 4111 1111 1111 11112").is_empty());
    }

    #[test]
    fn unconfident_short_and_innocent_values_are_not_learned() {
        let mut r = Repeats::new();
        let t = "pw: abc ner Jane Doe zip 94105 exp 12/27 key abcdefghijklmnop";
        r.learn(t, &[
            f(t, "abc", Entity::Password, "password_label"),
            f(t, "Jane Doe", Entity::Person, "ner"),
            f(t, "94105", Entity::PostalCode, "postal_code"),
            f(t, "12/27", Entity::CreditCard, "card_expiry"),
            Finding { score: 0.7, ..f(t, "abcdefghijklmnop", Entity::Secret, "keyword_high_entropy") },
        ]);
        assert!(r.is_empty());
        assert_eq!(format!("{r:?}"), "Repeats { values: 0 }");
    }
}
