//! United Kingdom: NHS number (mod 11), National Insurance number, postcode, driving
//! licence (date of birth inside), vehicle registrations, passport.

use super::PASSPORT;
use crate::detect::rules::ids::{Bare, Id, IdRule};
use crate::detect::validate::weighted;
use crate::detect::Entity::*;

const PLATE: &[&str] = &["registration", "reg no", "reg.", "reg:", "vehicle", "number plate", "plate", "vrm", "car"];

pub fn rules() -> Vec<IdRule> {
    vec![
        IdRule { name: "uk_nhs", entity: UkNhs, alpha: false, lens: &[10], groups: &[&[3, 3, 4]], seps: b" ", check: nhs, bare: Bare::Grouped, context: &["nhs", "health service", "patient"] },
        // Dashes make it a US-style phone layout: only with a word nearby.
        IdRule { name: "uk_nhs_dashed", entity: UkNhs, alpha: false, lens: &[10], groups: &[&[3, 3, 4]], seps: b"-", check: nhs, bare: Bare::No, context: &["nhs", "health service", "patient"] },
        IdRule { name: "uk_nino", entity: UkNino, alpha: true, lens: &[9], groups: &[&[2, 2, 2, 2, 1], &[2, 6, 1], &[2, 7], &[8, 1]], seps: b" ", check: nino, bare: Bare::Yes, context: &[] },
        IdRule { name: "uk_postcode", entity: UkPostcode, alpha: true, lens: &[5, 6, 7], groups: &[&[2, 3], &[3, 3], &[4, 3]], seps: b" ", check: |id| postcode(id) && !id.raw.bytes().any(|b| b.is_ascii_lowercase()), bare: Bare::Yes, context: &[] },
        IdRule { name: "uk_driving_licence", entity: UkDrivingLicence, alpha: true, lens: &[16], groups: &[], seps: b"", check: driving_licence, bare: Bare::Yes, context: &[] },
        IdRule { name: "uk_vehicle_registration", entity: UkVehicleRegistration, alpha: true, lens: &[7], groups: &[&[4, 3]], seps: b" ", check: current_plate, bare: Bare::Yes, context: &[] },
        IdRule { name: "uk_vehicle_registration_old", entity: UkVehicleRegistration, alpha: true, lens: &[3, 4, 5, 6, 7], groups: &[&[1, 3], &[2, 3], &[3, 3], &[4, 3], &[3, 2], &[3, 4], &[2, 2], &[1, 2], &[1, 4], &[2, 4], &[3, 1], &[4, 1], &[4, 2]], seps: b" ", check: old_plate, bare: Bare::No, context: PLATE },
        IdRule { name: "uk_passport", entity: UkPassport, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| id.shape("DDDDDDDDD") || id.shape("LLDDDDDDD"), bare: Bare::No, context: PASSPORT },
    ]
}

/// NHS number: weights 10..2, check = 11 - sum mod 11 (11 reads 0; 10 is never issued).
fn nhs(id: &Id) -> bool {
    let d = id.digits();
    if d.len() != 10 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let check = 11 - weighted(&d, &[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == d[9] as u32
}

fn nino(id: &Id) -> bool {
    if !id.shape("LLDDDDDDL") {
        return false;
    }
    let c = id.canon.as_bytes();
    !b"DFIQUV".contains(&c[0]) && !b"DFIOQUV".contains(&c[1]) && !matches!(&c[..2], b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ") && (b'A'..=b'D').contains(&c[8])
}

/// Outward code (A9, A99, AA9, AA99, A9A, AA9A) and inward code (9AA), with the letters each
/// position may hold; GIR 0AA.
fn postcode(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    if id.canon == "GIR0AA" {
        return true;
    }
    let n = c.len();
    if !(5..=7).contains(&n) || !c[n - 3].is_ascii_digit() || !c[n - 2..].iter().all(|x| x.is_ascii_uppercase() && !b"CIKMOV".contains(x)) {
        return false;
    }
    let out = &c[..n - 3];
    let first_ok = |x: u8| x.is_ascii_uppercase() && !b"QVX".contains(&x);
    let second_ok = |x: u8| x.is_ascii_uppercase() && !b"IJZ".contains(&x);
    let d = |x: u8| x.is_ascii_digit();
    match out {
        [a, b] => first_ok(*a) && d(*b),
        [a, b, e] if d(*b) && d(*e) => first_ok(*a),
        [a, b, e] if d(*b) => first_ok(*a) && b"ABCDEFGHJKPSTUW".contains(e),
        [a, b, e] => first_ok(*a) && second_ok(*b) && d(*e),
        [a, b, e, f] if d(*f) => first_ok(*a) && second_ok(*b) && d(*e),
        [a, b, e, f] => first_ok(*a) && second_ok(*b) && d(*e) && b"ABEHMNPRVWXY".contains(f),
        _ => false,
    }
}

/// SURNAME(5, padded with 9) DECADE MONTH(+50 for women) DAY YEAR INITIALS(2) DIGIT CHECK(2).
fn driving_licence(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    if c.len() != 16 {
        return false;
    }
    let name = &c[..5];
    let letters = name.iter().take_while(|x| x.is_ascii_uppercase()).count();
    if letters == 0 || !name[letters..].iter().all(|&x| x == b'9') {
        return false;
    }
    if !c[5..11].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let month = id.num(6..8);
    let day = id.num(8..10);
    let initials_ok = c[11..13].iter().all(|x| x.is_ascii_uppercase() || *x == b'9');
    (matches!(month, 1..=12 | 51..=62)) && (1..=31).contains(&day) && initials_ok && c[13].is_ascii_digit() && c[14..].iter().all(u8::is_ascii_alphanumeric)
}

/// Current format (2001-): area letters, age identifier (March 02-…, September 51-…),
/// three random letters (no I or Q).
fn current_plate(id: &Id) -> bool {
    if !id.shape("LLDDLLL") {
        return false;
    }
    let c = id.canon.as_bytes();
    !b"IQZ".contains(&c[0]) && !b"IQZ".contains(&c[1]) && matches!(id.num(2..4), 2..=29 | 51..=79) && !c[4..].iter().any(|x| b"IQ".contains(x))
}

/// Suffix (ABC 123D), prefix (A123 BCD) and dateless (K1 ABC, 1234 AB) registrations,
/// written in two parts.
fn old_plate(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    if id.parts.len() != 2 {
        return false;
    }
    let letters = |r: &[u8]| !r.is_empty() && r.iter().all(|x| x.is_ascii_uppercase() && !b"IQ".contains(x));
    let digits = |r: &[u8]| !r.is_empty() && r.len() <= 4 && r.iter().all(u8::is_ascii_digit) && r[0] != b'0';
    let split = c.iter().position(u8::is_ascii_digit).unwrap_or(c.len());
    let (head, rest) = c.split_at(split);
    let num_end = rest.iter().position(|x| !x.is_ascii_digit()).unwrap_or(rest.len());
    let (num, tail) = rest.split_at(num_end);
    if head.is_empty() {
        // Dateless reversed: 1234 AB.
        return digits(num) && letters(tail) && tail.len() <= 3;
    }
    match (head.len(), tail.len()) {
        (3, 1) => letters(head) && digits(num) && num.len() <= 3 && !b"IOQUZ".contains(&tail[0]),
        (1, 3) => letters(head) && digits(num) && num.len() <= 3 && !b"IOQUZ".contains(&head[0]) && letters(tail),
        (1..=3, 0) => letters(head) && digits(num),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn nhs() {
        yes(UkNhs, &[("221 395 1837", "221 395 1837"), ("NHS no: 2213951837", "2213951837"), ("NHS 221-395-1837", "221-395-1837")]);
        no(UkNhs, &["401-023-2138", "221 395 1838", "2213951837", "call 221-395-1837"]);
    }

    #[test]
    fn nino() {
        yes(UkNino, &[("hh 01 02 03 d", "hh 01 02 03 d"), ("nino: PR 123612C", "PR 123612C"), ("NI AB123456C", "AB123456C")]);
        no(UkNino, &["AA 12 34 56 H", "ab1234561", "BG123612A", "UV 98 76 54 B"]);
    }

    #[test]
    fn postcodes() {
        let ok = ["M1 1AA", "W1A 1HQ", "DN55 1PT", "GIR 0AA", "EC1A1BB", "GIR0AA", "SW1A 2AA"];
        yes(UkPostcode, &ok.map(|p| (p, p)));
        yes(UkPostcode, &[("Send to postcode EC2A 1NT please", "EC2A 1NT")]);
        no(UkPostcode, &["QA1 1AA", "XA1 1AA", "M1 1AI", "ABCM11AADEF", "m1 1aa", "MP3 4CK"]);
    }

    #[test]
    fn driving_licence() {
        let ok = ["MORGA607054SM9IJ", "FO999512018AA1AB", "JONES710153J99EF", "SMITH812310AB1CD", "SMITH862310AB1CD"];
        yes(UkDrivingLicence, &ok.map(|p| (p, p)));
        no(UkDrivingLicence, &["MORGA613054SM9IJ", "MORGA663054SM9IJ", "MORGA601324SM9IJ", "MORGA6570544SM9IJ", "MO9G9657054SM9IJ"]);
    }

    #[test]
    fn vehicles() {
        yes(UkVehicleRegistration, &[("BD62XYZ", "BD62XYZ"), ("aa02 aaa", "aa02 aaa"), ("Vehicles AB51 ABC and BD62XYZ were seen", "AB51 ABC")]);
        yes(UkVehicleRegistration, &[("reg: ABC 123D", "ABC 123D"), ("number plate K1 ABC", "K1 ABC"), ("vehicle A123 BCD", "A123 BCD")]);
        no(UkVehicleRegistration, &["IB51 ABC", "AB00 ABC", "AB49 ABC", "AB51 AIB", "plate I123 BCD", "plate ABC 123Z", "ABC 123D", "1234567890"]);
    }

    #[test]
    fn passport() {
        yes(UkPassport, &[("My passport number is CD7654321 and it expires soon", "CD7654321")]);
        no(UkPassport, &["A12345678", "passport AB123456", "123456789", "1234567AB"]);
    }
}
