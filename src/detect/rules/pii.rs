//! Rules for contact and network identifiers: email, IP (with mapped forms and CIDR
//! suffixes), MAC, postal codes (after a US state or a postcode label), and dates of birth in
//! labelled context. Phones are in [`super::phone`], URLs in [`super::urls`].

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{check, Candidate, Check, Needs, Rule};
use crate::detect::validate;
use crate::detect::Entity;

pub fn rules() -> Vec<Rule> {
    vec![
        Rule::new(
            "email",
            Entity::EmailAddress,
            r"(?i-u:\b[a-z0-9][a-z0-9._%+'\-]{0,63}@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b)",
            Needs::Literals(&["@"]),
        )
        .check(Some(Box::new(|c: &Candidate| {
            // `scheme://user:password@host` is URL userinfo (its own rule), not an address:
            // nor is a piece of the password before the `@` (`…!MPD@db.internal`, `690MPD@…`,
            // where a letter-digit switch counts as a word boundary).
            let token = c.before(200).rsplit(|ch: char| ch.is_whitespace() || matches!(ch, '"' | '\'' | '<' | '>' | '`')).next().unwrap_or("");
            let in_password = token.rsplit_once("://").is_some_and(|(_, auth)| auth.contains(':') && !auth.contains(['/', '@']));
            (!(in_password || c.before(1) == ":" && token.contains("://"))).then_some((c.start, c.end))
        }))),
        Rule::new("ipv4", Entity::IpAddress, r"(?-u:\b)(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?:/[0-9]{1,2})?(?-u:\b)", Needs::Literals(&["."]))
            .check(Some(Box::new(ipv4))),
        // Hex groups, a dotted quad last (`::ffff:192.0.2.1`), a prefix length (`/64`).
        Rule::new("ipv6", Entity::IpAddress, r"(?i-u)[0-9a-f]{0,4}(?::(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9a-f]{0,4})){2,7}(?:/[0-9]{1,3}(?-u:\b))?", Needs::Literals(&[":"]))
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
        dob(),
        Rule::new(
            "us_state_zip",
            Entity::PostalCode,
            r"(?-u:\b)(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR),?[ ]+([0-9]{5}(?:-[0-9]{4})?)(?-u:\b)",
            Needs::Digit,
        )
        .group(1),
        Rule::new(
            "postal_code",
            Entity::PostalCode,
            r"(?i)(?-u:\b)(?:zip(?:\s*code)?|postal\s*code|post\s*code|postcode|code\s+postal|c\.p\.|cap|código\s+postal|codigo\s+postal|postnummer|postinumero|postcode|pincode|pin\s*code)(?:\s+(?:is|was|=))?\s*[:#.]?\s*((?-i:[0-9]{5}(?:-[0-9]{4})?|[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]|[0-9]{4} ?[A-Z]{2}|[0-9]{3}-[0-9]{4}|[0-9]{2}-[0-9]{3}|[0-9]{3} ?[0-9]{2,3}|[0-9]{4}))(?-u:\b)",
            Needs::DigitAnd(&["zip", "postal", "post", "c.p.", "cap", "código", "codigo", "postinumero", "pin"]),
        )
        .group(1),
    ]
}

/// An address and an optional prefix length no longer than the address.
fn with_prefix(v: &str, max: u32) -> Option<&str> {
    match v.split_once('/') {
        Some((a, p)) => (p.parse::<u32>().ok()? <= max).then_some(a),
        None => Some(v),
    }
}

fn ipv4(c: &Candidate) -> Option<(usize, usize)> {
    let v = with_prefix(c.value(), 32)?;
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
    let v = with_prefix(c.value(), 128)?;
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

use super::datetime::MONTH;

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
        // A piece of the password is no mailbox either: the host stays readable.
        for (url, password) in [("postgres://app:qguthq690!MPD@db.internal:5432/prod", "qguthq690!MPD"), ("postgres://app:qguthq690MPD@db.internal:5432/prod", "qguthq690MPD"), ("DATABASE_URL=\"mysql://u:a!b@db.example.com/x\"", "a!b")] {
            assert_none(url, EmailAddress);
            assert_eq!(found(url), vec![(Password, password.to_string())], "the password alone, the host readable: {url}");
        }
        assert_found("see https://example.com/contact?to=jane@example.com", EmailAddress, "jane@example.com");
        assert_found("https://x.example/a:b jane@example.com", EmailAddress, "jane@example.com");
        assert_found("mailto:jane@example.com", EmailAddress, "jane@example.com");
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
        // Mapped addresses whole, prefix lengths with their address, documentation prefixes.
        let got = found("from ::ffff:192.168.1.20 on 10.0.0.0/24 and 2001:db8::1 via 2001:db8::/32");
        for v in ["::ffff:192.168.1.20", "10.0.0.0/24", "2001:db8::1", "2001:db8::/32"] {
            assert!(got.contains(&(IpAddress, v.into())), "{v}: {got:?}");
        }
        assert_none("10.0.0.1/99", IpAddress);
        assert_found("ether 00:1a:2b:3c:4d:5e", MacAddress, "00:1a:2b:3c:4d:5e");
        assert_found("mac 0a1b.2c3d.4e5f", MacAddress, "0a1b.2c3d.4e5f");
        assert_none("00:1a-2b:3c:4d:5e", MacAddress);
        assert_found("MAC: 01-23-45-67-89-AB", MacAddress, "01-23-45-67-89-AB");
        assert_found("hw AA-BB-CC-DD-EE-FF", MacAddress, "AA-BB-CC-DD-EE-FF");
        assert_none("Invalid: 00:00:00:00:00:00", MacAddress);
    }

    #[test]
    fn postal_codes() {
        assert_found("Springfield, IL 62704", PostalCode, "62704");
        assert_found("San Francisco, CA 94105-1234", PostalCode, "94105-1234");
        assert_found("ZIP: 10001", PostalCode, "10001");
        assert_found("My zip code is 35649", PostalCode, "35649");
        assert_found("our postcode was 1012 AB", PostalCode, "1012 AB");
        assert_found("postal code K1A 0B1", PostalCode, "K1A 0B1");
        assert_none("I have 62704 items", PostalCode);
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
