//! Values glued to their label: `SSN536-22-1234`, `Card4111111111111111`, `IBANDE89…`,
//! `Phone001-415-555-0132`, as record tables and forms concatenate label and value cells in
//! accessibility text. The rules want a word boundary before a value, so these points are
//! made boundaries in a shadow of the text (a space inserted at each), the rules run over the
//! shadow once, and only findings starting at such a point come back, mapped to the text.
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

/// The text with a space inserted before each point (sorted, ascending).
pub fn shadow(text: &str, points: &[usize]) -> String {
    let mut s = String::with_capacity(text.len() + points.len());
    let mut last = 0;
    for &p in points {
        s.push_str(&text[last..p]);
        s.push(' ');
        last = p;
    }
    s.push_str(&text[last..]);
    s
}

/// A shadow offset mapped back to the text: minus the spaces inserted before it.
pub fn to_text(points: &[usize], s: usize) -> usize {
    // The k-th inserted space sits at shadow offset points[k] + k.
    s - points.iter().enumerate().take_while(|&(k, &p)| p + k < s).count()
}

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
    fn shadow_maps_back() {
        let text = "Card4111111111111111 SSN536-22-1234";
        let p = points(text);
        let s = shadow(text, &p);
        assert_eq!(s, "Card 4111111111111111 SSN 536-22-1234");
        let at = s.find("536").unwrap();
        assert_eq!(&text[to_text(&p, at)..to_text(&p, s.len())], "536-22-1234");
        assert_eq!(to_text(&p, s.find("4111").unwrap()), 4);
    }
}
