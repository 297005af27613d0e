//! Validators: checksums and structural checks that turn a regex candidate into a finding.
//! Each one rejects near-misses (a wrong check digit, an impossible range) so that rules stay
//! precise without loosening their patterns.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// ASCII digits of `s`, in order.
pub fn digits(s: &str) -> Vec<u8> {
    s.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect()
}

/// The Luhn (mod 10) check used by payment cards.
pub fn luhn(d: &[u8]) -> bool {
    if d.is_empty() {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = x as u32;
            if i % 2 == 1 { if x * 2 > 9 { x * 2 - 9 } else { x * 2 } } else { x }
        })
        .sum();
    sum % 10 == 0
}

/// Issuer identification: the prefix and length belong to a known card scheme.
pub fn card_iin(d: &[u8]) -> bool {
    let n = d.len();
    let p = |k: usize| d.iter().take(k).fold(0u32, |a, &x| a * 10 + x as u32);
    match d.first() {
        Some(4) => matches!(n, 13 | 16 | 19),                                               // Visa
        Some(5) => (51..=55).contains(&p(2)) && n == 16 || (50..=59).contains(&p(2)) && (12..=19).contains(&n), // Mastercard, Maestro
        Some(2) => (2221..=2720).contains(&p(4)) && n == 16 || p(4) == 2131 && n == 15,     // Mastercard 2-series, JCB
        Some(3) => {
            (matches!(p(2), 34 | 37) && n == 15)                                             // Amex
                || ((3528..=3589).contains(&p(4)) && (16..=19).contains(&n))                  // JCB
                || (((300..=305).contains(&p(3)) || matches!(p(2), 36 | 38 | 39) || p(3) == 309) && (14..=19).contains(&n)) // Diners
        }
        Some(6) => (12..=19).contains(&n), // Discover, UnionPay, Maestro, RuPay
        Some(1) => p(1) == 1 && n == 15,   // UATP
        _ => false,
    }
}

/// IBAN length by country (ISO 13616 registry).
fn iban_length(cc: &str) -> Option<usize> {
    Some(match cc {
        "NO" => 15,
        "BE" => 16,
        "DK" | "FI" | "FO" | "GL" | "NL" => 18,
        "MK" | "SI" => 19,
        "AT" | "BA" | "EE" | "KZ" | "LT" | "LU" | "XK" => 20,
        "CH" | "HR" | "LI" | "LV" => 21,
        "BG" | "BH" | "CR" | "DE" | "GB" | "GE" | "IE" | "ME" | "RS" | "VA" => 22,
        "AE" | "GI" | "IL" | "IQ" | "TL" => 23,
        "AD" | "CZ" | "ES" | "MD" | "PK" | "RO" | "SA" | "SE" | "SK" | "TN" | "VG" => 24,
        "LY" | "PT" | "ST" => 25,
        "IS" | "TR" => 26,
        "FR" | "GR" | "IT" | "MC" | "MR" | "SM" => 27,
        "AL" | "AZ" | "BY" | "CY" | "DO" | "GT" | "HU" | "LB" | "PL" | "SV" => 28,
        "BR" | "EG" | "PS" | "QA" | "UA" => 29,
        "JO" | "KW" | "MU" => 30,
        "MT" | "SC" => 31,
        "LC" => 32,
        "RU" => 33,
        _ => return None,
    })
}

/// An IBAN (spaces allowed): known country, that country's length, and mod-97 == 1.
pub fn iban(s: &str) -> bool {
    let c: Vec<u8> = s.bytes().filter(|b| !matches!(b, b' ' | b'-')).map(|b| b.to_ascii_uppercase()).collect();
    if c.len() < 15 || !c.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let Ok(cc) = std::str::from_utf8(&c[..2]) else { return false };
    if iban_length(cc) != Some(c.len()) || !c[2].is_ascii_digit() || !c[3].is_ascii_digit() {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in c[4..].iter().chain(&c[..4]) {
        let v = if b.is_ascii_digit() { (b - b'0') as u32 } else { (b - b'A') as u32 + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// US SSN ranges: area not 000, 666 or 9xx; group not 00; serial not 0000; and not one of the
/// well-known invalid or advertising numbers.
pub fn us_ssn(d: &[u8]) -> bool {
    if d.len() != 9 {
        return false;
    }
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    let (area, group, serial) = (num(0..3), num(3..5), num(5..9));
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return false;
    }
    let all = num(0..9);
    // Woolworth's wallet card, the 1962 advertising range, and repeated/sequential digits.
    if all == 78_051_120 || all == 219_099_999 || all == 123_456_789 || (987_654_320..=987_654_329).contains(&all) {
        return false;
    }
    !d.iter().all(|&x| x == d[0])
}

const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn base58_decode(s: &str) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(32);
    for c in s.bytes() {
        let mut carry = B58.iter().position(|&x| x == c)? as u32;
        for b in out.iter_mut().rev() {
            carry += (*b as u32) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.bytes().take_while(|&c| c == b'1').count();
    let mut v = vec![0u8; zeros];
    v.extend(out);
    Some(v)
}

/// A Base58Check string whose payload is `len` bytes (25 for a Bitcoin P2PKH/P2SH address).
pub fn base58check(s: &str, len: usize) -> bool {
    let Some(b) = base58_decode(s) else { return false };
    if b.len() != len {
        return false;
    }
    let (payload, check) = b.split_at(len - 4);
    let h = Sha256::digest(Sha256::digest(payload));
    &h[..4] == check
}

/// Bech32 / Bech32m (BIP-173/350) checksum of a segwit address such as `bc1...`.
pub fn bech32(s: &str) -> bool {
    const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let lower = s.to_ascii_lowercase();
    if lower != s && s.to_ascii_uppercase() != s {
        return false;
    }
    let Some(pos) = lower.rfind('1') else { return false };
    let (hrp, data) = (&lower[..pos], &lower[pos + 1..]);
    if hrp.is_empty() || data.len() < 6 {
        return false;
    }
    let Some(vals) = data.bytes().map(|c| CHARSET.iter().position(|&x| x == c).map(|p| p as u32)).collect::<Option<Vec<u32>>>() else {
        return false;
    };
    let gen = [0x3b6a57b2u32, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut chk: u32 = 1;
    let hrp_exp = hrp.bytes().map(|c| (c >> 5) as u32).chain([0]).chain(hrp.bytes().map(|c| (c & 31) as u32));
    for v in hrp_exp.chain(vals) {
        let top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (i, g) in gen.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk == 1 || chk == 0x2bc830a3
}

/// An Ethereum address `0x` + 40 hex. All-lower or all-upper hex is accepted as is; mixed case
/// must carry a valid EIP-55 checksum.
pub fn eth_address(s: &str) -> bool {
    let Some(hex) = s.strip_prefix("0x") else { return false };
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if !(has_lower && has_upper) {
        return true;
    }
    let lower = hex.to_ascii_lowercase();
    let h = Keccak256::digest(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, c)| {
        if !c.is_ascii_alphabetic() {
            return true;
        }
        let nibble = (h[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0xf;
        (nibble >= 8) == c.is_ascii_uppercase()
    })
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts.iter().filter(|&&c| c > 0).map(|&c| {
        let p = c as f64 / n as f64;
        -p * p.log2()
    }).sum()
}

/// How many of the classes lower, upper, digit the string mixes.
pub fn char_classes(s: &str) -> usize {
    [s.bytes().any(|b| b.is_ascii_lowercase()), s.bytes().any(|b| b.is_ascii_uppercase()), s.bytes().any(|b| b.is_ascii_digit())]
        .iter()
        .filter(|&&x| x)
        .count()
}

/// A plausible calendar date given as day/month/year numbers (year 1900..=2100 or two digits).
pub fn plausible_date(day: u32, month: u32, year: u32) -> bool {
    let year_ok = year < 100 || (1900..=2100).contains(&year);
    let dim = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 29,
        _ => return false,
    };
    year_ok && (1..=dim).contains(&day)
}

/// A real calendar date (leap years included).
pub fn valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let dim = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=dim).contains(&day)
}

/// Base64, leniently: padding optional, anything after the first `=` ignored, trailing bits
/// dropped; `None` on a character outside the alphabet. With `url_safe` the URL alphabet's
/// `-` and `_` are taken too (a JWT's base64url). Candidates are short and already matched
/// by a rule, so lenient is right: a stricter decoder would only miss wrapped secrets.
pub fn base64_decode(s: &str, url_safe: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'-' if url_safe => 62,
            b'_' if url_safe => 63,
            b'=' => break,
            _ => return None,
        } as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// Verhoeff's dihedral check (Aadhaar): the last digit checks the others.
pub fn verhoeff(d: &[u8]) -> bool {
    const M: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    if d.is_empty() || d.iter().any(|&x| x > 9) {
        return false;
    }
    d.iter().rev().enumerate().fold(0u8, |c, (i, &x)| M[c as usize][P[i % 8][x as usize] as usize]) == 0
}

/// ISO 7064 MOD 11,10 (German tax id and VAT id): the last digit checks the others.
pub fn iso7064_mod11_10(d: &[u8]) -> bool {
    let Some((&check, body)) = d.split_last() else { return false };
    let mut product = 10u32;
    for &x in body {
        let mut sum = (x as u32 + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    (11 - product) % 10 == check as u32
}

/// ICAO 9303 check digit (weights 7, 3, 1; letters A=10 … Z=35) of `body`.
pub fn icao_check(body: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, c) in body.bytes().enumerate() {
        let v = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            b'<' => 0,
            _ => return None,
        };
        sum += v * [7, 3, 1][i % 3];
    }
    Some(sum % 10)
}

/// Σ digit × weight, over as many digits as there are weights.
pub fn weighted(d: &[u8], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(&x, &w)| x as u32 * w).sum()
}

/// Sum of the decimal digits of `n` (the cross sum of a doubled digit in Luhn-like checks).
pub fn cross_sum(mut n: u32) -> u32 {
    let mut s = 0;
    while n > 0 {
        s += n % 10;
        n /= 10;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_iin() {
        for ok in ["4111111111111111", "5500005555555559", "378282246310005", "6011000990139424", "3530111333300000", "2223003122003222"] {
            let d = digits(ok);
            assert!(luhn(&d) && card_iin(&d), "{ok}");
        }
        assert!(!luhn(&digits("4111111111111112")));
        assert!(!card_iin(&digits("9111111111111111")));
        assert!(!card_iin(&digits("37828224631000"))); // Amex with 14 digits
    }

    #[test]
    fn iban_checks() {
        for ok in ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300"] {
            assert!(iban(ok), "{ok}");
        }
        assert!(!iban("GB82 WEST 1234 5698 7654 33"), "wrong check digits");
        assert!(!iban("DE8937040044053201300"), "wrong length for DE");
        assert!(!iban("XX89370400440532013000"), "unknown country");
    }

    #[test]
    fn ssn_ranges() {
        assert!(us_ssn(&digits("536-22-1234")));
        for bad in ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000", "078-05-1120", "123-45-6789", "111-11-1111"] {
            assert!(!us_ssn(&digits(bad)), "{bad}");
        }
    }

    #[test]
    fn crypto_addresses() {
        assert!(base58check("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", 25));
        assert!(base58check("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", 25));
        assert!(!base58check("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", 25));
        assert!(bech32("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
        assert!(bech32("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"));
        assert!(!bech32("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx"));
        assert!(eth_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        assert!(!eth_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
        assert!(eth_address("0x52908400098527886e0f7030069857d2e4169ee7"));
    }

    #[test]
    fn generic_checksums() {
        assert!(verhoeff(&digits("2363")) && !verhoeff(&digits("2364")));
        assert!(verhoeff(&digits("399876543211")) && !verhoeff(&digits("399876543212")));
        assert!(iso7064_mod11_10(&digits("12345678903")) && !iso7064_mod11_10(&digits("12345678901")));
        assert_eq!(icao_check("L01X00T4"), Some(4));
        assert_eq!(icao_check("L898902C"), Some(3)); // ICAO 9303's own example
        assert!(valid_date(2000, 2, 29) && !valid_date(1900, 2, 29) && !valid_date(2023, 4, 31));
        assert_eq!(cross_sum(18), 9);
    }

    #[test]
    fn entropy_and_dates() {
        assert!(entropy("aaaaaaaa") < 0.1);
        assert!(entropy("q8Zr2LpX0vB7nK4w") > 3.5);
        assert!(plausible_date(29, 2, 1988) && !plausible_date(31, 4, 1990) && !plausible_date(1, 13, 1990));
    }
}
