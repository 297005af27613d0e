//! Identifier rules: national ids, tax and registration numbers, licences, plates — one scan
//! of the text for all of them.
//!
//! Sixty regexes of the form `\b[0-9]{11}\b` would each scan every text; instead the text is
//! cut once into *atoms* (runs of ASCII letters, runs of ASCII digits) joined by nothing (a
//! switch between letters and digits, or from lower to upper case: `SSN536…`, `NameMrs`) or by
//! one separator (` `, `-`, `.`, `/`, `:`). Every short run of atoms that could be an
//! identifier becomes a candidate: its canonical value (the letters and digits, upper-cased)
//! and its grouping (the lengths of its separated parts). An [`IdRule`] takes candidates of
//! its lengths and groupings, checks them (checksums, dates, ranges) and, where a bare number
//! of that shape is too common to take on its own, wants a context word nearby.
//!
//! A candidate never starts or ends inside a longer number: digits joined to it by a
//! separator disqualify it (`2024 123 456 789` is not a SIN). It may start right after a
//! glued label (`SIN130692544`) but must end at a separator or the end of the run
//! (`AB8001015009087CD` is not an id).

use crate::detect::{Entity, Finding};

/// When an identifier may stand without a context word nearby.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bare {
    /// Always: the check (or the shape) is strong enough.
    Yes,
    /// Only in one of its separated groupings (`435 418 165`); a plain run needs context.
    Grouped,
    /// Never: the shape is too common (passports, bank accounts, licences).
    No,
}

/// A candidate as a check sees it.
pub struct Id<'a> {
    /// ASCII letters and digits of the value, upper-cased.
    pub canon: &'a str,
    /// The value as written.
    pub raw: &'a str,
    /// Lengths (in canonical chars) of the separated parts; one part when unseparated.
    pub parts: &'a [u8],
}

impl Id<'_> {
    /// Canonical char `i` as a digit value (0 for letters; checks test shapes first).
    pub fn d(&self, i: usize) -> u32 {
        (self.canon.as_bytes()[i] as char).to_digit(10).unwrap_or(0)
    }
    /// Digit values of the canonical chars in `r`.
    pub fn num(&self, r: std::ops::Range<usize>) -> u32 {
        r.fold(0, |a, i| a * 10 + self.d(i))
    }
    /// Does the canonical value match `shape` (`L` letter, `D` digit, `A` either, any other
    /// char: itself)?
    pub fn shape(&self, shape: &str) -> bool {
        let c = self.canon.as_bytes();
        shape.len() == c.len()
            && shape.bytes().zip(c).all(|(s, &x)| match s {
                b'L' => x.is_ascii_uppercase(),
                b'D' => x.is_ascii_digit(),
                b'A' => true,
                s => s == x,
            })
    }
    /// Digit values of the canonical value's digits, in order (no allocation).
    pub fn digits(&self) -> Digits {
        let mut d = Digits { buf: [0; MAX_LEN], len: 0 };
        for b in self.canon.bytes().filter(u8::is_ascii_digit) {
            d.buf[d.len] = b - b'0';
            d.len += 1;
        }
        d
    }
}

/// The digits of a candidate, on the stack.
pub struct Digits {
    buf: [u8; MAX_LEN],
    len: usize,
}

impl std::ops::Deref for Digits {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::ops::DerefMut for Digits {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }
}

/// One identifier type.
pub struct IdRule {
    pub name: &'static str,
    pub entity: Entity,
    /// Does it take values with letters? (`false`: digits only; candidates with letters are
    /// not offered.)
    pub alpha: bool,
    /// Canonical lengths it takes.
    pub lens: &'static [u8],
    /// Separated groupings it takes (part lengths); an unseparated value is always offered.
    pub groups: &'static [&'static [u8]],
    /// Separators allowed between parts.
    pub seps: &'static [u8],
    pub check: fn(&Id) -> bool,
    pub bare: Bare,
    /// Context words (lower case) that vouch for a value nearby, before or after it.
    pub context: &'static [&'static str],
}

const MAX_ATOMS: usize = 9;
const MAX_LEN: usize = 20;
const SEPARATORS: &[u8] = b" -./:";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Join {
    /// First atom of a run.
    Start,
    /// Glued: a switch between letters and digits, or from lower to upper case.
    Glued,
    Sep(u8),
}

#[derive(Debug)]
struct Atom {
    start: usize,
    end: usize,
    digit: bool,
    join: Join,
}

#[cfg(test)]
fn atoms(text: &str) -> Vec<Atom> {
    let mut out = Vec::new();
    atoms_into(text, &mut out);
    out
}

/// Byte classes for the atom scan: 0 other, 1 digit, 2 lower-case letter, 3 upper-case.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = match i as u8 {
            b'0'..=b'9' => 1,
            b'a'..=b'z' => 2,
            b'A'..=b'Z' => 3,
            _ => 0,
        };
        i += 1;
    }
    t
};

fn atoms_into(text: &str, out: &mut Vec<Atom>) {
    out.clear();
    let b = text.as_bytes();
    let mut i = 0;
    let mut pending = Join::Start;
    while i < b.len() {
        let k = CLASS[b[i] as usize];
        if k != 0 {
            let digit = k == 1;
            let mut j = i + 1;
            let mut prev = k;
            // Letters run on through letters (but not from lower to upper case), digits
            // through digits.
            while j < b.len() {
                let n = CLASS[b[j] as usize];
                if n == 0 || (n == 1) != digit || (n == 3 && prev == 2) {
                    break;
                }
                prev = n;
                j += 1;
            }
            let join = match out.last() {
                Some(last) if last.end == i => Join::Glued,
                _ => pending,
            };
            out.push(Atom { start: i, end: j, digit, join });
            pending = Join::Start;
            i = j;
        } else {
            // One separator between two atoms joins them; anything else starts a new run.
            let c = b[i];
            let joins = SEPARATORS.contains(&c) && out.last().is_some_and(|l| l.end == i) && b.get(i + 1).is_some_and(|&x| CLASS[x as usize] != 0);
            pending = if joins { Join::Sep(c) } else { Join::Start };
            i += 1;
        }
    }
}

/// The compiled identifier rules.
pub struct IdRules {
    rules: Vec<IdRule>,
    /// Rule indices by canonical length.
    by_len: Vec<Vec<usize>>,
}

impl IdRules {
    pub fn new(rules: Vec<IdRule>) -> IdRules {
        let mut by_len = vec![Vec::new(); MAX_LEN + 1];
        for (i, r) in rules.iter().enumerate() {
            for &l in r.lens {
                by_len[(l as usize).min(MAX_LEN)].push(i);
            }
        }
        IdRules { rules, by_len }
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rules.iter().map(|r| r.name)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        let rules = std::mem::take(&mut self.rules);
        *self = IdRules::new(rules.into_iter().filter(|r| keep(r.name)).collect());
    }

    pub fn detect(&self, text: &str, out: &mut Vec<Finding>) {
        if self.rules.is_empty() {
            return;
        }
        thread_local! {
            static BUFFERS: std::cell::RefCell<(Vec<Atom>, Vec<u8>, Vec<u8>)> = Default::default();
        }
        BUFFERS.with(|b| match b.try_borrow_mut() {
            Ok(mut b) => {
                let (atoms, canon, parts) = &mut *b;
                self.scan(text, atoms, canon, parts, out);
            }
            // Re-entered on this thread (an embedder's detector calling back): fresh buffers.
            Err(_) => self.scan(text, &mut Vec::new(), &mut Vec::new(), &mut Vec::new(), out),
        });
    }

    fn scan(&self, text: &str, atoms: &mut Vec<Atom>, canon: &mut Vec<u8>, parts: &mut Vec<u8>, out: &mut Vec<Finding>) {
        atoms_into(text, atoms);
        let atoms = &atoms[..];
        let mut lower_cache: Option<String> = None;
        for a in 0..atoms.len() {
            let first = &atoms[a];
            match first.join {
                Join::Start | Join::Sep(_) => {}
                // After a glued word (a label), a value may start: letters then digits, or a
                // case switch.
                Join::Glued => {
                    let prev = &atoms[a - 1];
                    if prev.digit || prev.end - prev.start < 2 {
                        continue;
                    }
                }
            }
            // Not the tail of a longer number.
            if first.digit && matches!(first.join, Join::Sep(_)) && atoms[a - 1].digit {
                continue;
            }
            // Letter starts are short codes before digits (`AB123456C`, `DE 136…`, `HRB 12`);
            // a code separated from its digits has at most three letters.
            if !first.digit {
                let n = first.end - first.start;
                let next = atoms.get(a + 1);
                if n > 6 || !atoms[a + 1..].iter().take(2).any(|x| x.digit) || (n > 3 && next.is_some_and(|x| matches!(x.join, Join::Sep(_)))) {
                    continue;
                }
            }
            canon.clear();
            parts.clear();
            let mut seps: u8 = 0;
            let mut mixed = false;
            let mut letters = false;
            let mut digits = false;
            for b in a..atoms.len().min(a + MAX_ATOMS) {
                let at = &atoms[b];
                if b > a {
                    match at.join {
                        Join::Start => break,
                        Join::Glued => {}
                        Join::Sep(s) => {
                            if seps != 0 && seps != s {
                                mixed = true;
                            }
                            seps = s;
                            parts.push(0);
                        }
                    }
                } else {
                    parts.push(0);
                }
                let piece = &text[at.start..at.end];
                if canon.len() + piece.len() > MAX_LEN || (!at.digit && piece.len() > 6 && b > a) {
                    break;
                }
                canon.extend(piece.bytes().map(|c| c.to_ascii_uppercase()));
                letters |= !at.digit;
                digits |= at.digit;
                *parts.last_mut().expect("pushed above") += piece.len() as u8;
                // Every identifier has a digit; none ends glued to more letters or digits, or
                // before more digits.
                let next = atoms.get(b + 1);
                let ends = match next.map(|n| n.join) {
                    None | Some(Join::Start) => true,
                    Some(Join::Glued) => false,
                    Some(Join::Sep(_)) => !(at.digit && next.is_some_and(|n| n.digit)),
                };
                if !digits || !ends {
                    continue;
                }
                let (s, e) = (first.start, at.end);
                // Atoms are ASCII letters and digits: always UTF-8.
                let Ok(canon) = std::str::from_utf8(canon) else { continue };
                let id = Id { canon, raw: &text[s..e], parts };
                let separated = parts.len() > 1;
                for &r in &self.by_len[canon.len()] {
                    let rule = &self.rules[r];
                    if (letters && !rule.alpha)
                        || (separated && (!rule.seps.contains(&seps) || (mixed && !rule.seps.contains(&b'*')) || !rule.groups.iter().any(|g| *g == &parts[..])))
                        || !(rule.check)(&id)
                    {
                        continue;
                    }
                    let needs_context = match rule.bare {
                        Bare::Yes => false,
                        Bare::Grouped => !separated,
                        Bare::No => true,
                    };
                    if needs_context && !has_context(text, s, e, rule.context, &mut lower_cache) {
                        continue;
                    }
                    out.push(Finding { start: s, end: e, entity: rule.entity, detector: rule.name, score: 0.85 });
                }
            }
        }
    }
}

/// Is one of `words` within 48 bytes before or 32 after `s..e`, as a word of its own (no
/// letter right before or after it: `tin` is not in `continue`, `sin` is in `SIN130…`)? The
/// text is lower-cased once per call of [`IdRules::detect`], only when some candidate needs it.
pub fn has_context(text: &str, s: usize, e: usize, words: &[&str], lower: &mut Option<String>) -> bool {
    let l = lower.get_or_insert_with(|| text.to_lowercase());
    if l.len() != text.len() {
        // Lower-casing changed byte lengths (rare scripts): search the original window.
        let w = window(text, s, e).to_lowercase();
        return words.iter().any(|k| contains_word(&w, k));
    }
    let w = window(l, s, e);
    words.iter().any(|k| contains_word(w, k))
}

/// `word` occurs in `hay` with no letter touching it on either side, save a plural `s` or a
/// compound's `nummer`/`number`/`nr`/`no` (`passports`, `Ausweisnummer`).
pub fn contains_word(hay: &str, word: &str) -> bool {
    let letter = |c: Option<char>| c.is_some_and(char::is_alphabetic);
    hay.match_indices(word).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let rest = &hay[i + word.len()..];
        // Words ending in punctuation (`reg.`, `dl#`) need no boundary after them.
        let open_end = word.ends_with(|c: char| !c.is_alphanumeric());
        let after_ok = open_end
            || !letter(rest.chars().next())
            || ["s", "nummer", "number", "nr", "no"].iter().any(|sfx| rest.strip_prefix(sfx).is_some_and(|r| !letter(r.chars().next())));
        !letter(before) && after_ok
    })
}

fn window(t: &str, s: usize, e: usize) -> &str {
    let (mut a, mut b) = (s.saturating_sub(48), (e + 32).min(t.len()));
    while !t.is_char_boundary(a) {
        a -= 1;
    }
    while !t.is_char_boundary(b) {
        b += 1;
    }
    &t[a..b]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(bare: Bare) -> IdRule {
        IdRule {
            name: "t",
            entity: Entity::CaSin,
            alpha: false,
            lens: &[9],
            groups: &[&[3, 3, 3]],
            seps: b" -",
            check: |id| id.canon.bytes().all(|b| b.is_ascii_digit()),
            bare,
            context: &["sin"],
        }
    }

    fn found(r: &IdRules, t: &str) -> Vec<String> {
        let mut v = Vec::new();
        r.detect(t, &mut v);
        v.iter().map(|f| t[f.start..f.end].to_string()).collect()
    }

    #[test]
    fn candidates_respect_boundaries_and_groupings() {
        let r = IdRules::new(vec![rule(Bare::Grouped)]);
        assert_eq!(found(&r, "no 435 418 165 ok"), ["435 418 165"]);
        assert_eq!(found(&r, "x 435-418-165"), ["435-418-165"]);
        assert!(found(&r, "no 435 418-165").is_empty(), "mixed separators");
        assert!(found(&r, "2024 435 418 165").is_empty(), "tail of a longer number");
        assert!(found(&r, "435 418 165 2024").is_empty(), "head of a longer number");
        assert!(found(&r, "id 435418165").is_empty(), "plain needs context");
        assert_eq!(found(&r, "SIN: 435418165"), ["435418165"]);
        assert_eq!(found(&r, "SIN435418165"), ["435418165"], "glued label");
        assert!(found(&r, "SIN435418165X").is_empty(), "glued at the end");
        assert!(found(&r, "4354181650").is_empty());
    }

    #[test]
    fn atoms_split_at_class_and_case_switches() {
        let a = atoms("NameMrs AB12-cd");
        let spans: Vec<_> = a.iter().map(|x| (x.start, x.end)).collect();
        assert_eq!(spans, [(0, 4), (4, 7), (8, 10), (10, 12), (13, 15)]);
    }
}
