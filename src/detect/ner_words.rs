//! The shape of the words a name or place span covers, after the NER model: UI text glues a
//! label to its value (`NameAisha Rahman`, `Address124 Harbour Road`, `PlanGold`) and names
//! machines with identifiers (`ward-pc-12`), which the model tags as people and places.
//!
//! It must never drop or shrink a span for what a name or place can look like: a capitalised
//! prefix of a name (`McDonald`, `MacArthur`, `DeShawn`, `LeBron`) is part of it, and a number
//! at the start of an address is the address.

use super::{Entity, Finding};

/// Letters before a case switch inside a word that make it a glued label, not a name's prefix
/// (`Mc`, `Mac`, `De`, `Van` are shorter).
const LABEL_MIN: usize = 4;

/// Tidies the model's name, place and organisation spans in `text`:
/// - a label glued in front of the span's first word is cut off: a lower-case letter followed
///   by an upper-case one or a digit, after a capitalised word of at least [`LABEL_MIN`]
///   letters, starts the value (`Name|Aisha`, `Address|124`, `Plan|Gold`);
/// - a place or organisation span of one word that mixes letters and digits (a host or a build
///   name) is dropped: no place is spelt with digits inside a word. A person's is kept: a user
///   name (`jdoe42`) names a person.
pub fn tidy(text: &str, found: &mut Vec<Finding>) {
    found.retain_mut(|f| {
        if !matches!(f.entity, Entity::Person | Entity::Location | Entity::Organization) {
            return true;
        }
        if let Some(cut) = glued_label(&text[f.start..f.end]) {
            f.start += cut;
        }
        f.entity == Entity::Person || !identifier(&text[f.start..f.end])
    });
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
    fn identifiers_are_not_names_or_places() {
        assert_eq!(tidied("ward-pc-12 - Remote Desktop", "ward-pc-12", Entity::Location), None);
        assert_eq!(tidied("Kyiv-2 depot", "Kyiv-2", Entity::Organization), None);
        assert_eq!(tidied("user jdoe42 logged in", "jdoe42", Entity::Person).as_deref(), Some("jdoe42"), "a user name names a person");
        // Other types are not touched.
        assert_eq!(tidied("ward-pc-12", "ward-pc-12", Entity::Secret).as_deref(), Some("ward-pc-12"));
    }
}
