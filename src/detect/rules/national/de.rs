//! Germany: tax id and VAT id (ISO 7064 MOD 11,10), identity card and passport (ICAO 9303
//! check digit), health insurance number, pension insurance number, tax number, physician
//! (LANR) and practice (BSNR) numbers, driving licence, commercial register, number plates,
//! postcodes.

use super::PASSPORT;
use crate::detect::rules::ids::{Bare, Id, IdRule};
use crate::detect::validate::{cross_sum, icao_check, iso7064_mod11_10, valid_date};
use crate::detect::Entity::*;

const TAX_ID: &[&str] = &["steuer-id", "steuerid", "steuer id", "steueridentifikationsnummer", "identifikationsnummer", "idnr", "tax id", "tin"];
const ID_CARD: &[&str] = &["ausweis", "personalausweis", "id card", "identity card", "perso"];
const PLATE: &[&str] = &["kennzeichen", "kfz", "nummernschild", "license plate", "licence plate", "plate"];

pub fn rules() -> Vec<IdRule> {
    vec![
        IdRule { name: "de_tax_id", entity: DeTaxId, alpha: false, lens: &[11], groups: &[&[2, 3, 3, 3]], seps: b" ", check: |id| tax_id(id, true), bare: Bare::Yes, context: &[] },
        IdRule { name: "de_tax_id_labelled", entity: DeTaxId, alpha: false, lens: &[11], groups: &[&[2, 3, 3, 3]], seps: b" ", check: |id| tax_id(id, false), bare: Bare::No, context: TAX_ID },
        IdRule { name: "de_vat_id", entity: DeVatId, alpha: true, lens: &[11], groups: &[&[2, 9], &[2, 3, 3, 3]], seps: b" .-*", check: vat_id, bare: Bare::Yes, context: &[] },
        IdRule { name: "de_passport", entity: DePassport, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| document(id, b"CFGHJK"), bare: Bare::No, context: PASSPORT },
        IdRule { name: "de_id_card", entity: DeIdCard, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| document(id, b"CFGHJKLMNPRTVWXYZ"), bare: Bare::Yes, context: &[] },
        // The serial number alone (the check digit printed apart), next to a word.
        IdRule { name: "de_id_card_labelled", entity: DeIdCard, alpha: true, lens: &[9], groups: &[], seps: b"", check: document_shape, bare: Bare::No, context: ID_CARD },
        IdRule { name: "de_health_insurance", entity: DeHealthInsurance, alpha: true, lens: &[10], groups: &[], seps: b"", check: health_insurance, bare: Bare::Yes, context: &[] },
        IdRule { name: "de_social_security", entity: DeSocialSecurity, alpha: true, lens: &[12], groups: &[], seps: b"", check: pension_number, bare: Bare::Yes, context: &[] },
        IdRule {
            name: "de_tax_number",
            entity: DeTaxNumber,
            alpha: false,
            lens: &[10, 11, 12, 13],
            groups: &[&[3, 3, 5], &[2, 3, 5], &[2, 4, 4], &[3, 4, 4], &[3, 3, 4], &[5, 5], &[2, 3, 4, 4]],
            seps: b"/ ",
            check: |id| id.canon.bytes().all(|b| b.is_ascii_digit()) && (id.parts.len() == 1 || id.raw.contains('/') || id.parts.len() == 4),
            bare: Bare::Grouped,
            context: &["steuernummer", "st.-nr", "stnr", "st-nr", "steuer-nr", "tax number", "finanzamt"],
        },
        IdRule { name: "de_lanr", entity: DeLanr, alpha: false, lens: &[9], groups: &[], seps: b"", check: lanr, bare: Bare::No, context: &["lanr", "arztnummer", "arzt-nr", "arzt nr"] },
        IdRule { name: "de_bsnr", entity: DeBsnr, alpha: false, lens: &[9], groups: &[], seps: b"", check: bsnr, bare: Bare::No, context: &["bsnr", "betriebsstätte", "betriebsstättennummer", "praxisnummer"] },
        IdRule { name: "de_fuehrerschein", entity: DeFuehrerschein, alpha: true, lens: &[11], groups: &[], seps: b"", check: |id| id.shape("LLDDDDDDDDA"), bare: Bare::Yes, context: &[] },
        IdRule { name: "de_handelsregister", entity: DeHandelsregister, alpha: true, lens: &[4, 5, 6, 7, 8, 9], groups: &[&[3, 1], &[3, 2], &[3, 3], &[3, 4], &[3, 5], &[3, 6]], seps: b" .", check: handelsregister, bare: Bare::Yes, context: &[] },
        IdRule { name: "de_kfz", entity: DeKfz, alpha: true, lens: &[3, 4, 5, 6, 7, 8, 9], groups: &[&[1, 1, 1], &[1, 1, 2], &[1, 1, 3], &[1, 1, 4], &[1, 2, 1], &[1, 2, 2], &[1, 2, 3], &[1, 2, 4], &[2, 1, 1], &[2, 1, 2], &[2, 1, 3], &[2, 1, 4], &[2, 2, 1], &[2, 2, 2], &[2, 2, 3], &[2, 2, 4], &[3, 1, 1], &[3, 1, 2], &[3, 1, 3], &[3, 1, 4], &[3, 2, 1], &[3, 2, 2], &[3, 2, 3], &[3, 2, 4], &[1, 2, 5], &[2, 2, 5], &[3, 2, 5], &[1, 1, 5], &[2, 1, 5], &[3, 1, 5]], seps: b"- ", check: kfz, bare: Bare::No, context: PLATE },
        IdRule { name: "de_kfz_dashed", entity: DeKfz, alpha: true, lens: &[3, 4, 5, 6, 7, 8, 9], groups: &[&[1, 1, 1], &[1, 1, 2], &[1, 1, 3], &[1, 1, 4], &[1, 2, 1], &[1, 2, 2], &[1, 2, 3], &[1, 2, 4], &[2, 1, 1], &[2, 1, 2], &[2, 1, 3], &[2, 1, 4], &[2, 2, 1], &[2, 2, 2], &[2, 2, 3], &[2, 2, 4], &[3, 1, 1], &[3, 1, 2], &[3, 1, 3], &[3, 1, 4], &[3, 2, 1], &[3, 2, 2], &[3, 2, 3], &[3, 2, 4]], seps: b"-", check: |id| kfz(id) && !id.raw.bytes().any(|b| b.is_ascii_lowercase()), bare: Bare::Grouped, context: PLATE },
        IdRule { name: "de_plz", entity: DePlz, alpha: false, lens: &[5], groups: &[], seps: b"", check: |id| id.shape("DDDDD") && (1001..=99998).contains(&id.num(0..5)), bare: Bare::No, context: &["plz", "postleitzahl"] },
    ]
}

/// Steuer-ID: 11 digits, never 0 first, check digit ISO 7064 MOD 11,10. In the first ten,
/// one digit appears twice or three times (never three in a row) and the rest at most once:
/// `strict` asks for that rule too (bare numbers), otherwise only that no digit appears more
/// than three times.
fn tax_id(id: &Id, strict: bool) -> bool {
    let d = id.digits();
    if d.len() != 11 || d[0] == 0 || !iso7064_mod11_10(&d) {
        return false;
    }
    let mut counts = [0u8; 10];
    d[..10].iter().for_each(|&x| counts[x as usize] += 1);
    let triple_run = d[..10].windows(3).any(|w| w[0] == w[1] && w[1] == w[2]);
    let repeated = counts.iter().filter(|&&c| c >= 2).count();
    let max = *counts.iter().max().expect("ten digits");
    if strict {
        repeated == 1 && max <= 3 && !triple_run
    } else {
        max <= 3 && !triple_run
    }
}

/// USt-IdNr: DE and nine digits, the last an ISO 7064 MOD 11,10 check.
fn vat_id(id: &Id) -> bool {
    id.canon.starts_with("DE") && id.shape("LLDDDDDDDDD") && id.d(2) != 0 && iso7064_mod11_10(&id.digits())
}

/// Identity card and passport numbers: nine characters of a restricted alphabet (no vowels,
/// no B, D, Q, S), the last an ICAO 9303 check digit; the first is a letter from `first`.
fn document(id: &Id, first: &[u8]) -> bool {
    let c = id.canon.as_bytes();
    c.len() == 9
        && first.contains(&c[0])
        && c.iter().all(|x| x.is_ascii_digit() || b"CFGHJKLMNPRTVWXYZ".contains(x))
        && c[8].is_ascii_digit()
        && c[1..8].iter().filter(|x| x.is_ascii_digit()).count() >= 4
        && icao_check(&id.canon[..8]) == Some((c[8] - b'0') as u32)
}

fn document_shape(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    c.len() == 9 && b"CFGHJKLMNPRTVWXYZ".contains(&c[0]) && c.iter().all(|x| x.is_ascii_digit() || b"CFGHJKLMNPRTVWXYZ".contains(x)) && c[1..].iter().filter(|x| x.is_ascii_digit()).count() >= 4
}

/// Krankenversichertennummer: a letter (as 01-26) and nine digits; weights 1, 2 with cross
/// sums over the first ten digits; the sum's last digit is the check.
fn health_insurance(id: &Id) -> bool {
    if !id.shape("LDDDDDDDDD") {
        return false;
    }
    let c = id.canon.as_bytes();
    let letter = (c[0] - b'A' + 1) as u32;
    let mut d = vec![letter / 10, letter % 10];
    d.extend(c[1..9].iter().map(|&x| (x - b'0') as u32));
    let sum: u32 = d.iter().enumerate().map(|(i, &x)| cross_sum(x * if i % 2 == 0 { 1 } else { 2 })).sum();
    sum % 10 == (c[9] - b'0') as u32
}

/// Rentenversicherungsnummer: area (2), birth date DDMMYY, the surname's initial, serial (2),
/// check digit over the twelve digits with the letter as 01-26, weights 2 1 2 5 7 1 2 1 2 1 2 1.
fn pension_number(id: &Id) -> bool {
    if !id.shape("DDDDDDDDLDDD") {
        return false;
    }
    let c = id.canon.as_bytes();
    let (day, month) = (id.num(2..4), id.num(4..6));
    if !valid_date(2000, month, day) && !valid_date(1999, month, day) || !matches!(id.num(0..2), 2..=4 | 8..=29 | 38..=40 | 42..=69 | 70..=89) {
        return false;
    }
    let letter = (c[8] - b'A' + 1) as u32;
    let mut d: Vec<u32> = c[..8].iter().map(|&x| (x - b'0') as u32).collect();
    d.extend([letter / 10, letter % 10, id.d(9), id.d(10)]);
    let weights = [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1];
    let sum: u32 = d.iter().zip(weights).map(|(&x, w)| cross_sum(x * w)).sum();
    sum % 10 == id.d(11)
}

/// Lebenslange Arztnummer: six digits, a check digit (weights 4, 9), a two-digit specialty.
fn lanr(id: &Id) -> bool {
    if !id.shape("DDDDDDDDD") || id.num(0..6) == 0 {
        return false;
    }
    let sum: u32 = (0..6).map(|i| id.d(i) * if i % 2 == 0 { 4 } else { 9 }).sum();
    (10 - sum % 10) % 10 == id.d(6)
}

/// Betriebsstättennummer: nine digits starting with a KV region code.
fn bsnr(id: &Id) -> bool {
    id.shape("DDDDDDDDD") && matches!(id.num(0..2), 1..=3 | 6 | 7 | 17 | 20 | 24 | 27 | 31 | 37 | 38 | 46 | 47 | 52 | 60..=74 | 78 | 79 | 83 | 88 | 93 | 98 | 99) && id.num(2..9) != 0
}

fn handelsregister(id: &Id) -> bool {
    (id.canon.starts_with("HRA") || id.canon.starts_with("HRB")) && id.canon.len() > 3 && id.canon[3..].bytes().all(|b| b.is_ascii_digit()) && id.canon[3..].len() <= 6
}

/// District (1-3 letters), 1-2 letters, 1-4 digits, then optionally E (electric) or H
/// (historic).
fn kfz(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    let p = id.parts;
    if p.len() != 3 {
        return false;
    }
    let (a, b) = (p[0] as usize, p[1] as usize);
    let digits = &c[a + b..];
    let suffix = digits.last().is_some_and(|x| matches!(x, b'E' | b'H'));
    let num = if suffix { &digits[..digits.len() - 1] } else { digits };
    c[..a + b].iter().all(u8::is_ascii_uppercase) && !num.is_empty() && num.len() <= 4 && num.iter().all(u8::is_ascii_digit) && num[0] != b'0'
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn tax_ids() {
        yes(DeTaxId, &[("Meine Steuer-ID: 12345678903.", "12345678903"), ("65929970489", "65929970489")]);
        no(DeTaxId, &["12345678901", "02345678901", "123456789030", "11112345678", "12345678903"]);
    }

    #[test]
    fn vat_ids() {
        let ok = ["DE136695976", "DE 136 695 976", "DE 136695976", "DE.136.695.976", "de 136 695 976", "USt-IdNr.: DE136695976"];
        yes(DeVatId, &ok.map(|t| (t, t.trim_start_matches("USt-IdNr.: "))));
        no(DeVatId, &["AT123456789", "DE12345678", "DE136695977", "DE1234567890"]);
    }

    #[test]
    fn documents() {
        yes(DeIdCard, &[("C01234565", "C01234565"), ("G00000002", "G00000002"), ("l01x00t44", "l01x00t44"), ("Ausweis Nr. T22000129 gültig bis 2025.", "T22000129")]);
        no(DeIdCard, &["L01X00T47", "T2200012", "123456789", "A01234567"]);
        yes(DePassport, &[("Pass-Nr.: F12345671", "F12345671"), ("Reisepass CZ6311T03", "CZ6311T03")]);
        no(DePassport, &["Reisepass F12345678", "Reisepass C012345678", "Reisepass A01234567"]);
    }

    #[test]
    fn health_and_pension() {
        let ok = ["A000500015", "A123456780", "B123456782", "Z999999997", "a123456780", "C000500021", "M123456785"];
        yes(DeHealthInsurance, &ok.map(|t| (t, t)));
        yes(DeHealthInsurance, &[("eGK-Nummer M123456785 bitte angeben.", "M123456785")]);
        no(DeHealthInsurance, &["M123456789", "A1234567890", "A12345678"]);
        yes(DeSocialSecurity, &[("15070649C103", "15070649C103"), ("20151090B023", "20151090B023"), ("RVNR: 15070649C103 laut Ausweis.", "15070649C103")]);
        no(DeSocialSecurity, &["65070803A012", "15071349C103", "15070649C10", "15070649C100", "15420649C103"]);
    }

    #[test]
    fn numbers_with_labels() {
        yes(DeTaxNumber, &[("987/654/32100", "987/654/32100"), ("12/3456/7890", "12/3456/7890"), ("Steuernummer: 0981508150999 wurde vergeben.", "0981508150999")]);
        no(DeTaxNumber, &["0281508150123", "1/2/3"]);
        yes(DeLanr, &[("LANR: 123456601 des behandelnden Arztes.", "123456601"), ("LANR 100000601", "100000601")]);
        no(DeLanr, &["LANR 123456901", "LANR 100000401", "123456601"]);
        yes(DeBsnr, &[("Betriebsstättennummer: 021234568", "021234568"), ("BSNR 991234567", "991234567")]);
        no(DeBsnr, &["BSNR 000000000", "BSNR 0212345689", "021234568"]);
        yes(DePlz, &[("Postleitzahl 80331 München", "80331")]);
        no(DePlz, &["10115", "PLZ 01000", "PLZ 101150"]);
    }

    #[test]
    fn licences_registers_plates() {
        let ok = ["MU12345678B", "KO12345678X", "GE123456780", "mu12345678b"];
        yes(DeFuehrerschein, &ok.map(|t| (t, t)));
        no(DeFuehrerschein, &["BO12345678AB", "B12345678A"]);
        yes(DeHandelsregister, &[("HRB 1", "HRB 1"), ("HRA 12345", "HRA 12345"), ("Amtsgericht München HRB 12345.", "HRB 12345"), ("Handelsregisternummer: HRB 123456", "HRB 123456")]);
        no(DeHandelsregister, &["HRC 12345", "HRB 1234567"]);
        yes(DeKfz, &[("B-AB-1234", "B-AB-1234"), ("HH-AB-1234", "HH-AB-1234"), ("Kennzeichen: M XY 999", "M XY 999"), ("Kfz KA EF 12H", "KA EF 12H"), ("Kennzeichen MIL E 1234", "MIL E 1234")]);
        no(DeKfz, &["B 1234", "M XY 999", "b-ab-1234", "HH-AB-0123"]);
    }
}
