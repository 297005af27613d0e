//! United States and Canada: ITIN, NPI, Medicare MBI, passport, driver's licence, bank account
//! and ABA routing numbers, DEA registrations (`MEDICAL_LICENSE`), Canadian SIN.

use super::PASSPORT;
use crate::detect::rules::ids::{Bare, Id, IdRule};
use crate::detect::validate::{luhn, weighted};
use crate::detect::Entity::*;

pub fn rules() -> Vec<IdRule> {
    vec![
        // 9xx-7x-xxxx: group 50-65, 70-88, 90-92, 94-99.
        IdRule { name: "us_itin", entity: UsItin, alpha: false, lens: &[9], groups: &[&[3, 2, 4]], seps: b" -", check: itin, bare: Bare::Grouped, context: &["itin", "taxpayer", "tax id", "tin"] },
        IdRule { name: "us_npi", entity: UsNpi, alpha: false, lens: &[10], groups: &[&[4, 3, 3]], seps: b" -", check: npi, bare: Bare::Grouped, context: &["npi", "national provider", "provider id", "provider number", "provider no"] },
        IdRule { name: "us_mbi", entity: UsMbi, alpha: true, lens: &[11], groups: &[&[4, 3, 4]], seps: b" -", check: mbi, bare: Bare::Yes, context: &[] },
        IdRule { name: "us_passport", entity: UsPassport, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| id.shape("DDDDDDDDD") || id.shape("LDDDDDDDD"), bare: Bare::No, context: PASSPORT },
        IdRule { name: "us_driver_license", entity: UsDriverLicense, alpha: true, lens: &[6, 7, 8, 9, 10, 11, 12, 13, 14, 15], groups: &[], seps: b"", check: driver_license, bare: Bare::No, context: &["driver", "driving", "licence", "license", "dl#", "dl no", "dl number", "dln"] },
        IdRule { name: "us_bank_number", entity: UsBankNumber, alpha: false, lens: &[8, 9, 10, 11, 12, 13, 14, 15, 16, 17], groups: &[], seps: b"", check: |id| id.canon.bytes().all(|b| b.is_ascii_digit()) && !same_digits(id), bare: Bare::No, context: &["bank account", "account number", "account no", "acct", "a/c", "checking", "savings", "kontonummer", "konto"] },
        IdRule { name: "aba_routing", entity: AbaRoutingNumber, alpha: false, lens: &[9], groups: &[&[4, 4, 1]], seps: b"-", check: aba, bare: Bare::Grouped, context: &["routing", "aba", "rtn", "transit number", "bank"] },
        // DEA: two letters and seven digits; a letter, 9 and seven digits is a narcotic
        // treatment registration (needs a word nearby: many ids look like it).
        IdRule { name: "dea_number", entity: MedicalLicense, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| dea(id) && id.canon.as_bytes()[1].is_ascii_uppercase(), bare: Bare::Yes, context: &[] },
        IdRule { name: "dea_number_x", entity: MedicalLicense, alpha: true, lens: &[9], groups: &[], seps: b"", check: dea, bare: Bare::No, context: &["dea", "licence", "license", "medical", "prescriber", "registration"] },
        // Luhn, never 0 or 8 first (8 is not assigned; 0 is for test numbers).
        IdRule { name: "ca_sin", entity: CaSin, alpha: false, lens: &[9], groups: &[&[3, 3, 3]], seps: b" -", check: sin, bare: Bare::Grouped, context: &["sin", "social insurance", "assurance sociale", "nas"] },
    ]
}

fn same_digits(id: &Id) -> bool {
    let b = id.canon.as_bytes();
    b.iter().all(|&x| x == b[0])
}

fn itin(id: &Id) -> bool {
    id.shape("DDDDDDDDD") && id.d(0) == 9 && matches!(id.num(3..5), 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

/// NPI: Luhn over the digits prefixed with 80840 (the card-issuer prefix of US health).
fn npi(id: &Id) -> bool {
    let d = id.digits();
    if d.len() != 10 || !matches!(d[0], 1 | 2) || d[..9].iter().all(|&x| x == d[0]) {
        return false;
    }
    let mut all = [0u8; 15];
    all[..5].copy_from_slice(&[8, 0, 8, 4, 0]);
    all[5..].copy_from_slice(&d);
    luhn(&all)
}

/// Medicare Beneficiary Identifier: N A AN N A AN N A A N N, no S L O I B Z.
fn mbi(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    let letter = |x: u8| x.is_ascii_uppercase() && !b"SLOIBZ".contains(&x);
    let an = |x: u8| x.is_ascii_digit() || letter(x);
    c.len() == 11
        && (b'1'..=b'9').contains(&c[0])
        && letter(c[1])
        && an(c[2])
        && c[3].is_ascii_digit()
        && letter(c[4])
        && an(c[5])
        && c[6].is_ascii_digit()
        && letter(c[7])
        && letter(c[8])
        && c[9].is_ascii_digit()
        && c[10].is_ascii_digit()
}

/// State formats vary; what they share: at most three letters, at least five digits.
fn driver_license(id: &Id) -> bool {
    let letters = id.canon.bytes().filter(u8::is_ascii_uppercase).count();
    let digits = id.canon.len() - letters;
    letters <= 3 && digits >= 5 && (letters == 0 || id.canon.as_bytes()[0].is_ascii_uppercase() || id.canon.as_bytes()[id.canon.len() - 1].is_ascii_uppercase()) && !same_digits(id)
}

/// ABA routing number: weights 3, 7, 1; Federal Reserve prefixes 00-12, 21-32, 61-72, 80.
fn aba(id: &Id) -> bool {
    let d = id.digits();
    d.len() == 9 && matches!(id.num(0..2), 0..=12 | 21..=32 | 61..=72 | 80) && weighted(&d, &[3, 7, 1, 3, 7, 1, 3, 7, 1]) % 10 == 0 && !same_digits(id)
}

/// DEA: (d1 + d3 + d5) + 2 (d2 + d4 + d6) ends in d7.
fn dea(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    if c.len() != 9 || !b"ABCDEFGHJKLMPRSTUX".contains(&c[0]) || !(c[1].is_ascii_uppercase() || c[1] == b'9') || !c[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u32> = c[2..].iter().map(|&x| (x - b'0') as u32).collect();
    (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
}

fn sin(id: &Id) -> bool {
    let d = id.digits();
    d.len() == 9 && !matches!(d[0], 0 | 8) && luhn(&d)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn us_itin() {
        yes(UsItin, &[("911-53-1234", "911-53-1234"), ("ITIN: 911701234", "911701234")]);
        no(UsItin, &["911-89-1234", "id 911701234", "536-22-1234"]);
    }

    #[test]
    fn us_npi() {
        yes(UsNpi, &[("1234-567-893", "1234-567-893"), ("NPI: 1234567893", "1234567893"), ("NPI 1245319599", "1245319599")]);
        no(UsNpi, &["NPI 1234567894", "NPI 3234567893", "NPI 1111111112", "1234567893"]);
    }

    #[test]
    fn us_mbi() {
        yes(UsMbi, &[("1EG4-TE5-MK73", "1EG4-TE5-MK73"), ("Medicare ID: 3CD5-FG7-HJ89", "3CD5-FG7-HJ89"), ("1eg4-te5-mk73", "1eg4-te5-mk73")]);
        no(UsMbi, &["1SG4-TE5-MK73", "1EG4-TE5-OK73", "AEG4-TE5-MK73", "1EG4TE5MK7"]);
    }

    #[test]
    fn passports_licences_accounts() {
        yes(UsPassport, &[("my travel passport is A12803456", "A12803456"), ("Passport: 912803456", "912803456")]);
        no(UsPassport, &["ref A12803456", "912803456"]);
        yes(UsDriverLicense, &[("My driver's license number is 425700624", "425700624"), ("DL# LH329609T", "LH329609T")]);
        no(UsDriverLicense, &["license 2024", "MIT License", "order 425700624"]);
        yes(UsBankNumber, &[("bank account 945456787654", "945456787654"), ("Acct: 12345678", "12345678")]);
        no(UsBankNumber, &["945456787654", "account 11111111"]);
    }

    #[test]
    fn aba_routing() {
        yes(AbaRoutingNumber, &[("3222-7162-7", "3222-7162-7"), ("0711-0130-7", "0711-0130-7"), ("routing number 322271627", "322271627")]);
        no(AbaRoutingNumber, &["1234-0000-0", "3222-7162-8", "322271627", "routing 922271627"]);
    }

    #[test]
    fn dea_numbers() {
        yes(MedicalLicense, &[("DEA AB1234563", "AB1234563"), ("DEA number K92993548", "K92993548")]);
        no(MedicalLicense, &["The DEA number is  BG8207031", "K92993548", "AB1234564"]);
    }

    #[test]
    fn ca_sin() {
        yes(CaSin, &[("435 418 165", "435 418 165"), ("347-677-452", "347-677-452"), ("my SIN is 130-692-544", "130-692-544"), ("SIN 130692544", "130692544")]);
        no(CaSin, &["130 692 545", "435-418-166", "812 345 678", "999 999 999", "046 454-286", "1306925440", "130692544"]);
    }
}
