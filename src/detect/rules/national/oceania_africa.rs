//! Australia (ABN mod 89, ACN, TFN mod 11, Medicare), Turkey (T.C. kimlik no, plates),
//! Nigeria (NIN, plates), South Africa (ID number: date of birth, Luhn).

use crate::detect::rules::ids::{Bare, Id, IdRule};
use crate::detect::validate::{luhn, valid_date, weighted};
use crate::detect::Entity::*;

pub fn rules() -> Vec<IdRule> {
    vec![
        IdRule { name: "au_abn", entity: AuAbn, alpha: false, lens: &[11], groups: &[&[2, 3, 3, 3]], seps: b" ", check: abn, bare: Bare::Yes, context: &[] },
        IdRule { name: "au_acn", entity: AuAcn, alpha: false, lens: &[9], groups: &[&[3, 3, 3]], seps: b" ", check: acn, bare: Bare::Grouped, context: &["acn", "company number", "australian company"] },
        IdRule { name: "au_tfn", entity: AuTfn, alpha: false, lens: &[8, 9], groups: &[&[3, 3, 3], &[3, 3, 2]], seps: b" ", check: tfn, bare: Bare::No, context: &["tfn", "tax file"] },
        IdRule { name: "au_medicare", entity: AuMedicare, alpha: false, lens: &[10, 11], groups: &[&[4, 5, 1], &[4, 5, 1, 1]], seps: b" ", check: medicare, bare: Bare::Grouped, context: &["medicare"] },
        IdRule { name: "tr_national_id", entity: TrNationalId, alpha: false, lens: &[11], groups: &[], seps: b"", check: tckn, bare: Bare::Yes, context: &[] },
        IdRule {
            name: "tr_license_plate",
            entity: TrLicensePlate,
            alpha: true,
            lens: &[5, 6, 7, 8, 9],
            groups: &[&[2, 1, 4], &[2, 1, 2], &[2, 1, 3], &[2, 2, 3], &[2, 2, 4], &[2, 2, 2], &[2, 3, 2], &[2, 3, 3], &[2, 3, 4]],
            seps: b" ",
            check: |id| tr_plate(id) && !id.raw.bytes().any(|b| b.is_ascii_lowercase()),
            bare: Bare::Yes,
            context: &[],
        },
        IdRule { name: "ng_nin", entity: NgNin, alpha: false, lens: &[11], groups: &[&[4, 3, 4]], seps: b" -", check: |id| id.shape("DDDDDDDDDDD") && id.d(0) != 0, bare: Bare::No, context: &["nin", "national identification", "nimc"] },
        IdRule { name: "ng_vehicle_registration", entity: NgVehicleRegistration, alpha: true, lens: &[8], groups: &[&[3, 5]], seps: b"-", check: |id| id.shape("LLLDDDLL") && id.num(3..6) != 0 && !id.raw.bytes().any(|b| b.is_ascii_lowercase()), bare: Bare::Yes, context: &[] },
        IdRule { name: "za_id_number", entity: ZaIdNumber, alpha: false, lens: &[13], groups: &[&[6, 4, 3]], seps: b" ", check: za_id, bare: Bare::Yes, context: &[] },
    ]
}

/// ABN: subtract 1 from the first digit; weights 10 1 3 5 … 19; divisible by 89.
fn abn(id: &Id) -> bool {
    let mut d = id.digits();
    if d.len() != 11 || id.canon.len() != 11 || d[0] == 0 {
        return false;
    }
    d[0] -= 1;
    weighted(&d, &[10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]) % 89 == 0
}

/// ACN: weights 8..1 over eight digits; the complement of the sum mod 10 is the ninth.
fn acn(id: &Id) -> bool {
    let d = id.digits();
    d.len() == 9 && id.canon.len() == 9 && (10 - weighted(&d, &[8, 7, 6, 5, 4, 3, 2, 1]) % 10) % 10 == d[8] as u32
}

/// TFN: weights 1 4 3 7 5 8 6 9 10 (eight digits: 10 7 8 4 6 3 5 1), divisible by 11.
fn tfn(id: &Id) -> bool {
    let d = id.digits();
    if d.len() != id.canon.len() || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    match d.len() {
        9 => weighted(&d, &[1, 4, 3, 7, 5, 8, 6, 9, 10]) % 11 == 0,
        8 => weighted(&d, &[10, 7, 8, 4, 6, 3, 5, 1]) % 11 == 0,
        _ => false,
    }
}

/// Medicare: first digit 2-6, weights 1 3 7 9 1 3 7 9 over eight digits, the ninth the sum
/// mod 10, then the issue number (and the person's position on the card).
fn medicare(id: &Id) -> bool {
    let d = id.digits();
    d.len() == id.canon.len() && (10..=11).contains(&d.len()) && (2..=6).contains(&d[0]) && weighted(&d, &[1, 3, 7, 9, 1, 3, 7, 9]) % 10 == d[8] as u32 && d[9] != 0
}

/// T.C. kimlik no: never 0 first; d10 = (7 × odd − even) mod 10; d11 = sum of ten mod 10.
fn tckn(id: &Id) -> bool {
    let d: Vec<i32> = id.digits().iter().map(|&x| i32::from(x)).collect();
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    (7 * odd - even).rem_euclid(10) == d[9] && d[..10].iter().sum::<i32>() % 10 == d[10]
}

/// Province 01-81, then one letter and 4 digits, two letters and 3-4, or three and 2-3 (the
/// letters of the Turkish plate alphabet: no Q, W, X).
fn tr_plate(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    if c.len() < 5 || !c[..2].iter().all(u8::is_ascii_digit) || !(1..=81).contains(&id.num(0..2)) {
        return false;
    }
    let letters = c[2..].iter().take_while(|x| x.is_ascii_uppercase()).count();
    let digits = &c[2 + letters..];
    let ok_letters = c[2..2 + letters].iter().all(|x| !b"QWX".contains(x));
    let ok_len = match letters {
        1 => (2..=4).contains(&digits.len()),
        2 => (2..=4).contains(&digits.len()),
        3 => (2..=4).contains(&digits.len()),
        _ => false,
    };
    ok_letters && ok_len && digits.iter().all(u8::is_ascii_digit) && digits[0] != b'0'
}

/// South African id: YYMMDD, gender sequence (4), citizenship (0, 1 or 2), race digit (8 or
/// 9 on older numbers; any digit today), Luhn.
fn za_id(id: &Id) -> bool {
    let d = id.digits();
    if d.len() != 13 || id.canon.len() != 13 || d[10] > 2 {
        return false;
    }
    let (yy, mm, dd) = (id.num(0..2), id.num(2..4), id.num(4..6));
    (valid_date(1900 + yy, mm, dd) || valid_date(2000 + yy, mm, dd)) && luhn(&d)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn australia() {
        yes(AuAbn, &[("51824753556", "51824753556"), ("ABN 51 824 753 556", "51 824 753 556")]);
        no(AuAbn, &["52824753556", "5282475355632", "51 824 753 5564"]);
        yes(AuAcn, &[("000 000 019", "000 000 019"), ("ACN 006249976", "006249976")]);
        no(AuAcn, &["824 753 557", "5282475355632", "006249976"]);
        yes(AuTfn, &[("TFN 876543210", "876543210"), ("tax file number 876 543 210", "876 543 210")]);
        no(AuTfn, &["876543210", "TFN 824753557", "TFN 52824753556AF", "TFN 123 456\n789"]);
        yes(AuMedicare, &[("2123 45670 1", "2123 45670 1"), ("Medicare 2123456701", "2123456701")]);
        no(AuMedicare, &["2123 25870 1", "212345670221", "2123456701"]);
    }

    #[test]
    fn turkey() {
        let ok = ["10000000146", "36493665440", "94357219628", "64625294480"];
        yes(TrNationalId, &ok.map(|t| (t, t)));
        yes(TrNationalId, &[("Başvuru sahibinin TCKN numarası 10000000146 olarak", "10000000146")]);
        no(TrNationalId, &["00000000000", "12345678900", "83219500748", "10000000145", "97485249605", "123456789012"]);
        yes(TrLicensePlate, &[("34 ABC 1234", "34 ABC 1234"), ("35 JK 12", "35 JK 12"), ("34ABC1234", "34ABC1234"), ("Araç plakası 34 ABC 1234 olarak", "34 ABC 1234"), ("07 AB 123", "07 AB 123")]);
        no(TrLicensePlate, &["82 ABC 123", "hello world", "34 abc 1234", "34 ABCD 12"]);
    }

    #[test]
    fn nigeria_south_africa() {
        yes(NgNin, &[("NIN: 12345678901", "12345678901")]);
        no(NgNin, &["12345678901", "123456789012"]);
        yes(NgVehicleRegistration, &[("APP-456CV", "APP-456CV"), ("KJA-999PZ", "KJA-999PZ"), ("APP456CV", "APP456CV")]);
        no(NgVehicleRegistration, &["AB-1234CD", "AB-12CD", "app-456cv"]);
        yes(ZaIdNumber, &[("8001015009087", "8001015009087"), ("My South African ID is 9202201234088.", "9202201234088"), ("Permanent resident number 9912316789285 is on file.", "9912316789285")]);
        no(ZaIdNumber, &["8001015009086", "9902294321191", "8001015009176", "ID 80010150090", "AB8001015009087CD"]);
    }
}
