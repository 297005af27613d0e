//! Rules for contact and network identifiers: email, phone, IP, MAC, URLs carrying
//! credentials or tokens, and dates of birth in labelled context.

use std::net::{Ipv4Addr, Ipv6Addr};

use phonenumber::country;

use super::{check, Candidate, Check, Needs, Rule, RuleConfig};
use crate::detect::validate;
use crate::detect::Entity;

pub fn rules(cfg: &RuleConfig) -> Vec<Rule> {
    vec![
        Rule::new(
            "email",
            Entity::EmailAddress,
            r"(?i-u:\b[a-z0-9][a-z0-9._%+'\-]{0,63}@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b)",
            Needs::Literals(&["@"]),
        )
        .check(Some(Box::new(|c: &Candidate| {
            // `scheme://user:password@host` is URL userinfo (its own rule), not an address.
            let token = c.before(200).rsplit(char::is_whitespace).next().unwrap_or("");
            (!(c.before(1) == ":" && token.contains("://"))).then_some((c.start, c.end))
        }))),
        phone(cfg),
        Rule::new("ipv4", Entity::IpAddress, r"(?-u:\b)(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?-u:\b)", Needs::Literals(&["."]))
            .check(Some(Box::new(ipv4))),
        Rule::new("ipv6", Entity::IpAddress, r"(?i-u)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?::(?:[0-9]{1,3}\.){3}[0-9]{1,3})?", Needs::Literals(&[":"]))
            .check(Some(Box::new(ipv6))),
        Rule::new(
            "mac",
            Entity::MacAddress,
            r"(?i-u)\b(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})\b",
            Needs::Always,
        )
        .check(check(|v| {
            // All-zero and broadcast addresses identify no device.
            let hex: String = v.chars().filter(char::is_ascii_hexdigit).collect::<String>().to_ascii_lowercase();
            hex != "000000000000" && hex != "ffffffffffff"
        })),
        Rule::new(
            "url_userinfo",
            Entity::Password,
            r#"(?i)(?-u:\b)[a-z][a-z0-9+.\-]{1,20}://([^\s/?#@:'"<>]+:[^\s/?#@'"<>]+)@"#,
            Needs::Literals(&["://"]),
        )
        .group(1),
        Rule::new(
            "url_token_param",
            Entity::Secret,
            r#"(?i)[?&#;](?:access_token|refresh_token|id_token|token|auth|authorization|api_?key|apikey|key|sig|signature|secret|client_secret|password|passwd|pwd|pass|code|session|session_?id|sessionid|sid|jwt|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=([^&;\s#"'<>]{6,})"#,
            Needs::Literals(&["="]),
        )
        .group(1),
        Rule::new("url_token_like", Entity::Secret, r#"(?i-u)[?&#;][a-z0-9_.\-]{1,40}=([a-z0-9_.~+/%\-]{20,}={0,2})"#, Needs::Literals(&["="]))
            .group(1)
            .check(check(|v| v.len() >= 20 && validate::entropy(v) >= 3.5 && validate::char_classes(v) >= 2)),
        dob(),
    ]
}

fn phone(cfg: &RuleConfig) -> Rule {
    // libphonenumber's metadata loads lazily (~90 ms): load it now, at engine construction,
    // rather than on the first event that holds a number.
    let _ = phonenumber::parse(None, "+14155552671");
    let regions: Vec<country::Id> = cfg.phone_regions.iter().filter_map(|r| r.to_ascii_uppercase().parse().ok()).collect();
    // International (+CC / 00CC) or national forms: digit groups joined by space, dot, dash,
    // optional parenthesised area code, optional extension. The validator decides.
    let pattern = r"(?:(?:\+|(?-u:\b)00)[ ]?[0-9]{1,3}[ .\-]{0,2})?(?:\([0-9]{1,5}\)[ .\-]{0,2}|(?-u:\b))[0-9]{1,5}(?:[ .\-]{1,2}[0-9]{1,5}|[0-9]){1,8}(?:[ ]?(?:x|ext\.?|#)[ ]?[0-9]{1,6})?(?-u:\b)";
    Rule::new("phone", Entity::PhoneNumber, pattern, Needs::Digit).check(Some(Box::new(move |c: &Candidate| {
        let full = c.value();
        // Validate without the extension; the span keeps it.
        let v = full.find(['x', 'e', '#']).map_or(full, |i| full[..i].trim_end());
        let n = v.bytes().filter(u8::is_ascii_digit).count();
        if !(7..=15).contains(&n) || is_date_like(v) || starts_with_date(v) {
            return None;
        }
        let groups: Vec<&str> = v.split(|ch: char| !ch.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
        // Dotted runs with 1-digit parts are versions or IPs, not phone numbers.
        if v.contains('.') && !v.contains(' ') && groups.iter().skip(1).any(|g| g.len() < 2) {
            return None;
        }
        if groups.len() == 4 && v.matches('.').count() == 3 && !v.contains(' ') {
            return None;
        }
        // Parts of larger tokens (versions, ids, MACs, times) are not phone numbers.
        let prev = c.before(1).bytes().next();
        let next = c.after(2).as_bytes();
        if matches!(prev, Some(b'.' | b'/' | b'_' | b'-' | b'#' | b':' | b'=')) && !v.starts_with('+') {
            return None;
        }
        if prev.is_some_and(|b| b.is_ascii_alphanumeric()) {
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
        let plain_digits = groups.len() == 1 && !v.starts_with('(') && !v.starts_with('+');
        let ds = validate::digits(v);
        if ds.iter().all(|&d| d == ds[ds.len() - 1]) || ds[ds.len().saturating_sub(7)..].iter().all(|&d| d == 0) {
            return None; // 000-000-0000 and friends are placeholders
        }
        let valid = if nanp_shaped(v) {
            true
        } else if groups.len() >= 2 && has_phone_context(c) {
            // Labelled ("Phone:", "call") and grouped like a number: any region's format.
            true
        } else if v.starts_with('+') {
            phonenumber::parse(None, v).is_ok_and(|p| phonenumber::is_valid(&p))
        } else if let Some(rest) = v.strip_prefix("00") {
            phonenumber::parse(None, format!("+{rest}")).is_ok_and(|p| phonenumber::is_valid(&p))
        } else {
            // Bare digit runs and short numbers need a phone word nearby: too many ids and
            // house numbers look like numbers somewhere.
            if (plain_digits || n < 10) && !has_phone_context(c) {
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
    let before = c.before(40).to_ascii_lowercase();
    let after = c.after(16).to_ascii_lowercase();
    ["phone", "tel", "mobile", "cell", "call", "fax", "contact", "whatsapp", "sms", "handy", "telefon", "ph:", "ph.", "ph ", "dial", "reach me", "answering at", "ring"]
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

fn ipv4(c: &Candidate) -> Option<(usize, usize)> {
    let v = c.value();
    v.parse::<Ipv4Addr>().ok()?;
    // Not a piece of a longer dotted sequence (OIDs, version strings).
    let b = c.before(2).as_bytes();
    let a = c.after(2).as_bytes();
    let dotted_before = b.len() == 2 && b[1] == b'.' && b[0].is_ascii_digit();
    let dotted_after = a.len() == 2 && a[0] == b'.' && a[1].is_ascii_digit();
    let versioned = c.before(1).eq_ignore_ascii_case("v");
    (!dotted_before && !dotted_after && !versioned).then_some((c.start, c.end))
}

fn ipv6(c: &Candidate) -> Option<(usize, usize)> {
    let v = c.value();
    let before = c.before(1).bytes().next();
    let after = c.after(1).bytes().next();
    // Not inside a longer token (`std::vec`, `a::b`), nor cut short before a dotted quad.
    let word = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_');
    if word(before) || word(after) || after == Some(b'.') {
        return None;
    }
    v.parse::<Ipv6Addr>().ok()?;
    // The unspecified and loopback addresses alone (`::`, `::1`) count; other candidates need
    // some length and a digit, so that scope operators and times do not.
    let alone = v == "::" || v == "::1";
    (alone || (v.len() >= 6 && v.bytes().any(|b| b.is_ascii_digit()))).then_some((c.start, c.end))
}

const MONTH: &str = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

fn dob() -> Rule {
    let label = r"(?:\bd\.?o\.?b\b\.?|\bdate\s+of\s+birth|\bbirth\s*date|\bbirthday|\bborn(?:\s+on)?|\bgeburtsdatum|\bgeb\.|\bgeboren(?:\s+am)?|\bdate\s+de\s+naissance|\bnée?\s+le|\bfecha\s+de\s+nacimiento|\bdata\s+di\s+nascita|\bgeboortedatum)";
    let date = format!(
        r"[0-9]{{1,2}}[./\-][0-9]{{1,2}}[./\-](?:[0-9]{{4}}|[0-9]{{2}})\b|[0-9]{{4}}[./\-][0-9]{{1,2}}[./\-][0-9]{{1,2}}\b|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTH})\.?,?\s+[0-9]{{4}}\b|(?:{MONTH})\.?\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+[0-9]{{4}}\b"
    );
    let pattern = format!(r"(?i){label}\s*(?:\(?[a-z/]{{0,10}}\)?)?\s*[:=\-]?\s*({date})");
    let check: Check = Box::new(|c: &Candidate| {
        let v = c.value();
        let nums: Vec<u32> = v.split(|ch: char| !ch.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect();
        let ok = match nums.as_slice() {
            [a, b, y] if *a > 31 => validate::plausible_date(*y, *b, *a),
            [a, b, y] => validate::plausible_date(*a, *b, *y) || validate::plausible_date(*b, *a, *y),
            [d, y] => *d >= 1 && *d <= 31 && validate::plausible_date(1, 1, *y),
            _ => false,
        };
        ok.then_some((c.start, c.end))
    });
    Rule::new("date_of_birth", Entity::DateOfBirth, pattern, Needs::Literals(&["dob", "d.o.b", "birth", "born", "geb", "naissance", "né", "nacimiento", "nascita", "geboorte"]))
        .group(1)
        .check(Some(check))
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn emails() {
        assert_found("Jane Doe <jane.doe@example.com>", EmailAddress, "jane.doe@example.com");
        assert_found("mail o'brien+tag@mail.co.uk now", EmailAddress, "o'brien+tag@mail.co.uk");
        assert_none("user@localhost and @handle and a@b", EmailAddress);
        assert_none("postgres://admin:s3cr3t@db.internal:5432/app", EmailAddress);
        assert_found("mailto:jane@example.com", EmailAddress, "jane@example.com");
    }

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
    fn ip_and_mac() {
        assert_found("host 192.168.1.20 up", IpAddress, "192.168.1.20");
        assert_found("peer 2001:db8:85a3::8a2e:370:7334", IpAddress, "2001:db8:85a3::8a2e:370:7334");
        assert_found("fe80::1ff:fe23:4567:890a%eth0", IpAddress, "fe80::1ff:fe23:4567:890a");
        assert_none("999.1.1.1 and v1.2.3.4 and 1.3.6.1.4.1", IpAddress);
        assert_none("at 12:30:45 and std::vec and ::printf and a::b", IpAddress);
        assert_found("src=:: dst=::1", IpAddress, "::1");
        assert_found("route ::/0 default", IpAddress, "::");
        assert_none("::ffff:192.168.1", IpAddress);
        assert_found("ether 00:1a:2b:3c:4d:5e", MacAddress, "00:1a:2b:3c:4d:5e");
        assert_found("mac 0a1b.2c3d.4e5f", MacAddress, "0a1b.2c3d.4e5f");
        assert_none("00:1a-2b:3c:4d:5e", MacAddress);
        assert_found("MAC: 01-23-45-67-89-AB", MacAddress, "01-23-45-67-89-AB");
        assert_found("hw AA-BB-CC-DD-EE-FF", MacAddress, "AA-BB-CC-DD-EE-FF");
        assert_none("Invalid: 00:00:00:00:00:00", MacAddress);
    }

    #[test]
    fn urls() {
        assert_found("postgres://admin:s3cr3t@db.internal/app", Password, "admin:s3cr3t");
        assert_found("https://x.io/cb?state=1&access_token=abcDEF123456", Secret, "abcDEF123456");
        assert_found("https://s3.aws/o?X-Amz-Signature=9f8e7d6c5b4a39281706f5e4d3c2b1a0", Secret, "9f8e7d6c5b4a");
        assert_found("https://x.io/?q=1&v=Zq3kL9pX2mN8rT4wY7bC1dF6", Secret, "Zq3kL9pX2mN8rT4wY7bC1dF6");
        assert_none("https://example.com/search?q=hello+world&page=2", Secret);
        // Parameters end at `;` too: the next key/value pair survives.
        let t = "Server=tcp:db,1433;User Id=sa;Password=Sup3r$ecret;Encrypt=true";
        assert!(found(t).iter().all(|(_, v)| !v.contains("Encrypt")), "{:?}", found(t));
        assert_none("https://example.com/path", Password);
    }

    #[test]
    fn dates_of_birth() {
        assert_found("DOB: 04/12/1985", DateOfBirth, "04/12/1985");
        assert_found("Date of birth 1985-12-04", DateOfBirth, "1985-12-04");
        assert_found("born on March 3rd, 1979", DateOfBirth, "March 3rd, 1979");
        assert_found("Geburtsdatum: 12.07.1990", DateOfBirth, "12.07.1990");
        assert_none("Meeting on 04/12/1985", DateOfBirth);
        assert_none("DOB: 45/45/1985", DateOfBirth);
    }
}
