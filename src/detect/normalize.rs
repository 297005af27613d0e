//! A normalised shadow of a text, for the rules to read, with a map back to the original.
//!
//! Values in captured text are often written so that no pattern sees them: a no-break or
//! narrow no-break space inside a card number, a zero-width space or a soft hyphen inside an
//! email, a tab or a line break inside an IBAN, fullwidth digits, `jane[at]example[dot]com`,
//! `%40`, `&#64;`, or a value glued to its field label in accessibility text
//! (`SSN536-22-1234`, `IBANDE89…`, `Emailjane@…`). The shadow spells all of these the plain
//! way; detectors run on it, and [`Shadow::map`] turns their spans back into spans of the
//! original, so that the *original* characters are what get replaced (a `%40` is replaced
//! whole, a zero-width space inside a value goes with it).
//!
//! It must never drop a character of the original from a span that covers its neighbours on
//! both sides, never produce a span off the original's char boundaries, and never cost more
//! than a byte scan when there is nothing to normalise (the shadow is then the text itself).

use std::borrow::Cow;

use super::Finding;

/// Field labels that capture glues to their values (`SSN536-22-1234`, `NameMrs Jane Doe`): a
/// label at the start of a word, followed by a digit, `+`, `(`, a case switch or (for mail
/// labels) an address, is split from the value in the shadow. Lower case, sorted.
/// Credential words (`password`, `token`, `pass`) are not here on purpose: splitting
/// `PassPhrase` would hide the key of an assignment from the credential rules.
const LABELS: &[&str] = &[
    "aadhaar", "account", "acct", "addr", "address", "card", "cc", "cell", "cvc", "cvv", "dl", "dob", "email", "exp", "expiry",
    "fax", "firstname", "fullname", "iban", "id", "ip", "itin", "lastname", "licence", "license", "mac", "mail", "mobile", "name",
    "nhs", "nie", "nif", "nino", "npi", "pan", "passport", "pesel", "phone", "plz", "postcode", "routing", "sin", "ssn",
    "surname", "tax", "taxid", "tel", "telefon", "telephone", "tin", "vat", "zip",
];

const MAIL_LABELS: &[&str] = &["e-mail", "email", "mail"];

/// A text as the rules read it, and the way back to the original.
pub struct Shadow<'a> {
    original: &'a str,
    norm: Option<Norm>,
}

struct Norm {
    text: String,
    /// For each byte of `text`: where the original unit it came from starts and ends.
    start: Vec<u32>,
    end: Vec<u32>,
}

/// One change: original bytes `start..end` read as `with` (empty: dropped; `start == end`: an
/// inserted separator).
struct Edit {
    start: usize,
    end: usize,
    with: Cow<'static, str>,
}

impl<'a> Shadow<'a> {
    pub fn new(original: &'a str) -> Shadow<'a> {
        let edits = plan(original);
        if edits.is_empty() || original.len() > u32::MAX as usize {
            return Shadow { original, norm: None };
        }
        let mut text = String::with_capacity(original.len());
        let mut start = Vec::with_capacity(original.len());
        let mut end = Vec::with_capacity(original.len());
        let mut at = 0;
        let copy = |text: &mut String, start: &mut Vec<u32>, end: &mut Vec<u32>, from: usize, to: usize| {
            for (i, c) in original[from..to].char_indices() {
                let (s, e) = ((from + i) as u32, (from + i + c.len_utf8()) as u32);
                text.push(c);
                for _ in 0..c.len_utf8() {
                    start.push(s);
                    end.push(e);
                }
            }
        };
        for ed in &edits {
            copy(&mut text, &mut start, &mut end, at, ed.start);
            text.push_str(&ed.with);
            for _ in 0..ed.with.len() {
                start.push(ed.start as u32);
                end.push(ed.end as u32);
            }
            at = ed.end;
        }
        copy(&mut text, &mut start, &mut end, at, original.len());
        Shadow { original, norm: Some(Norm { text, start, end }) }
    }

    /// The text the rules read.
    pub fn text(&self) -> &str {
        self.norm.as_ref().map_or(self.original, |n| n.text.as_str())
    }

    /// Is the shadow the original itself?
    pub fn is_identity(&self) -> bool {
        self.norm.is_none()
    }

    /// The original byte span of shadow bytes `start..end`, on the original's char boundaries.
    pub fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let Some(n) = &self.norm else { return super::snap(self.original, start, end) };
        let len = n.text.len();
        let (s, e) = (start.min(len), end.min(len));
        if s >= e {
            let at = if s < len { n.start[s] as usize } else { self.original.len() };
            return super::snap(self.original, at, at);
        }
        super::snap(self.original, n.start[s] as usize, n.end[e - 1] as usize)
    }

    /// Findings in the shadow, as findings in the original.
    pub fn map(&self, findings: &mut [Finding]) {
        for f in findings.iter_mut() {
            (f.start, f.end) = self.span(f.start, f.end);
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// The edits that make the shadow, in order and disjoint.
fn plan(t: &str) -> Vec<Edit> {
    let b = t.as_bytes();
    let mut edits: Vec<Edit> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let word_start = i == 0 || !is_word(b[i - 1]);
        let step = match c {
            b'\t' => push(&mut edits, i, i + 1, " "),
            b'\n' | b'\r' => line_break(t, i, &mut edits),
            b'%' => percent(t, i, &mut edits),
            b'&' => entity(t, i, &mut edits),
            b'[' | b'(' | b'{' => obfuscated(t, i, &mut edits),
            b'a'..=b'z' | b'A'..=b'Z' if word_start => {
                // The word's letters; a label can only be glued where they switch case or run
                // into a digit, `+`, `(`, `-` or `@` (checked then; most words are not).
                let mut j = i + 1;
                let mut switch = false;
                while j < b.len() && b[j].is_ascii_alphabetic() {
                    switch |= b[j].is_ascii_uppercase() && b[j - 1].is_ascii_lowercase();
                    j += 1;
                }
                let mail_like = b[i].is_ascii_uppercase() && matches!(b.get(j), Some(b'.' | b'_'));
                if switch || mail_like || matches!(b.get(j), Some(b'0'..=b'9' | b'+' | b'(' | b'-' | b'@')) {
                    glued_label(t, i, &mut edits);
                }
                j - i
            }
            0x80.. => unicode(t, i, &mut edits),
            _ => 1,
        };
        i += step.max(1);
    }
    edits
}

fn push(edits: &mut Vec<Edit>, start: usize, end: usize, with: impl Into<Cow<'static, str>>) -> usize {
    edits.push(Edit { start, end, with: with.into() });
    end - start
}

/// A line break inside a value: after a grouped number (`4111 1111` / `DE89 3704`: two digit
/// groups or more end the line) and before digits, it reads as a space (a card, phone or IBAN
/// wrapped onto the next line; a postcode ending one line of an address is not joined to the
/// phone number starting the next); inside a long token wrapped at the terminal's width (a key
/// split over two lines) it is dropped.
fn line_break(t: &str, i: usize, edits: &mut Vec<Edit>) -> usize {
    let b = t.as_bytes();
    let mut j = i;
    while j < b.len() && (b[j] == b'\r' || b[j] == b'\n') && j - i < 2 {
        j += 1;
    }
    if b[i..j].iter().filter(|&&x| x == b'\n').count() > 1 || i == 0 || j >= b.len() {
        return j - i;
    }
    let (prev, next) = (b[i - 1], b[j]);
    if prev.is_ascii_digit() && next.is_ascii_digit() && ends_grouped(&b[..i]) {
        return push(edits, i, j, " ");
    }
    let token = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'+' | b'/' | b'=');
    let before = b[..i].iter().rev().take_while(|&&c| token(c)).count();
    let after = b[j..].iter().take_while(|&&c| token(c)).count();
    // A wrapped line is long and ends in a long unbroken token; the next line goes on with one.
    let line_len = b[..i].iter().rev().take_while(|&&c| c != b'\n').count();
    if before >= 16 && after >= 8 && line_len >= 40 && b[j..j + after].iter().any(u8::is_ascii_digit) {
        return push(edits, i, j, "");
    }
    j - i
}

/// Does `b` end in two digit groups or more (`… 4111 1111`, `… +1 415`, `DE89 3704`)?
fn ends_grouped(b: &[u8]) -> bool {
    let group = |b: &[u8]| b.iter().rev().take_while(|c| c.is_ascii_alphanumeric()).count();
    let n = group(b);
    let rest = &b[..b.len() - n];
    match rest.last() {
        Some(b' ' | b'-' | b'.') => {
            let m = group(&rest[..rest.len() - 1]);
            m > 0 && rest[rest.len() - 1 - m..rest.len() - 1].iter().any(u8::is_ascii_digit)
        }
        _ => false,
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `%40`, `%2E`, `%C3%A9`: percent-escapes that decode to printable UTF-8.
fn percent(t: &str, i: usize, edits: &mut Vec<Edit>) -> usize {
    let b = t.as_bytes();
    let mut bytes = Vec::new();
    let mut j = i;
    while j + 2 < b.len() && b[j] == b'%' {
        match (hex(b[j + 1]), hex(b[j + 2])) {
            (Some(h), Some(l)) => bytes.push(h << 4 | l),
            _ => break,
        }
        j += 3;
    }
    match String::from_utf8(bytes) {
        Ok(s) if !s.is_empty() && s.chars().all(|c| !c.is_control()) => push(edits, i, j, s),
        _ => 1,
    }
}

/// `&#64;`, `&#x40;`, `&commat;`, `&nbsp;`, `&amp;`: HTML character references.
fn entity(t: &str, i: usize, edits: &mut Vec<Edit>) -> usize {
    let rest = &t[i + 1..];
    let Some(semi) = rest.as_bytes().iter().take(10).position(|&c| c == b';') else { return 1 };
    let name = &rest[..semi];
    let c = if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        n.and_then(char::from_u32).filter(|c| !c.is_control())
    } else {
        match name {
            "commat" => Some('@'),
            "period" => Some('.'),
            "nbsp" => Some(' '),
            "amp" => Some('&'),
            "plus" => Some('+'),
            "lowbar" => Some('_'),
            "hyphen" | "dash" => Some('-'),
            "colon" => Some(':'),
            _ => None,
        }
    };
    match c {
        Some(c) => push(edits, i, i + semi + 2, c.to_string()),
        None => 1,
    }
}

/// `jane[at]example[dot]com`, `jane (at) example (dot) com`, `{@}`: an address spelt out.
fn obfuscated(t: &str, i: usize, edits: &mut Vec<Edit>) -> usize {
    let b = t.as_bytes();
    let close = match b[i] {
        b'[' => b']',
        b'(' => b')',
        _ => b'}',
    };
    let inner_len = b[i + 1..].iter().take(5).position(|&c| c == close);
    let Some(n) = inner_len else { return 1 };
    let inner = t[i + 1..i + 1 + n].trim().to_ascii_lowercase();
    let with = match inner.as_str() {
        "at" | "@" => "@",
        "dot" | "." => ".",
        _ => return 1,
    };
    // Between two words, optionally with a space each side (taken with it).
    let mut s = i;
    if s > 0 && b[s - 1] == b' ' {
        s -= 1;
    }
    let mut e = i + n + 2;
    if e < b.len() && b[e] == b' ' {
        e += 1;
    }
    let word_before = s > 0 && is_word(b[s - 1]);
    let word_after = e < b.len() && is_word(b[e]);
    if !(word_before && word_after) {
        return 1;
    }
    // The space before is already copied when it was the previous step; edits stay disjoint.
    let s = if edits.last().is_some_and(|l| l.end > s) { i } else { s };
    push(edits, s, e, with);
    e - i
}

/// A known label glued to its value at the start of a word: split it off with a space. Only
/// where a field starts (text start, a space, a cell or list separator), never inside an
/// assignment (`key=IDX12…` is a value, not a label).
fn glued_label(t: &str, i: usize, edits: &mut Vec<Edit>) {
    let b = t.as_bytes();
    if i > 0 && !(b[i - 1].is_ascii_whitespace() || matches!(b[i - 1], b'|' | b'>' | b',' | b';' | b'(' | b'[' | b'{' | b'"' | b'\'' | b'*')) {
        return;
    }
    // A word after an operator or a command-line flag is a value (`password: cc4ixZ`,
    // `-p DL4dHp`): splitting it would cut the value the credential rules read.
    let before = t[..i].trim_end();
    let last_token = before.rsplit(|c: char| c.is_whitespace()).next().unwrap_or("");
    if before.ends_with([':', '=', '\u{ff1a}']) || (last_token.starts_with('-') && before.len() < i) {
        return;
    }
    let head = b[i..].iter().take_while(|c| c.is_ascii_alphabetic() || **c == b'-').count();
    if head < 2 {
        return;
    }
    let end = i + head;
    let next = b.get(end).copied();
    let word = &t[i..end];
    // What follows the letters up to the next space: a glued value is a number or a code in
    // capitals (`536-22-1234`, `+1 415`, `DE89…`, `QQ123456C`), never lower-case letters (a
    // token such as `cc4ixZGN` is one word, not a label and a value).
    let tail_end = b[end..].iter().position(u8::is_ascii_whitespace).map_or(b.len(), |p| end + p);
    let tail_is_value = !b[end..tail_end].iter().any(u8::is_ascii_lowercase);
    let is_label = |w: &str| {
        let mut buf = [0u8; 12];
        if w.len() > buf.len() {
            return false;
        }
        buf[..w.len()].copy_from_slice(w.as_bytes());
        buf[..w.len()].make_ascii_lowercase();
        std::str::from_utf8(&buf[..w.len()]).is_ok_and(|l| LABELS.binary_search(&l).is_ok())
    };
    // Label then digits / `+` / `(`: `SSN536-22-1234`, `Phone+1 415…`, `Tel(212)…`.
    if matches!(next, Some(b'0'..=b'9' | b'+' | b'(')) && tail_is_value && is_label(word) && !word.contains('-') {
        edits.push(Edit { start: end, end, with: Cow::Borrowed(" ") });
        return;
    }
    // A case switch inside the letters: `NameMrs`, `CardNumber`, or an upper-case label before
    // an upper-case value (`IBANDE89…`, `NINOQQ12…`).
    let bytes = word.as_bytes();
    for k in 2..bytes.len().min(13) {
        let (a, c) = (bytes[k - 1], bytes[k]);
        // (Letters only: `ExpTok9` is a token, `CardNumber` a label and a word.)
        let switch = a.is_ascii_lowercase() && c.is_ascii_uppercase() && !next.is_some_and(|n| n.is_ascii_alphanumeric());
        // Two letters after the label: a country code (`IBANDE89`, `VATDE136…`, `NINOQQ12…`).
        let caps_then_value = bytes[..k].iter().all(u8::is_ascii_uppercase) && bytes.len() - k == 2 && next.is_some_and(|n| n.is_ascii_digit()) && tail_is_value;
        if (switch || caps_then_value) && is_label(&word[..k]) {
            edits.push(Edit { start: i + k, end: i + k, with: Cow::Borrowed(" ") });
            return;
        }
    }
    // `Emailjane@example.com`: a capitalised mail label before an address.
    if bytes[0].is_ascii_uppercase() {
        let token_end = b[i..].iter().position(|c| c.is_ascii_whitespace()).map_or(b.len(), |p| i + p);
        if t[i..token_end].contains('@') {
            for l in MAIL_LABELS {
                let n = l.len();
                if word.len() > n && word[..n].eq_ignore_ascii_case(l) {
                    edits.push(Edit { start: i + n, end: i + n, with: Cow::Borrowed(" ") });
                    return;
                }
            }
        }
    }
}

/// Non-ASCII characters that stand for ASCII ones in values, or for nothing.
fn unicode(t: &str, i: usize, edits: &mut Vec<Edit>) -> usize {
    let c = t[i..].chars().next().expect("i is a char boundary");
    let n = c.len_utf8();
    let u = c as u32;
    let with: Option<Cow<'static, str>> = match c {
        // Spaces of every width, no-break ones included.
        '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => Some(" ".into()),
        // Invisible: zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian separator.
        '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}' | '\u{180e}' => Some("".into()),
        // Hyphens and dashes, minus.
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' => Some("-".into()),
        // Fullwidth ASCII (digits, letters, `@`, `.`, `+`, ...).
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u - 0xfee0).map(|a| a.to_string().into()),
        _ => digit_of(u).map(|d| ((b'0' + d) as char).to_string().into()),
    };
    match with {
        Some(w) => push(edits, i, i + n, w),
        None => n,
    }
}

/// The value of a decimal digit of another script (Arabic-Indic, Devanagari, Thai, ...).
fn digit_of(u: u32) -> Option<u8> {
    const ZEROS: &[u32] = &[0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xe50, 0xed0, 0xf20, 0x1040, 0x17e0, 0x1810, 0xff10];
    if let Some(z) = ZEROS.iter().find(|&&z| (z..z + 10).contains(&u)) {
        return Some((u - z) as u8);
    }
    // Mathematical bold/double-struck/sans/monospace digits: five runs of ten.
    (0x1d7ce..0x1d800).contains(&u).then(|| ((u - 0x1d7ce) % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shadow(t: &str) -> String {
        Shadow::new(t).text().to_string()
    }

    #[test]
    fn plain_text_is_its_own_shadow() {
        for t in ["Jane Doe <jane.doe@example.com>", "call +1 415-555-2671", "fn main() { let x = a[0]; }", ""] {
            assert!(Shadow::new(t).is_identity(), "{t:?}");
        }
    }

    #[test]
    fn separators_and_forms_normalise() {
        assert_eq!(shadow("4111\u{a0}1111\u{202f}1111\u{2007}1111"), "4111 1111 1111 1111");
        assert_eq!(shadow("ja\u{200b}ne@exa\u{ad}mple.com"), "jane@example.com");
        assert_eq!(shadow("\u{ff14}\u{ff11}\u{ff11}\u{ff11}"), "4111");
        assert_eq!(shadow("jane[at]example[dot]com"), "jane@example.com");
        assert_eq!(shadow("jane (at) example (dot) com"), "jane@example.com");
        assert_eq!(shadow("jane%40example.com"), "jane@example.com");
        assert_eq!(shadow("jane&#64;example&#x2E;com"), "jane@example.com");
        assert_eq!(shadow("IBAN\tDE89 3704\n0044 0532 0130 00"), "IBAN DE89 3704 0044 0532 0130 00");
        assert_eq!(shadow("M%C3%BCller"), "Müller");
        assert_eq!(shadow("+1\u{2013}415\u{2013}555"), "+1-415-555");
        assert_eq!(shadow("\u{664}\u{661}"), "41");
    }

    #[test]
    fn glued_labels_split() {
        assert_eq!(shadow("SSN536-22-1234"), "SSN 536-22-1234");
        assert_eq!(shadow("Card4111111111111111"), "Card 4111111111111111");
        assert_eq!(shadow("IBANDE89370400440532013000"), "IBAN DE89370400440532013000");
        assert_eq!(shadow("Phone001-415-555-0132"), "Phone 001-415-555-0132");
        assert_eq!(shadow("Emailjane@example.com"), "Email jane@example.com");
        assert_eq!(shadow("Emailjane.doe@example.com"), "Email jane.doe@example.com");
        assert_eq!(shadow("NameMrs Jane Doe"), "Name Mrs Jane Doe");
        // Not labels, or not at a word start: untouched.
        for t in ["Cardinal 4", "iPhone15", "emailjane@example.com", "AKIAIOSFODNN7EXAMPLE", "ghp_PhoneX1", "Named"] {
            assert!(Shadow::new(t).is_identity(), "{t:?}");
        }
    }

    #[test]
    fn values_are_not_split_as_glued_labels() {
        // Tokens that start like a label: after an operator or a flag, or with lower-case
        // letters after the digits, they are one value (a split cut passwords short).
        for t in ["password: cc4ixZGNZLN6", "password: DL4dHp3Td59T", "pw= IPAB12cd", "sshpass -p CC4XZ9QW ssh", "x cc4ixZGN", "DL4dHp3Td", "mail ExpTok9 now", "NameMrs9"] {
            assert!(Shadow::new(t).is_identity(), "{t:?}");
        }
        assert_eq!(shadow("SSN536-22-1234 and NINOQQ123456C"), "SSN 536-22-1234 and NINO QQ123456C");
    }

    #[test]
    fn labels_are_sorted_lower_case() {
        assert!(LABELS.windows(2).all(|w| w[0] < w[1]) && LABELS.iter().all(|l| l.bytes().all(|b| b.is_ascii_lowercase())));
    }

    #[test]
    fn values_after_operators_are_not_labels() {
        for t in ["api_key=IDXYZ12345abcdef", "token:PANDORA4kd9", "x=SSN536221234"] {
            assert!(Shadow::new(t).is_identity(), "{t:?}");
        }
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let t = "mail jane%40example.com now";
        let s = Shadow::new(t);
        let at = s.text().find("jane@example.com").unwrap();
        let (a, b) = s.span(at, at + "jane@example.com".len());
        assert_eq!(&t[a..b], "jane%40example.com");
        let t = "x 4111\u{200b}1111 y";
        let s = Shadow::new(t);
        let (a, b) = s.span(2, 10);
        assert_eq!(&t[a..b], "4111\u{200b}1111");
        // A glued label stays out of the value's span.
        let t = "SSN536-22-1234";
        let s = Shadow::new(t);
        let (a, b) = s.span(4, s.text().len());
        assert_eq!(&t[a..b], "536-22-1234");
    }

    #[test]
    fn wrapped_tokens_join() {
        let t = format!("{}ghp_aBcDeFgHiJkLmNoPq\nRsTuVwXyZ0123456789", "x".repeat(30) + " ");
        assert!(shadow(&t).contains("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"));
        assert!(Shadow::new("Hello\nWorld").is_identity());
        // A postcode ending an address line is not joined to the phone on the next.
        assert!(Shadow::new("Tanzania 53144\n06-10446904").is_identity());
        assert_eq!(shadow("card 4111 1111\n1111 1111"), "card 4111 1111 1111 1111");
    }

    proptest::proptest! {
        #[test]
        fn spans_stay_on_char_boundaries(t in "\\PC{0,40}", a in 0usize..60, b in 0usize..60) {
            let s = Shadow::new(&t);
            let (x, y) = s.span(a.min(b), a.max(b));
            proptest::prop_assert!(x <= y && y <= t.len() && t.is_char_boundary(x) && t.is_char_boundary(y));
        }
    }
}
