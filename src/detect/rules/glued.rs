//! Values glued to their label: `SSN536-22-1234`, `Card4111111111111111`, `IBANDE89…`,
//! `Phone001-415-555-0132`, as record tables and forms concatenate label and value cells in
//! accessibility text. The rules want a word boundary before a value, so these points are
//! made boundaries in a shadow (the label word, a space, the value's side of its line), the
//! rules run over each shadow, and only findings starting at the point come back, mapped to
//! the text. Windows, not a shadow of the whole text: a long text pays for its glued words only.
//!
//! A glued point is where a word switches from letters to digits (`SSN|536`) or to a number's `+` or `(`, from lower to
//! upper case (`iban|DE89`), or where a known label word is followed directly by an upper-case
//! letter (`IBAN|DE89`). The label stays outside the finding. This must never replace the
//! plain pass (a shadow space would split `jane2@example.com`): it only adds findings.

/// Labels that records glue to upper-case values (IBAN and BIC codes, passport numbers).
const LABELS: &[&str] = &["iban", "bic", "swift", "passport", "account", "acct", "vat", "tax", "ssn", "id"];

/// At most this many glued points per text are tried (a text of glued words is code or
/// noise; the cap bounds the shadow's cost, and findings are only ever added).
const MAX_POINTS: usize = 512;

/// Byte offsets in `text` where a value may start glued to the word before it.
pub fn points(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut word_start = 0;
    // One point per word: the value after it is not split again (`IBAN|DE89`, not `DE|89`).
    let mut done = false;
    for i in 1..b.len() {
        let (p, c) = (b[i - 1], b[i]);
        if !p.is_ascii_alphanumeric() {
            (word_start, done) = (i, false);
            continue;
        }
        // A number's own opening (`Mobile+1 415…`, `Tel(415)…`) ends the word before it.
        let opens = matches!(c, b'+' | b'(') && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if done {
            continue;
        }
        // Letters before this point: at least two, the whole word so far (`x86` and `h1` are
        // not labels; `SSN` and `Phone` are).
        let letters = b[word_start..i].iter().all(u8::is_ascii_alphabetic) && i - word_start >= 2;
        let glued = letters
            && (c.is_ascii_digit()
                || opens
                || (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (c.is_ascii_uppercase() && LABELS.iter().any(|l| text[word_start..i].eq_ignore_ascii_case(l))));
        if glued {
            done = true;
            out.push(i);
            if out.len() == MAX_POINTS {
                break;
            }
        }
    }
    out
}

/// The shadow for one glued point `p`: the label word before it, a space, and the value's
/// side up to the line's end (at most `WINDOW` bytes); with the text offset of the shadow's
/// first byte. Shadow offsets past the space map back as `base + s - 1`.
pub fn window(text: &str, p: usize) -> (String, usize) {
    let base = text[..p].char_indices().rev().find(|(_, c)| !c.is_ascii_alphanumeric()).map_or(0, |(i, c)| i + c.len_utf8());
    let mut end = text[p..].find(['\n', '\r']).map_or(text.len(), |i| p + i).min(p + WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (format!("{} {}", &text[base..p], &text[p..end]), base)
}

/// The longest value looked for after a glued point (an IBAN with spaces is 42 bytes).
const WINDOW: usize = 96;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_of_glued_labels() {
        assert_eq!(points("SSN536-22-1234"), vec![3]);
        assert_eq!(points("IBANDE89370400440532013000"), vec![4]);
        assert_eq!(points("Phone001-415-555-0132"), vec![5]);
        assert_eq!(points("ibanDE89"), vec![4]);
        assert_eq!(points("x86 h1 utf8a Namespace jane2@example.com 4111"), vec![10, 27]);
    }

    #[test]
    fn windows_hold_the_label_and_the_value() {
        let text = "x Card4111111111111111 SSN536-22-1234\nnext";
        let p = points(text);
        assert_eq!(window(text, p[0]), ("Card 4111111111111111 SSN536-22-1234".to_string(), 2));
        assert_eq!(window(text, p[1]), ("SSN 536-22-1234".to_string(), 23));
    }
}
