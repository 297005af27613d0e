//! Phone numbers: candidates validated with libphonenumber's metadata (`phonenumber`) for
//! `+CC`/`00CC` numbers (bare E.164 included) and for national numbers of the policy's
//! regions; North-American layouts; any grouped number, or a national number of any of the
//! common regions, next to a phone label before or after it. Dates, times, IPs, versions,
//! MACs and house numbers are rejected.

use phonenumber::country;

use super::{Candidate, Needs, Rule, RuleConfig};
use crate::detect::validate;
use crate::detect::Entity;

/// Regions whose national formats count next to a phone label (a label makes the region's
/// own shape enough): the policy's regions are tried without one.
const LABELLED_REGIONS: &[&str] = &[
    "US", "CA", "GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL", "LU", "ES", "PT", "IT", "PL", "CZ", "SE", "NO", "DK", "FI", "GR", "TR",
    "RU", "UA", "IL", "AE", "SA", "EG", "ZA", "NG", "KE", "IN", "PK", "BD", "CN", "HK", "TW", "JP", "KR", "SG", "MY", "TH", "VN", "PH",
    "ID", "AU", "NZ", "MX", "BR", "AR", "CL", "CO", "PE",
];

/// Loads libphonenumber's metadata, which otherwise loads lazily (~50 ms) on the first text
/// holding a number: [`super::RuleSet::builtin`] calls it while the regexes compile.
pub fn warm() {
    let _ = phonenumber::parse(None, "+14155552671");
}

pub fn rule(cfg: &RuleConfig) -> Rule {
    let regions: Vec<country::Id> = cfg.phone_regions.iter().filter_map(|r| r.to_ascii_uppercase().parse().ok()).collect();
    let labelled: Vec<country::Id> = LABELLED_REGIONS.iter().filter_map(|r| r.parse().ok()).collect();
    // International (+CC / 00CC) or national forms: digit groups joined by space, dot, dash,
    // optional parenthesised area code, optional extension. The validator decides.
    let pattern = r"(?:(?:\+|(?-u:\b)00)[ ]?[0-9]{1,3}[ .\-]{0,2})?(?:\([0-9]{1,5}\)[ .\-]{0,2}|(?-u:\b))[0-9]{1,5}(?:[ .\-]{1,2}[0-9]{1,5}|[0-9]){1,8}(?:[ ]?(?:x|ext\.?|#)[ ]?[0-9]{1,6})?(?-u:\b)";
    Rule::new("phone", Entity::PhoneNumber, pattern, Needs::Digit).check(Some(Box::new(move |c: &Candidate| {
        // A `+` right before the match (`+14155552671`: the pattern cannot split an
        // unseparated country code) belongs to the number.
        let plus = c.before(1) == "+" && c.text[..c.start - 1].chars().next_back().is_none_or(|p| !p.is_alphanumeric());
        let start = if plus { c.start - 1 } else { c.start };
        let c = &Candidate { text: c.text, start, end: c.end };
        let full = c.value();
        // Validate without the extension; the span keeps it.
        let v = full.find(['x', 'e', '#']).map_or(full, |i| full[..i].trim_end());
        let n = v.bytes().filter(u8::is_ascii_digit).count();
        if n < 6 {
            return None;
        }
        let groups: Vec<&str> = v.split(|ch: char| !ch.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
        // Six digits count only as three groups next to a phone word (`call 33 93 31`).
        // Whether a phone word is near, asked at most once and only where it matters.
        let known = std::cell::Cell::new(None);
        let context = || {
            known.get().unwrap_or_else(|| {
                let k = has_phone_context(c);
                known.set(Some(k));
                k
            })
        };
        let short_ok = n == 6 && groups.len() >= 3 && context();
        if !((7..=15).contains(&n) || short_ok) || is_date_like(v) || starts_with_date(v) {
            return None;
        }
        // Dotted runs with 1-digit parts are versions or IPs, not phone numbers.
        if v.contains('.') && !v.contains(' ') && groups.iter().skip(1).any(|g| g.len() < 2) {
            return None;
        }
        if groups.len() == 4 && v.matches('.').count() == 3 && !v.contains(' ') {
            return None;
        }
        // Parts of larger tokens (versions, ids, MACs, times) are not phone numbers.
        let prev = c.before(1).bytes().next();
        // Glued to a label (`Phone001-415…`, `Tel4155552671`): letters then digits is a boundary.
        let glued = prev.is_some_and(|b| b.is_ascii_alphabetic()) && context();
        let next = c.after(2).as_bytes();
        if matches!(prev, Some(b'.' | b'/' | b'_' | b'-' | b'#' | b':' | b'=')) && !v.starts_with('+') {
            return None;
        }
        if prev.is_some_and(|b| b.is_ascii_alphanumeric()) && !glued {
            return None;
        }
        if let (Some(&a), Some(&b)) = (next.first(), next.get(1)) {
            if matches!(a, b'.' | b',' | b'/') && b.is_ascii_digit() {
                return None;
            }
        }
        // "...-89-AB": the number goes on as hex pairs (a MAC, a UUID).
        let after = c.after(4).as_bytes();
        if after.len() >= 3 && matches!(after[0], b'-' | b':') && after[1].is_ascii_hexdigit() && after[2].is_ascii_hexdigit() && after.get(3).is_none_or(|b| !b.is_ascii_alphanumeric()) {
            return None;
        }
        if next.first() == Some(&b':') {
            return None;
        }
        // Groups of four (`1234 5698 7654 32`) are how cards and IBANs are written, and no
        // region writes its numbers so: without a `+` or a phone word, not a number (and not
        // worth libphonenumber's time).
        if n >= 13 && groups.len() >= 4 && groups[..groups.len() - 1].iter().all(|g| g.len() == 4) && !v.starts_with('+') && !context() {
            return None;
        }
        let plain_digits = groups.len() == 1 && !v.starts_with('(') && !v.starts_with('+');
        let ds = validate::digits(v);
        if ds.iter().all(|&d| d == ds[ds.len() - 1]) || ds[ds.len().saturating_sub(7)..].iter().all(|&d| d == 0) {
            return None; // 000-000-0000 and friends are placeholders
        }
        // `+44 (0)20 …`: the trunk prefix in brackets is not dialled after a country code.
        let dial = if v.starts_with('+') || v.starts_with("00") { v.replacen("(0)", "", 1) } else { v.to_string() };
        let valid = if nanp_shaped(v) {
            true
        } else if groups.len() >= 2 && context() {
            // Labelled ("Phone:", "call") and grouped like a number: any region's format.
            true
        } else if v.starts_with('+') {
            phonenumber::parse(None, &dial).is_ok_and(|p| phonenumber::is_valid(&p))
        } else if let Some(rest) = dial.strip_prefix("00") {
            phonenumber::parse(None, format!("+{rest}")).is_ok_and(|p| phonenumber::is_valid(&p))
        } else if context() {
            // Labelled: a valid national number of any common region (PH 0917…, TR 0532…).
            labelled.iter().chain(&regions).any(|r| phonenumber::parse(Some(*r), v).is_ok_and(|p| phonenumber::is_valid(&p)))
        } else {
            // Bare digit runs and short numbers need a phone word nearby: too many ids and
            // house numbers look like numbers somewhere.
            if plain_digits || n < 10 {
                return None;
            }
            regions.iter().any(|r| phonenumber::parse(Some(*r), v).is_ok_and(|p| phonenumber::is_valid(&p)))
        };
        valid.then_some((c.start, c.end))
    })))
}

/// The North American layout `(NXX) NXX-XXXX`, `NXX-NXX-XXXX`, `NXX.NXX.XXXX` (optionally
/// after `+1`, `1` or `001`): distinctive enough to take even where the area code is not
/// (yet) assigned.
fn nanp_shaped(v: &str) -> bool {
    let v = v.trim();
    let rest = v.strip_prefix("+1").or_else(|| v.strip_prefix("001")).or_else(|| v.strip_prefix("1-")).unwrap_or(v);
    let rest = rest.trim_start_matches([' ', '-', '.']);
    let b = rest.as_bytes();
    let d = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let sep = |i: usize| matches!(b.get(i), Some(b'-' | b'.' | b' '));
    if b.first() == Some(&b'(') {
        // (NXX) NXX-XXXX or (NXX)NXX-XXXX
        let off = if b.get(5) == Some(&b' ') { 6 } else { 5 };
        return b.len() == off + 8 && d(1..4) && b[4] == b')' && d(off..off + 3) && sep(off + 3) && d(off + 4..off + 8);
    }
    b.len() == 12 && d(0..3) && sep(3) && d(4..7) && b[7] == b[3] && d(8..12)
}

fn starts_with_date(v: &str) -> bool {
    let b = v.as_bytes();
    let d = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    (d(0..4) && b.get(4) == Some(&b'-') && d(5..7) && b.get(7) == Some(&b'-') && d(8..10))
        || (d(0..2) && matches!(b.get(2), Some(b'.' | b'/' | b'-')) && d(3..5) && b.get(5) == b.get(2) && d(6..10))
}

fn has_phone_context(c: &Candidate) -> bool {
    let lower = |s: &str| if s.is_ascii() { s.to_ascii_lowercase() } else { s.to_lowercase() };
    let before = lower(c.before(40));
    let after = lower(c.after(16));
    [
        "phone", "tel", "mobile", "cell", "call", "fax", "contact", "whatsapp", "sms", "handy", "telefon", "ph:", "ph.", "ph ", "dial", "reach me",
        "answering at", "ring", "cep", "telefono", "teléfono", "telefone", "telepono", "celular", "móvil", "movil", "portable", "numéro", "mobil",
        "тел", "电话", "手机", "携帯", "電話", "전화", "휴대폰", "נייד", "هاتف",
    ]
    .iter()
    .any(|k| before.contains(k))
        || ["office", "fax", "mobile", "mobil", "home", "work", "cell", "(m)", "(w)", "(h)"].iter().any(|k| after.contains(k))
}

fn is_date_like(v: &str) -> bool {
    let parts: Vec<&str> = v.split(['.', '-', '/', ' ']).filter(|p| !p.is_empty()).collect();
    if parts.len() != 3 {
        return false;
    }
    let nums: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    if nums.len() != 3 {
        return false;
    }
    let (a, b, c) = (nums[0], nums[1], nums[2]);
    (parts[0].len() == 4 && validate::plausible_date(c, b, a))
        || (parts[2].len() == 4 || parts[2].len() == 2) && (validate::plausible_date(a, b, c) || validate::plausible_date(b, a, c))
}


#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn phones() {
        assert_found("call me at +1 415-555-2671 please", PhoneNumber, "+1 415-555-2671");
        assert_found("Tel: (212) 736-5000", PhoneNumber, "(212) 736-5000");
        assert_found("Ruf an: +49 30 901820", PhoneNumber, "+49 30 901820");
        assert_found("office 020 7946 0018", PhoneNumber, "020 7946 0018");
        assert_found("phone 4157362000", PhoneNumber, "4157362000");
        assert_none("order id 4157362000 shipped", PhoneNumber);
        assert_none("version 1.2.3 released 2024-05-12", PhoneNumber);
        assert_none("ts 1716200000123 and 12:30:45", PhoneNumber);
        assert_none("+1 000-000-0000", PhoneNumber);
        assert_found("Phone: (978)645-9740x11144", PhoneNumber, "(978)645-9740x11144");
        assert_found("reach 166-684-7899 today", PhoneNumber, "166-684-7899");
        assert_found("or 001-748-088-2851", PhoneNumber, "001-748-088-2851");
        assert_none("When: 1993-01-04 14:56:41", PhoneNumber);
        assert_none("My driver's license number is 425700624", PhoneNumber);
        assert_none("Apt. 722 20 40 rue Victor Hugo", PhoneNumber);
        assert_none("MAC: 01-23-45-67-89-AB", PhoneNumber);
        assert_none("ip 192.168.1.1.1", PhoneNumber);
        assert_found("Phone: 88 165 40 96", PhoneNumber, "88 165 40 96");
        assert_none("Room 88 165 40 96", PhoneNumber);
    }

    #[test]
    fn phones_unlabelled_international_and_labelled_foreign() {
        // Bare E.164: the `+` is part of the finding.
        let got = found("reach +14155552671 or +4930901820");
        assert!(got.contains(&(PhoneNumber, "+14155552671".into())) && got.contains(&(PhoneNumber, "+4930901820".into())), "{got:?}");
        assert_found("Tel: +44(0)1632 960693", PhoneNumber, "+44(0)1632 960693");
        assert_found("London +44 (0)20 7946 0018", PhoneNumber, "+44 (0)20 7946 0018");
        assert_found("Mobile: 09171234567", PhoneNumber, "09171234567");
        assert_found("Cep no: 05321234567", PhoneNumber, "05321234567");
        assert_found("Tel: 13812345678", PhoneNumber, "13812345678");
        assert_found("phone 050-123-4567", PhoneNumber, "050-123-4567");
        assert_found("Phone001-415-555-0132", PhoneNumber, "001-415-555-0132");
        assert_none("order 09171234567 shipped", PhoneNumber);
        assert_found("You can call 33 93 31", PhoneNumber, "33 93 31");
        assert_found("61 51 81 office", PhoneNumber, "61 51 81");
        assert_none("Room 33 93 31", PhoneNumber);
        assert_none("refund to GB82 WEST 1234 5698 7654 32", PhoneNumber);
        // An international number glued to a label is still one (issue 11: glued values).
        assert_found("ref+14155552671", PhoneNumber, "+14155552671");
    }

}
