//! The shape of the words a name or place span covers, after the NER model: UI text glues a
//! label to its value (`NameAisha Rahman`, `Address124 Harbour Road`, `PlanGold`), puts times
//! after names (`Kwame Okafor 10:10`), names machines with identifiers (`ward-pc-12`) and
//! shows sizes, spelt-out numbers and region codes (`1.21 KiB`, `eleven thirty`, `EMEA`),
//! which the model tags as people and places.
//!
//! It must never drop or shrink a span for what a name or place can look like: a capitalised
//! prefix of a name (`McDonald`, `MacArthur`, `DeShawn`, `LeBron`) is part of it, a number
//! at the start or end of an address is the address (`73 Mill Road`, `Apt. 895`, `Area 51`,
//! a postcode), and a short capitalised code is a place where the text is more than a label
//! cell (`flying to the UK`).

use super::{Entity, Finding};

/// Letters before a case switch inside a word that make it a glued label, not a name's prefix
/// (`Mc`, `Mac`, `De`, `Van` are shorter).
const LABEL_MIN: usize = 4;

/// Cuts what no name, place or organisation ends with off the model's spans in `text`, before
/// a person's span is grown over a surname ([`super::ner::grow_surnames`]), so a name that ends
/// a sentence does not take the next one's first word:
/// - a time of day (`10:10`, `9:05:30`; a span that ends or starts inside one too: the model
///   splits `10:16` into `10` and `16`), at either end of any span;
/// - for a person, words without a letter at either end and punctuation at the end (`Mei
///   Nilsen.`): a name holds neither, where an address ends in a number.
///
/// A span left with nothing is dropped.
pub fn trim_ends(text: &str, found: &mut Vec<Finding>) {
    let times = time_ranges(text);
    found.retain_mut(|f| {
        if !matches!(f.entity, Entity::Person | Entity::Location | Entity::Organization) {
            return true;
        }
        let person = f.entity == Entity::Person;
        let in_time = |a: usize, b: usize| times.iter().any(|&(s, e)| a < e && s < b);
        loop {
            let span = &text[f.start..f.end];
            let Some((ws, we)) = words(span).next() else { return false };
            let (ls, le) = words(span).last().expect("a first word");
            let (first, last) = (&span[ws..we], &span[ls..le]);
            if in_time(f.start + ls, f.start + le) || (person && !has_letter(last)) {
                if ls == ws {
                    return false;
                }
                f.end = f.start + ls;
            } else if in_time(f.start + ws, f.start + we) || (person && !has_letter(first)) {
                f.start += we;
            } else if person && span.ends_with(|c: char| !c.is_alphanumeric()) && !abbreviation(last) {
                f.end -= span.chars().next_back().map_or(1, char::len_utf8);
            } else {
                break;
            }
            // What a cut leaves at the new ends: spaces and separators.
            let span = &text[f.start..f.end];
            let lead = span.len() - span.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '|' | '/' | '-')).len();
            let trail = span.len() - span.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '|' | '/' | '-')).len();
            f.start += lead;
            f.end -= trail;
            if f.start >= f.end {
                return false;
            }
        }
        true
    });
}

/// Lower-case words that end no name, place or organisation.
const FUNCTION_WORDS: [&str; 16] = ["and", "the", "or", "of", "a", "an", "in", "at", "on", "to", "for", "with", "by", "from", "as", "is"];

/// Byte ranges of the words of `s`: runs of chars other than spaces and the separators a span
/// is trimmed of (`,`, `;`), so `Lyon,` is the word `Lyon`.
fn words(s: &str) -> impl DoubleEndedIterator<Item = (usize, usize)> + '_ {
    let sep = |c: char| c.is_whitespace() || matches!(c, ',' | ';');
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (sep(c), start) {
            (false, None) => start = Some(i),
            (true, Some(st)) => {
                out.push((st, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out.into_iter()
}

/// A word whose one final `.` belongs to it: an initial, a title or a degree (`B.`, `Jr.`,
/// `B.Sc.`), not a sentence's end (`Nilsen.`).
fn abbreviation(w: &str) -> bool {
    let Some(stem) = w.strip_suffix('.') else { return false };
    !stem.is_empty() && stem.chars().all(|c| c.is_alphabetic() || c == '.') && (stem.contains('.') || stem.chars().count() <= 3)
}

fn has_letter(w: &str) -> bool {
    w.chars().any(char::is_alphabetic)
}

/// Byte ranges of the times of day in `text`: `H:MM` or `HH:MM`, optionally `:SS`, standing
/// as a word of their own (not inside a longer run of digits and colons: `2001:db8::1`).
fn time_ranges(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let run_start = i;
        if !b[i].is_ascii_digit() || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b':' || b[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        // Groups of digits joined by ':'.
        let mut groups = Vec::new();
        let mut j = i;
        loop {
            let g0 = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            groups.push(j - g0);
            if j + 1 < b.len() && b[j] == b':' && b[j + 1].is_ascii_digit() {
                j += 1;
            } else {
                break;
            }
        }
        let ends_clean = j == b.len() || !(b[j].is_ascii_alphanumeric() || b[j] == b':');
        let shape = matches!(groups.as_slice(), [1 | 2, 2] | [1 | 2, 2, 2]);
        if shape && ends_clean {
            out.push((run_start, j));
        }
        i = j.max(i + 1);
    }
    out
}

/// Tidies the model's name, place and organisation spans in `text`:
/// - a label glued in front of the span's first word is cut off: a lower-case letter followed
///   by an upper-case one or a digit, after a capitalised word of at least [`LABEL_MIN`]
///   letters, starts the value (`Name|Aisha`, `Address|124`, `Plan|Gold`);
/// - a function word (`and`, `the`, …) at the end of a span is cut off (`73 Mill Road, Lyon,
///   and the`): no name, place or organisation ends with one;
/// - a place or organisation span of one word that mixes letters and digits (a host or a build
///   name), or that is a lower-case piece of such a word (`ward` of `ward-pc-12`, see
///   [`host_piece`]), is dropped: no place is spelt with digits inside a word. A person's is
///   kept: a user name (`jdoe42`) names a person;
/// - a span that is a quantity (a number and a unit: `1.21 KiB`, `250 ms`) or only spelt-out
///   numbers (`eleven thirty`) is dropped: no name or place is either; so is a place's or
///   organisation's unit alone right after its number (`KiB` of `1.21 KiB`; not after a time of
///   day, and never a person's: `Min` and `Em` are names);
/// - a place of one all-capital word of 2-4 letters (`EMEA`, `IBAN`) is dropped when the text
///   is a short cell (at most [`SHORT_CELL`] words with letters): a label, a region or team
///   code. In a sentence the context speaks for the model (`flying to the UK`). A person's is
///   kept: names are written in capitals in records (`Assignee LEE`), and a leak is worse than
///   a painted code.
pub fn tidy(text: &str, found: &mut Vec<Finding>) {
    let short_cell = words(text).filter(|&(a, b)| has_letter(&text[a..b])).count() <= SHORT_CELL;
    found.retain_mut(|f| {
        if !matches!(f.entity, Entity::Person | Entity::Location | Entity::Organization) {
            return true;
        }
        if let Some(cut) = glued_label(&text[f.start..f.end]) {
            f.start += cut;
        }
        // Function words at the end (after a person's surnames were grown: `Chamber of
        // Commerce` keeps its `of`).
        while let Some((ls, _)) = words(&text[f.start..f.end]).last().filter(|&(a, b)| a > 0 && FUNCTION_WORDS.contains(&&text[f.start + a..f.start + b])) {
            f.end = f.start + text[f.start..f.start + ls].trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '|' | '/' | '-')).len();
        }
        let span = &text[f.start..f.end];
        if quantity(span) || number_words(span) || (f.entity != Entity::Person && unit_after_number(text, f.start, f.end)) {
            return false;
        }
        if f.entity == Entity::Location && short_cell && acronym(span) {
            return false;
        }
        f.entity == Entity::Person || !(identifier(span) || host_piece(text, f.start, f.end))
    });
}

/// The span is a lower-case ASCII piece of a host or build name (`ward` of `ward-pc-12`, `eu`
/// of `build-eu-west-3.internal`): the word around it is ASCII letters, digits, `-` and `.`
/// only, and an [`identifier`]. A capitalised piece (`Leeds` of `Leeds-2024`), or one in a file
/// name (`leeds_offer_2024`) or in text without spaces (CJK), stays.
fn host_piece(text: &str, start: usize, end: usize) -> bool {
    let span = &text[start..end];
    if !span.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.')) {
        return false;
    }
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.');
    let s = text[..start].trim_end_matches(part).len();
    let e = text.len() - text[end..].trim_start_matches(part).len();
    let word = text[s..e].trim_end_matches('.');
    word.len() > span.len() && identifier(word)
}

/// The span and the number right before it make a [`quantity`] (`1.21 KiB`), and that number
/// is not a time of day (`10:14 Min`).
fn unit_after_number(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    let number_at = before.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ',')).len();
    !before[..number_at].ends_with(':') && quantity(&text[number_at..end])
}

/// Words with letters in a text that is a label or value cell, not a sentence.
pub const SHORT_CELL: usize = 3;

/// Units a number is measured in (sizes, durations, rates, lengths, weights, screen units),
/// two letters or more: a one-letter unit (`5 m`, `221 B`) could be part of an address.
const UNITS: [&str; 44] = [
    "kb", "kib", "mb", "mib", "gb", "gib", "tb", "tib", "pb", "bytes", "kbps", "mbps", "gbps", "ms", "µs", "us", "ns", "sec", "secs", "min", "mins", "hrs", "px", "pt", "em", "rem",
    "dpi", "fps", "hz", "khz", "mhz", "ghz", "kg", "mg", "km", "cm", "mm", "lb", "lbs", "oz", "kw", "kwh", "mah", "%",
];

/// `1.21 KiB`, `250ms`, `3,5 GB`: a number (digits, `.` or `,` inside) and a unit, nothing else.
fn quantity(span: &str) -> bool {
    let digits = span.len() - span.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',').len();
    let (num, unit) = span.split_at(digits);
    num.starts_with(|c: char| c.is_ascii_digit()) && UNITS.contains(&unit.trim_start().to_lowercase().as_str())
}

/// Spelt-out English numbers and times (`eleven thirty`, `twenty-five`, `half past nine`).
const NUMBER_WORDS: [&str; 38] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "half", "quarter", "past", "noon",
    "midnight", "o'clock", "oclock",
];

/// Every word of the span is a spelt-out number (hyphens split words: `twenty-five`).
fn number_words(span: &str) -> bool {
    let mut ws = span.split(|c: char| c.is_whitespace() || matches!(c, '-' | ',' | '.')).filter(|w| !w.is_empty()).peekable();
    ws.peek().is_some() && ws.all(|w| NUMBER_WORDS.contains(&w.to_lowercase().as_str()))
}

/// One word of 2-4 ASCII capital letters.
fn acronym(span: &str) -> bool {
    (2..=4).contains(&span.len()) && span.bytes().all(|c| c.is_ascii_uppercase())
}

/// Where the value starts after a label glued to it in the span's first word, if any.
fn glued_label(span: &str) -> Option<usize> {
    let word_end = span.find(|c: char| !c.is_alphanumeric()).unwrap_or(span.len());
    let word = &span[..word_end];
    let mut prev: Option<char> = None;
    for (i, c) in word.char_indices() {
        if let Some(p) = prev {
            let letters = word[..i].chars().count();
            let head = &word[..i];
            let label = head.chars().next().is_some_and(char::is_uppercase) && head.chars().skip(1).all(char::is_lowercase);
            if p.is_lowercase() && (c.is_uppercase() || c.is_ascii_digit()) && letters >= LABEL_MIN && label {
                return Some(i);
            }
        }
        prev = Some(c);
    }
    None
}

/// One word of letters and digits (joined by `-`, `_` or `.` at most), holding both.
fn identifier(span: &str) -> bool {
    !span.contains(char::is_whitespace)
        && span.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && span.chars().any(|c| c.is_ascii_digit())
        && span.chars().any(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tidied(text: &str, span: &str, entity: Entity) -> Option<String> {
        let start = text.find(span).unwrap();
        let mut found = vec![Finding { start, end: start + span.len(), entity, detector: "ner", score: 0.9 }];
        tidy(text, &mut found);
        found.first().map(|f| text[f.start..f.end].to_string())
    }

    #[test]
    fn glued_labels_are_cut_off() {
        assert_eq!(tidied("NameAisha Rahman", "NameAisha Rahman", Entity::Person).as_deref(), Some("Aisha Rahman"));
        assert_eq!(tidied("Address124 Harbour Road, Springfield", "Address124 Harbour Road, Springfield", Entity::Location).as_deref(), Some("124 Harbour Road, Springfield"));
        assert_eq!(tidied("PlanGold", "PlanGold", Entity::Location).as_deref(), Some("Gold"));
    }

    #[test]
    fn name_prefixes_and_addresses_stay_whole() {
        for name in ["Ronald McDonald", "Douglas MacArthur", "DeShawn Jones", "LeBron James", "O'Neill", "Anna Berg-Lind"] {
            assert_eq!(tidied(name, name, Entity::Person).as_deref(), Some(name));
        }
        assert_eq!(tidied("at 73 Mill Road", "73 Mill Road", Entity::Location).as_deref(), Some("73 Mill Road"));
        assert_eq!(tidied("in Area 51", "Area 51", Entity::Location).as_deref(), Some("Area 51"));
    }

    #[test]
    fn quantities_and_spelt_numbers_are_not_places() {
        for (text, span) in [("Writing objects: 100% (7/7), 1.21 KiB, done.", "1.21 KiB"), ("took 250ms", "250ms"), ("3,5 GB free", "3,5 GB"), ("Lunch order goes in at eleven thirty", "eleven thirty"), ("eleven thirty.", "eleven"), ("at half past nine", "half past nine"), ("twenty-five", "twenty-five")] {
            for entity in [Entity::Location, Entity::Person, Entity::Organization] {
                assert_eq!(tidied(text, span, entity), None, "{span:?} in {text:?}");
            }
        }
        // The unit alone, right after its number.
        for entity in [Entity::Location, Entity::Organization] {
            assert_eq!(tidied("Writing objects: 100% (7/7), 1.21 KiB, done.", "KiB", entity), None);
        }
        // A person's stays (`Min`, `Em` are names), and a time of day is no quantity's number.
        assert_eq!(tidied("2 Min Park", "Min Park", Entity::Person).as_deref(), Some("Min Park"));
        assert_eq!(tidied("2 Min", "Min", Entity::Person).as_deref(), Some("Min"));
        assert_eq!(tidied("10:14 Min: running late", "Min", Entity::Organization).as_deref(), Some("Min"));
        assert_eq!(tidied("Meet at the KiB office", "KiB", Entity::Organization).as_deref(), Some("KiB"), "a unit word with no number before it");
        assert_eq!(tidied("Sizes, KiB", "KiB", Entity::Organization).as_deref(), Some("KiB"), "a comma is no number");
        // Numbers in a place stay: an address, a one-letter "unit", a word after a number.
        for (text, span) in [("at 73 Mill Road", "73 Mill Road"), ("221 B Baker Street", "221 B Baker Street"), ("Studio 54", "Studio 54"), ("10 Downing Street", "10 Downing Street"), ("Seven Sisters Road", "Seven Sisters Road")] {
            assert_eq!(tidied(text, span, Entity::Location).as_deref(), Some(span));
        }
    }

    #[test]
    fn pieces_of_host_and_build_names_are_no_places() {
        assert_eq!(tidied("ward-pc-12 - Remote Desktop", "ward", Entity::Organization), None);
        assert_eq!(tidied("ward-pc-12 - Remote Desktop", "ward-pc", Entity::Location), None);
        assert_eq!(tidied("ssh build-eu-west-3.internal", "eu", Entity::Location), None);
        assert_eq!(tidied("logged in from ward-pc-12", "ward", Entity::Person).as_deref(), Some("ward"), "a person's is kept");
        assert_eq!(tidied("Offices in Paris-Nord and Lyon.", "Lyon", Entity::Location).as_deref(), Some("Lyon"));
        assert_eq!(tidied("Offices in Paris-Nord and Lyon.", "Paris-Nord", Entity::Location).as_deref(), Some("Paris-Nord"));
        // Capitalised pieces, file names and text without spaces keep their places.
        for (text, span) in [("Leeds-2024 kickoff", "Leeds"), ("Leeds_offer_2024.docx - Word", "Leeds"), ("leeds_offer_2024.docx", "leeds"), ("1.London 2.Paris", "London"), ("2024年に東京へ行きました", "東京")] {
            assert_eq!(tidied(text, span, Entity::Location).as_deref(), Some(span), "{span:?} in {text:?}");
        }
    }

    #[test]
    fn a_capital_code_alone_in_a_cell_is_no_place() {
        assert_eq!(tidied("Owner teamSupport EMEA", "EMEA", Entity::Location), None);
        assert_eq!(tidied("IBANFR36 2642 7555 2934 5037 9477 360", "IBAN", Entity::Location), None);
        assert_eq!(tidied("Region APAC", "APAC", Entity::Location), None);
        assert_eq!(tidied("Assignee LEE", "LEE", Entity::Person).as_deref(), Some("LEE"), "a name in capitals is a name");
        // In a sentence the model is trusted, and so is a longer name or one in lower case.
        assert_eq!(tidied("We are flying to the UK next week", "UK", Entity::Location).as_deref(), Some("UK"));
        assert_eq!(tidied("Country Switzerland", "Switzerland", Entity::Location).as_deref(), Some("Switzerland"));
        assert_eq!(tidied("Team Lead Jo", "Jo", Entity::Person).as_deref(), Some("Jo"));
        assert_eq!(tidied("Owner teamSupport EMEA", "EMEA", Entity::Organization).as_deref(), Some("EMEA"), "organisations' codes are names");
    }

    #[test]
    fn function_words_end_no_span() {
        assert_eq!(tidied("Supplier name: Manley, Prendergast and Gibney", "Prendergast and", Entity::Organization).as_deref(), Some("Prendergast"));
        assert_eq!(tidied("Isle of Man", "Isle of Man", Entity::Location).as_deref(), Some("Isle of Man"));
        assert_eq!(tidied("to the corner of", "corner of", Entity::Location).as_deref(), Some("corner"));
        assert_eq!(tidied("just of", "of", Entity::Location).as_deref(), Some("of"), "a span of one word is left to the other rules");
    }

    #[test]
    fn identifiers_are_not_names_or_places() {
        assert_eq!(tidied("ward-pc-12 - Remote Desktop", "ward-pc-12", Entity::Location), None);
        assert_eq!(tidied("Kyiv-2 depot", "Kyiv-2", Entity::Organization), None);
        assert_eq!(tidied("user jdoe42 logged in", "jdoe42", Entity::Person).as_deref(), Some("jdoe42"), "a user name names a person");
        // Other types are not touched.
        assert_eq!(tidied("ward-pc-12", "ward-pc-12", Entity::Secret).as_deref(), Some("ward-pc-12"));
    }
}
