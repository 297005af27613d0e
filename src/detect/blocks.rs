//! Address blocks: the lines around a street address that belong to it. Signatures, letters,
//! shipping labels and contact cards set an address out line by line (name, organisation,
//! street, unit, town, country and postcode), and the NER model misses the short lines of
//! such a block (`Factset`, `Pigenia`, `Tonga 44249`) because nothing around them says what
//! they are. Once a rule has found a street, unit, post-office box or military address, the
//! block's other short lines are covered too: lines after the street as LOCATION (town,
//! region, country, postcode), lines before it as ORGANIZATION (the organisation a signature
//! names above its address), unless a person's name already covers them.
//!
//! It must never reach past the block: it walks line by line from the address and stops at
//! the first line that does not look like a block line (a sentence, a label ending in `:`, a
//! field label alone, more than a few words, two blank lines), and it never widens a finding
//! inside a sentence.

use super::{Entity, Finding};

/// Lines walked before and after the anchor's line.
const ABOVE: usize = 3;
const BELOW: usize = 4;

/// Field labels that stand alone on a line of a form, not part of an address.
const LABELS: &[&str] = &[
    "name", "address", "street", "city", "town", "state", "region", "country", "zip", "zip code", "postcode", "postal code",
    "phone", "email", "e-mail", "company", "organisation", "organization", "mobile", "fax", "tel", "web", "website", "ship to",
    "bill to", "billing address", "shipping address", "from", "to",
];

/// Lower-case words an address line holds: street types and the particles of names.
const PARTICLES: &[&str] = &[
    "rue", "via", "viale", "calle", "rua", "quai", "chemin", "avenue", "allée", "allee", "place", "impasse", "strada", "ulica", "ul",
    "aleja", "rambla", "paseo", "plaza", "carrer", "travessa", "largo", "praça", "piazza", "corso", "boulevard", "bd", "rang",
    "montée", "route", "de", "del", "della", "dei", "delle", "des", "du", "la", "le", "les", "da", "do", "dos", "das", "di", "d",
    "l", "van", "von", "der", "den", "ter", "te", "y", "e", "et", "und", "am", "an", "im", "bei", "sur", "sous", "upon", "út",
    "utca", "u", "str", "straße", "strasse", "gasse", "weg", "vej", "gatan", "gata", "gade", "laan", "straat", "st", "bis",
];

/// Covers the short lines of the blocks around address findings in `text` (appends findings).
pub fn address_blocks(text: &str, found: &mut Vec<Finding>) {
    let mut anchors: Vec<usize> = found.iter().filter(|f| super::rules::address::RULES.contains(&f.detector)).map(|f| f.start).collect();
    anchors.sort_unstable();
    if anchors.is_empty() {
        return;
    }
    // Lines as byte ranges (without their `\n`).
    let mut lines = Vec::new();
    let mut at = 0;
    for l in text.split('\n') {
        lines.push((at, at + l.len()));
        at += l.len() + 1;
    }
    // Lines holding a person's name, and contact lines (a phone, an email, a link): marked
    // once for all findings (each finding's first and last line by binary search), so the pass
    // stays linear however many anchors a hostile text holds.
    let line_of = |at: usize| lines.partition_point(|&(s, _)| s <= at).saturating_sub(1);
    let mark = |pick: &dyn Fn(&Finding) -> bool| {
        let mut diff = vec![0i32; lines.len() + 1];
        for f in found.iter().filter(|f| pick(f) && f.start < f.end) {
            diff[line_of(f.start)] += 1;
            diff[line_of(f.end - 1) + 1] -= 1;
        }
        let mut run = 0;
        diff[..lines.len()].iter().map(|d| { run += d; run > 0 }).collect::<Vec<bool>>()
    };
    let marks = Marks {
        named: mark(&|f| f.entity == Entity::Person),
        contact: mark(&|f| matches!(f.entity, Entity::PhoneNumber | Entity::EmailAddress | Entity::Url)),
    };
    let mut done = vec![false; lines.len()];
    for a in anchors {
        let i = line_of(a);
        if done[i] {
            continue;
        }
        done[i] = true;
        let (s, e) = lines[i];
        // The street's own line from the street on (town, country, postcode after it; a label
        // glued in front, `Address124 Harbour Road`, stays), when it is an address line rather
        // than a sentence; an address inside a sentence has no block around it.
        let Some((vs, ve)) = content(&text[s..e]).filter(|&(vs, ve)| block_line(&text[s + vs..s + ve], 12)) else { continue };
        if a.max(s + vs) < s + ve {
            found.push(block(a.max(s + vs), s + ve, Entity::Location));
        }
        walk(text, &lines, &marks, i, false, found, &mut done);
        walk(text, &lines, &marks, i, true, found, &mut done);
    }
}

/// Per line: does a person's name, or a contact value, lie on it?
struct Marks {
    named: Vec<bool>,
    contact: Vec<bool>,
}

/// Walks from line `i` up (or down), covering block lines until one is not.
fn walk(text: &str, lines: &[(usize, usize)], marks: &Marks, i: usize, down: bool, found: &mut Vec<Finding>, done: &mut [bool]) {
    let mut blank = 0;
    let mut taken = 0;
    let mut j = i;
    while taken < if down { BELOW } else { ABOVE } {
        j = match (down, j) {
            (true, j) if j + 1 < lines.len() => j + 1,
            (false, j) if j > 0 => j - 1,
            _ => return,
        };
        let (s, e) = lines[j];
        let Some((vs, ve)) = content(&text[s..e]) else {
            blank += 1;
            if blank > 1 {
                return;
            }
            continue;
        };
        blank = 0;
        let line = &text[s + vs..s + ve];
        // A contact line (a phone, an email, a link) ends the address part of a block.
        if marks.contact[j] || !block_line(line, 6) {
            return;
        }
        taken += 1;
        done[j] = true;
        let (ls, le) = (s + vs, s + ve);
        if down {
            found.push(block(ls, le, Entity::Location));
        } else if !marks.named[j] {
            found.push(block(ls, le, Entity::Organization));
        }
    }
}

/// The line's content without a leading list or quote marker (`>`, `-`, `•`, `???`) and
/// surrounding spaces; `None` when nothing is left.
fn content(line: &str) -> Option<(usize, usize)> {
    let start = line.find(|c: char| c.is_alphanumeric() || c == '+' || c == '(')?;
    let end = line.trim_end().len();
    (start < end).then_some((start, end))
}

/// Does a line look like a line of an address block: a few words, capitalised or a number
/// first, no sentence punctuation, not a label?
fn block_line(line: &str, max_words: usize) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let first = line.chars().find(|c| c.is_alphanumeric());
    // Sentence punctuation; `Label: value` lines, title bars (`Inbox | Mail`, `Notes — Pages`)
    // and code are not address lines either.
    let sentence = line.contains(['?', '!', ';', ':', '|', '—', '=', '<', '>', '{', '}', '_', '@']) || line.contains(". ") && line.split(". ").skip(1).any(|w| w.starts_with(char::is_lowercase));
    // A lower-case word is prose (`We'll meet Friday at …`, `Benefits manager`), unless it is
    // a street type or a particle of a name (`94 rue La Boétie`, `Rua das Hortências`).
    let prose = words.iter().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        !w.is_empty() && w.chars().all(|c| c.is_lowercase()) && !PARTICLES.contains(&w)
    });
    let label = line.ends_with(':') || LABELS.iter().any(|l| line.trim_end_matches(['.', ':']).eq_ignore_ascii_case(l));
    !words.is_empty()
        && words.len() <= max_words
        && line.chars().count() <= 80
        && first.is_some_and(|c| c.is_uppercase() || c.is_numeric() || !c.is_alphabetic())
        && !sentence
        && !prose
        && !label
}

fn block(start: usize, end: usize, entity: Entity) -> Finding {
    Finding { start, end, entity, detector: "address_block", score: 0.5 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covered(text: &str, anchor: &str, found: Vec<Finding>) -> Vec<String> {
        let s = text.find(anchor).unwrap();
        let mut v = found;
        v.push(Finding { start: s, end: s + anchor.len(), entity: Entity::Location, detector: "street_address", score: 0.9 });
        address_blocks(text, &mut v);
        v.iter().filter(|f| f.detector == "address_block").map(|f| format!("{}:{}", f.entity.name(), &text[f.start..f.end])).collect()
    }

    #[test]
    fn signature_block_lines_are_covered() {
        let text = "??? Andrea Johansen\n??? Factset\n??? 08 251 Charilaou Trikoupi Str.\n??? Suite 383\n??? Pigenia\n??? Tonga 44249";
        let person = text.find("Andrea").unwrap();
        let got = covered(text, "251 Charilaou Trikoupi Str.", vec![Finding { start: person, end: person + 15, entity: Entity::Person, detector: "ner", score: 0.9 }]);
        assert_eq!(got, ["LOCATION:251 Charilaou Trikoupi Str.", "ORGANIZATION:Factset", "LOCATION:Suite 383", "LOCATION:Pigenia", "LOCATION:Tonga 44249"]);
    }

    #[test]
    fn stops_at_prose_labels_and_long_lines() {
        let text = "Thanks for the quick reply, see you soon\nAddress:\n15 Millicent Drive\nSpringfield\n\n\nUnrelated Heading";
        assert_eq!(covered(text, "15 Millicent Drive", vec![]), ["LOCATION:15 Millicent Drive", "LOCATION:Springfield"]);
        let text = "We'll meet Thursday at Solarlist, 04 55 Halsey Road, HAYBOROUGH";
        assert!(covered(text, "55 Halsey Road", vec![]).is_empty(), "a sentence is not widened");
        let text = "We'll meet at Costquest, 98 Hlíðarvegur 25, and then have lunch together downtown";
        assert!(covered(text, "Hlíðarvegur 25", vec![]).is_empty(), "a sentence is not widened");
        let text = "Getting Started | PowerPoint\nYour parcel for Else is waiting at 29 Cole Street, see you.\nTrello";
        assert!(covered(text, "29 Cole Street", vec![]).is_empty(), "an address inside prose has no block");
        let text = "Reference: 619\n15 Millicent Drive\nOption<T> — Pages";
        assert_eq!(covered(text, "15 Millicent Drive", vec![]), ["LOCATION:15 Millicent Drive"]);
        let text = "Michael Fleischer\nBenefits manager\nSoul Sounds Unlimited\n63 Ommerweg 159 Suite 287 Hellendoorn Saudi Arabia";
        assert_eq!(covered(text, "63 Ommerweg 159", vec![]), ["LOCATION:63 Ommerweg 159 Suite 287 Hellendoorn Saudi Arabia", "ORGANIZATION:Soul Sounds Unlimited"]);
        assert_eq!(covered("Address124 Harbour Road, Springfield", "124 Harbour Road", vec![]), ["LOCATION:124 Harbour Road, Springfield"], "a glued label stays");
    }

    #[test]
    fn a_contact_line_ends_the_block() {
        let text = "35 Kromwater 38\n Apt. 705\n Zoetermeer\n06-10446904-Office,001-748-088-2851-Fax";
        let p = text.find("06-").unwrap();
        let phone = Finding { start: p, end: p + 11, entity: Entity::PhoneNumber, detector: "phone", score: 0.9 };
        assert_eq!(covered(text, "Kromwater 38", vec![phone]), ["LOCATION:Kromwater 38", "LOCATION:Apt. 705", "LOCATION:Zoetermeer"]);
    }

    #[test]
    fn one_blank_line_is_crossed() {
        assert_eq!(covered("Mapquest\n\n39 Laugarvegur 77 Apt. 787 Reykjavík Benin", "Laugarvegur 77", vec![]), ["LOCATION:Laugarvegur 77 Apt. 787 Reykjavík Benin", "ORGANIZATION:Mapquest"]);
    }

    proptest::proptest! {
        /// Any text, any anchor: no panic, spans inside the text on char boundaries, never a
        /// line break inside a block span.
        #[test]
        fn blocks_stay_inside_their_lines(text in "(\\PC{0,12}[\n ]?){0,12}", at in 0usize..200, len in 0usize..30) {
            let mut s = at.min(text.len());
            while !text.is_char_boundary(s) { s -= 1; }
            let mut e = (s + len).min(text.len());
            while !text.is_char_boundary(e) { e += 1; }
            let mut v = vec![Finding { start: s, end: e, entity: Entity::Location, detector: "address_unit", score: 0.9 }];
            address_blocks(&text, &mut v);
            for f in &v[1..] {
                proptest::prop_assert!(f.start < f.end && f.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
                proptest::prop_assert!(!text[f.start..f.end].contains('\n'));
            }
        }
    }

    #[test]
    fn no_anchor_no_block() {
        let mut v = vec![Finding { start: 0, end: 4, entity: Entity::Person, detector: "ner", score: 0.9 }];
        address_blocks("Jane\nAcme\nSpringfield", &mut v);
        assert_eq!(v.len(), 1);
    }
}
