//! Rules for financial and government numbers: payment cards (Luhn + IIN; 12-digit Maestro
//! only next to a card word) with their expiry dates and security codes, IBAN (mod-97 +
//! country length), US SSN (invalid ranges rejected), and crypto wallets (Base58Check,
//! Bech32/Bech32m, EIP-55).

use super::{check, Candidate, Needs, Rule};
use crate::detect::validate;
use crate::detect::Entity;

pub fn rules() -> Vec<Rule> {
    vec![
        Rule::new(
            "credit_card",
            Entity::CreditCard,
            // Card-shaped tokens: 12-19 digits, 4-4-4(-x) groups, or Amex/Diners 4-6-4/5 groups.
            r"(?-u:\b)(?:[0-9]{12,19}|[0-9]{4}[ \-][0-9]{4}[ \-][0-9]{4}(?:[ \-][0-9]{1,7})?|[0-9]{4}[ \-][0-9]{6}[ \-][0-9]{4,5})(?-u:\b)",
            Needs::Digit,
        ).check(Some(Box::new(card))),
        // Expiry and security code next to a card label: personal data of the card too.
        Rule::new(
            "card_expiry",
            Entity::CreditCard,
            r"(?i)(?-u:\b)(?:exp(?:iry|ires|iration)?(?:\s*date)?|valid\s*(?:thru|through|until)|good\s*thru|gültig\s*bis|ablaufdatum|vence|scadenza)\s*[:.]?\s*((?:0?[1-9]|1[0-2])\s?/\s?(?:20)?[0-9]{2})(?-u:\b)",
            Needs::DigitAnd(&["exp:", "exp ", "exp.", "expir", "valid", "good", "gültig", "ablauf", "vence", "scad"]),
        )
        .group(1),
        Rule::new(
            "card_cvv",
            Entity::CreditCard,
            r"(?i)(?-u:\b)(?:cvv2?|cvc2?|cvn|cid|csc|card\s*security\s*code|security\s*code|kartenprüfnummer|prüfnummer|código\s*de\s*seguridad|cryptogramme)\s*[:#=]?\s*([0-9]{3,4})(?-u:\b)",
            Needs::DigitAnd(&["cvv", "cvc", "cvn", "cid", "csc", "security", "prüfnummer", "seguridad", "cryptogramme"]),
        )
        .group(1),
        Rule::new("iban", Entity::IbanCode, r"(?i-u)\b[a-z]{2}[0-9]{2}(?:[ \-]?[a-z0-9]){11,30}\b", Needs::Digit).check(Some(Box::new(iban))),
        Rule::new("us_ssn", Entity::UsSsn, r"(?-u:\b)[0-9]{3}[ \-.]?[0-9]{2}[ \-.]?[0-9]{4}(?-u:\b)", Needs::Digit).check(Some(Box::new(ssn))),
        Rule::new("btc_base58", Entity::Crypto, r"(?-u)\b[13][a-km-zA-HJ-NP-Z1-9]{25,34}\b", Needs::Digit).check(check(|v| validate::base58check(v, 25))),
        Rule::new("btc_bech32", Entity::Crypto, r"(?i-u)\b(?:bc|tb)1[a-z0-9]{8,87}\b", Needs::Literals(&["bc1", "tb1"])).check(check(validate::bech32)),
        Rule::new("eth_address", Entity::Crypto, r"(?-u)\b0x[0-9a-fA-F]{40}\b", Needs::Literals(&["0x"])).check(check(validate::eth_address)),
    ]
}

/// Digit groups of a candidate as (byte start, byte end) spans of runs of digits.
fn digit_groups(v: &str) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut start = None;
    for (i, b) in v.bytes().enumerate() {
        match (b.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                groups.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        groups.push((s, v.len()));
    }
    groups
}

/// A card number: some run of whole digit groups with 13-19 digits passing Luhn and IIN,
/// longest first (a card next to other numbers is still found).
fn card(c: &Candidate) -> Option<(usize, usize)> {
    let v = c.value();
    let groups = digit_groups(v);
    if groups.len() > 1 {
        // Mixed separators inside one number ("4111-1111 1111") are still cards; but a run of
        // many tiny groups (e.g. "1 2 3 4 ...") is not.
        if groups.iter().filter(|(s, e)| e - s < 3).count() > 1 {
            return None;
        }
    }
    let mut best: Option<(usize, usize, usize)> = None;
    for i in 0..groups.len() {
        for j in i..groups.len() {
            let (s, e) = (groups[i].0, groups[j].1);
            let d = validate::digits(&v[s..e]);
            if (12..=19).contains(&d.len()) && validate::luhn(&d) && validate::card_iin(&d) && best.is_none_or(|b| d.len() > b.2) {
                best = Some((s, e, d.len()));
            }
        }
    }
    let (s, e, n) = best?;
    // Twelve digits (Maestro) are too common to take without a card word nearby.
    if n == 12 && !has_card_context(c) {
        return None;
    }
    Some((c.start + s, c.start + e))
}

fn has_card_context(c: &Candidate) -> bool {
    let before = c.before(40).to_lowercase();
    ["card", "maestro", "cc#", "cc no", "karte", "tarjeta", "carte", "carta"].iter().any(|k| before.contains(k))
}

/// An IBAN, possibly followed by other words the pattern swallowed: try the country's length.
fn iban(c: &Candidate) -> Option<(usize, usize)> {
    let v = c.value();
    // Walk alphanumerics; after k of them (k = 15..=34) try the prefix.
    let mut count = 0;
    let mut best = None;
    for (i, b) in v.bytes().enumerate() {
        if b.is_ascii_alphanumeric() {
            count += 1;
            if count >= 15 && validate::iban(&v[..=i]) && (i + 1 == v.len() || !v.as_bytes()[i + 1].is_ascii_alphanumeric()) {
                best = Some((c.start, c.start + i + 1));
            }
        }
    }
    best
}

fn ssn(c: &Candidate) -> Option<(usize, usize)> {
    let v = c.value();
    let seps: Vec<u8> = v.bytes().filter(|b| !b.is_ascii_digit()).collect();
    if !validate::us_ssn(&validate::digits(v)) {
        return None;
    }
    // Dashed or dotted 3-2-4 stands alone; nine bare digits, spaces or an odd grouping
    // (`536-221234`) are too common to take without a label nearby.
    let grouped = seps.len() == 2 && seps[0] == seps[1] && matches!(seps[0], b'-' | b'.');
    if !grouped {
        let before = c.before(48).to_ascii_lowercase();
        if !["ssn", "social security", "soc sec", "ss#", "ss #", "ss no", "taxpayer", "sozialversicherung"].iter().any(|k| before.contains(k)) {
            return None;
        }
    }
    Some((c.start, c.end))
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn cards() {
        assert_found("card 4111 1111 1111 1111 exp 12/27", CreditCard, "4111 1111 1111 1111");
        assert_found("amex 3782-822463-10005", CreditCard, "3782-822463-10005");
        assert_found("n=5500005555555559;", CreditCard, "5500005555555559");
        assert_found("ref 12 4111-1111-1111-1111 2023", CreditCard, "4111-1111-1111-1111");
        assert_none("card 4111 1111 1111 1112", CreditCard);
        assert_none("id 9111111111111111", CreditCard);
        assert_none("1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6", CreditCard);
        let three = "4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881";
        assert_eq!(found(three).iter().filter(|(e, _)| *e == CreditCard).count(), 3);
    }

    #[test]
    fn ibans() {
        assert_found("IBAN: GB82 WEST 1234 5698 7654 32 thanks", IbanCode, "GB82 WEST 1234 5698 7654 32");
        assert_found("to DE89370400440532013000.", IbanCode, "DE89370400440532013000");
        assert_none("GB82 WEST 1234 5698 7654 33", IbanCode);
        assert_none("AB12 3456 7890 1234 5678", IbanCode);
    }

    #[test]
    fn ssns() {
        assert_found("SSN 536-22-1234", UsSsn, "536-22-1234");
        assert_found("my ssn is 536221234", UsSsn, "536221234");
        assert_none("order 536221234", UsSsn);
        assert_none("SSN 666-22-1234 and 536-00-1234", UsSsn);
        // Labelled, any grouping; dotted alone.
        assert_found("SSN: 536-221234", UsSsn, "536-221234");
        assert_found("SSN 536 22 1234", UsSsn, "536 22 1234");
        assert_found("078.05.1123", UsSsn, "078.05.1123");
        assert_none("ref 536 22 1234", UsSsn);
    }

    #[test]
    fn card_schemes_and_card_details() {
        assert_found("JCB 3530111333300000", CreditCard, "3530111333300000");
        assert_found("JCB 213100000000001", CreditCard, "213100000000001");
        assert_found("card no 180000000000002", CreditCard, "180000000000002");
        assert_found("Maestro card 501800000009", CreditCard, "501800000009");
        assert_none("order 501800000009", CreditCard);
        // The card, its expiry and its code are three findings; nothing runs past them.
        let got = found("card 4111 1111 1111 1111 exp 12/27, CVV 123 thanks");
        assert!(got.contains(&(CreditCard, "4111 1111 1111 1111".into())), "{got:?}");
        assert!(got.contains(&(CreditCard, "12/27".into())), "{got:?}");
        assert!(got.contains(&(CreditCard, "123".into())), "{got:?}");
        assert!(got.iter().all(|(_, v)| !v.contains("CVV") && !v.contains("exp")), "{got:?}");
    }

    #[test]
    fn wallets() {
        assert_found("send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 now", Crypto, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2");
        assert_found("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", Crypto, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq");
        assert_found("eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", Crypto, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        assert_none("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", Crypto);
        assert_none("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", Crypto);
    }
}
