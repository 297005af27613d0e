//! Spain (NIF, NIE: mod 23 letter; passport), Italy (codice fiscale with its check letter and
//! omocodia, partita IVA, passport, identity card, driving licence), Poland (PESEL), Finland
//! (henkilötunnus), Sweden (personnummer, organisationsnummer).

use super::PASSPORT;
use crate::detect::rules::ids::{Bare, Id, IdRule};
use crate::detect::validate::{luhn, valid_date, weighted};
use crate::detect::Entity::*;

pub fn rules() -> Vec<IdRule> {
    vec![
        IdRule { name: "es_nif", entity: EsNif, alpha: true, lens: &[8, 9], groups: &[&[8, 1], &[7, 1]], seps: b"- ", check: nif, bare: Bare::Yes, context: &[] },
        IdRule { name: "es_nie", entity: EsNie, alpha: true, lens: &[9], groups: &[&[8, 1], &[1, 7, 1]], seps: b"- ", check: nie, bare: Bare::Yes, context: &[] },
        IdRule { name: "es_passport", entity: EsPassport, alpha: true, lens: &[8, 9], groups: &[], seps: b"", check: |id| id.shape("LLLDDDDDD") || id.shape("LLDDDDDD"), bare: Bare::No, context: PASSPORT },
        IdRule { name: "it_fiscal_code", entity: ItFiscalCode, alpha: true, lens: &[16], groups: &[], seps: b"", check: |id| fiscal_code(id, true), bare: Bare::Yes, context: &[] },
        IdRule { name: "it_fiscal_code_labelled", entity: ItFiscalCode, alpha: true, lens: &[16], groups: &[], seps: b"", check: |id| fiscal_code(id, false), bare: Bare::No, context: &["codice fiscale", "cod. fiscale", "c.f.", "cf", "fiscal code", "tax code"] },
        IdRule { name: "it_vat_code", entity: ItVatCode, alpha: false, lens: &[11], groups: &[], seps: b"", check: partita_iva, bare: Bare::Yes, context: &[] },
        IdRule { name: "it_passport", entity: ItPassport, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| id.shape("LLDDDDDDD"), bare: Bare::No, context: PASSPORT },
        // Electronic card (CA00000AA) alone; the paper one (AA 1234567) needs a word.
        IdRule { name: "it_identity_card", entity: ItIdentityCard, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| id.shape("LLDDDDDLL"), bare: Bare::Yes, context: &[] },
        IdRule { name: "it_identity_card_paper", entity: ItIdentityCard, alpha: true, lens: &[9], groups: &[&[2, 7]], seps: b" ", check: |id| id.shape("LLDDDDDDD"), bare: Bare::No, context: &["carta d'identità", "carta di identità", "carta identità", "identity card", "id card", "c.i.", "documento"] },
        IdRule { name: "it_driver_license", entity: ItDriverLicense, alpha: true, lens: &[10], groups: &[], seps: b"", check: |id| id.shape("LLDDDDDDDL") || (id.canon.starts_with("U1") && id.shape("LDAAAAAAAL")), bare: Bare::Yes, context: &[] },
        IdRule { name: "pl_pesel", entity: PlPesel, alpha: false, lens: &[11], groups: &[], seps: b"", check: pesel, bare: Bare::Yes, context: &[] },
        IdRule { name: "fi_personal_identity_code", entity: FiPersonalIdentityCode, alpha: true, lens: &[10, 11], groups: &[&[6, 5], &[6, 4]], seps: b"-", check: hetu, bare: Bare::Yes, context: &[] },
        IdRule { name: "se_personnummer", entity: SePersonnummer, alpha: false, lens: &[12], groups: &[&[8, 4]], seps: b"-", check: |id| personnummer(id, true), bare: Bare::Yes, context: &[] },
        IdRule { name: "se_personnummer_short", entity: SePersonnummer, alpha: false, lens: &[10], groups: &[&[6, 4]], seps: b"-", check: |id| personnummer(id, false), bare: Bare::Grouped, context: &["personnummer", "pnr", "person nr", "personal identity", "samordningsnummer"] },
        IdRule { name: "se_organisationsnummer", entity: SeOrganisationsnummer, alpha: false, lens: &[10], groups: &[&[6, 4]], seps: b"-", check: orgnr, bare: Bare::Grouped, context: &["organisationsnummer", "org.nr", "orgnr", "org nr", "org.-nr", "organisation number"] },
    ]
}

const NIF_LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";

fn nif(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    let n = c.len();
    (8..=9).contains(&n) && c[..n - 1].iter().all(u8::is_ascii_digit) && NIF_LETTERS[(id.num(0..n - 1) % 23) as usize] == c[n - 1]
}

fn nie(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    if !id.shape("LDDDDDDDL") {
        return false;
    }
    let Some(p) = b"XYZ".iter().position(|&x| x == c[0]) else { return false };
    NIF_LETTERS[((p as u32 * 10_000_000 + id.num(1..8)) % 23) as usize] == c[8]
}

/// Codice fiscale: surname (3), name (3), year (2), month letter, day (2; +40 for women),
/// municipality (letter + 3), check letter. Digits may be replaced by L-V (omocodia).
/// `checked`: the check letter must be right too (without a word nearby).
fn fiscal_code(id: &Id, checked: bool) -> bool {
    const OMO: &[u8] = b"LMNPQRSTUV";
    let c = id.canon.as_bytes();
    if c.len() != 16 {
        return false;
    }
    let digit_at = |i: usize| c[i].is_ascii_digit() || OMO.contains(&c[i]);
    let letters = [0, 1, 2, 3, 4, 5, 8, 11, 15].iter().all(|&i| c[i].is_ascii_uppercase());
    let digits = [6, 7, 9, 10, 12, 13, 14].iter().all(|&i| digit_at(i));
    if !letters || !digits || !b"ABCDEHLMPRST".contains(&c[8]) {
        return false;
    }
    let value = |i: usize| if c[i].is_ascii_digit() { (c[i] - b'0') as u32 } else { OMO.iter().position(|&x| x == c[i]).unwrap_or(0) as u32 };
    let day = value(9) * 10 + value(10);
    if !matches!(day, 1..=31 | 41..=71) {
        return false;
    }
    if !checked {
        return true;
    }
    const ODD: [u32; 26] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    let sum: u32 = c[..15]
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let k = if x.is_ascii_digit() { (x - b'0') as usize } else { (x - b'A') as usize };
            if i % 2 == 0 { ODD[k] } else { k as u32 }
        })
        .sum();
    c[15] == b'A' + (sum % 26) as u8
}

/// Partita IVA: eleven digits, Luhn, a province office code (001-100, 120, 121, 888, 999).
fn partita_iva(id: &Id) -> bool {
    let d = id.digits();
    d.len() == 11 && luhn(&d) && id.num(0..7) != 0 && matches!(id.num(7..10), 1..=100 | 120 | 121 | 888 | 999)
}

/// PESEL: YYMMDD (month +80/+0/+20/+40/+60 by century), serial, check (weights 1 3 7 9).
fn pesel(id: &Id) -> bool {
    let d = id.digits();
    if d.len() != 11 {
        return false;
    }
    let (yy, mm, dd) = (id.num(0..2), id.num(2..4), id.num(4..6));
    let (century, month) = match mm {
        81..=92 => (1800, mm - 80),
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        41..=52 => (2100, mm - 40),
        61..=72 => (2200, mm - 60),
        _ => return false,
    };
    valid_date(century + yy, month, dd) && (10 - weighted(&d, &[1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10) % 10 == d[10] as u32
}

/// Henkilötunnus: DDMMYY, century sign (+ - A-F Y X W V U), individual number, check
/// character of DDMMYYZZZ mod 31.
fn hetu(id: &Id) -> bool {
    let raw: Vec<u8> = id.raw.bytes().map(|b| b.to_ascii_uppercase()).collect();
    if raw.len() != 11 || !raw[..6].iter().all(u8::is_ascii_digit) || !raw[7..10].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let century = match raw[6] {
        b'+' => 1800,
        b'-' | b'Y' | b'X' | b'W' | b'V' | b'U' => 1900,
        b'A'..=b'F' => 2000,
        _ => return false,
    };
    let n = |r: std::ops::Range<usize>| raw[r].iter().fold(0u32, |a, &x| a * 10 + (x - b'0') as u32);
    if !valid_date(century + n(4..6), n(2..4), n(0..2)) {
        return false;
    }
    const CHECK: &[u8] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    CHECK[((n(0..6) as u64 * 1000 + n(7..10) as u64) % 31) as usize] == raw[10]
}

/// Personnummer: (YY)YYMMDD-NNNC, day + 60 for coordination numbers, Luhn over YYMMDDNNNC.
fn personnummer(id: &Id, long: bool) -> bool {
    let d = id.digits();
    if d.len() != id.canon.len() || d.len() != if long { 12 } else { 10 } {
        return false;
    }
    let d10 = &d[d.len() - 10..];
    let o = d.len() - 10;
    let year = if long { id.num(0..4) } else { 1900 + id.num(0..2) };
    let (month, day) = (id.num(o + 2..o + 4), id.num(o + 4..o + 6));
    let day = if day > 60 { day - 60 } else { day };
    (!long || (1850..=2100).contains(&year)) && valid_date(if long { year } else { 2000 }, month, day) && luhn(d10)
}

/// Organisationsnummer: ten digits, the third at least 2 (no month), Luhn.
fn orgnr(id: &Id) -> bool {
    let d = id.digits();
    d.len() == 10 && id.canon.len() == 10 && d[2] >= 2 && !matches!(d[0], 0 | 4) && luhn(&d)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn spain() {
        yes(EsNif, &[("55555555-K", "55555555-K"), ("1111111G", "1111111G"), ("55555555k", "55555555k"), ("12345678Z", "12345678Z")]);
        no(EsNif, &["12345678a", "12345678Y"]);
        yes(EsNie, &[("Z8078221M", "Z8078221M"), ("Y8063915Z", "Y8063915Z"), ("Mi NIE es X9613851N", "X9613851N"), ("extranjero es Y8063915-Z", "Y8063915-Z"), ("z8078221m", "z8078221m")]);
        no(EsNie, &["Y8063915Q", "58063915Q", "x9613851q"]);
        yes(EsPassport, &[("AAA123456 es mi número de pasaporte", "AAA123456"), ("passport XYZ987654", "XYZ987654")]);
        no(EsPassport, &["AAAA12345", "XYZ987654"]);
    }

    #[test]
    fn italy() {
        yes(ItFiscalCode, &[("codice fiscale AAAAAA00B11C333N", "AAAAAA00B11C333N"), ("RSSMRA85T10A562S", "RSSMRA85T10A562S")]);
        no(ItFiscalCode, &["A55AAA00B11C333N", "RSSMRA85T10A562T", "RSSMRA85Z10A562S", "AAAAAA00B11C333N"]);
        yes(ItVatCode, &[("00000000000 and 01333550323", "01333550323")]);
        no(ItVatCode, &["00000000001", "01333550324"]);
        yes(ItIdentityCard, &[("AA12345aa", "AA12345aa"), ("carta d'identità AA1234567", "AA1234567"), ("carta d'identità aa 1234567", "aa 1234567")]);
        no(ItIdentityCard, &["AA1234567"]);
        yes(ItPassport, &[("passaporto aa7654321", "aa7654321")]);
        yes(ItDriverLicense, &[("AA0123456B", "AA0123456B"), ("U1H00B000C", "U1H00B000C"), ("license U1K711J11M here", "U1K711J11M")]);
        no(ItDriverLicense, &["990123456B"]);
    }

    #[test]
    fn poland() {
        yes(PlPesel, &[("44051401458", "44051401458"), ("02070803628", "02070803628")]);
        no(PlPesel, &["44051401459", "1111321111", "11-11-11-11114", "4405140145"]);
    }

    #[test]
    fn finland() {
        let ok = ["010594Y9032", "010594Y9021", "040594V9030", "050594U903M", "010516B903X", "020516C903K", "030516D9037", "010501E9032", "020503F9037", "020504B904H", "131052-308T"];
        yes(FiPersonalIdentityCode, &ok.map(|t| (t, t)));
        yes(FiPersonalIdentityCode, &[("020594X903P is my hetu.", "020594X903P"), ("My finnish id code is030594W903B.", "030594W903B")]);
        no(FiPersonalIdentityCode, &["111111-111A", "311190-1111", "012245A110G", "131052/308T", "131052.308T"]);
    }

    #[test]
    fn sweden() {
        yes(SePersonnummer, &[("My personal identity code is: 189110089811. Thank you.", "189110089811"), ("198712202384", "198712202384"), ("20110925-2385", "20110925-2385"), ("811218-9876", "811218-9876")]);
        no(SePersonnummer, &["19000309-3393", "200504422381", "18970c17-9809", "8112189876"]);
        yes(SeOrganisationsnummer, &[("212000-0142", "212000-0142"), ("556703-7485 tillhör vårt företag.", "556703-7485"), ("orgnr 5567037485", "5567037485")]);
        no(SeOrganisationsnummer, &["19001309-2393", "556703-7r85", "5567037485", "556703-7486"]);
    }
}
