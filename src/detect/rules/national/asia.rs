//! Korea (RRN, FRN, BRN, passport, driver's licence), Singapore (NRIC/FIN, UEN), India
//! (Aadhaar: Verhoeff; PAN; GSTIN; passport; voter id; vehicle registration), Thailand (TNIN),
//! the Philippines (TIN).

use super::PASSPORT;
use crate::detect::rules::ids::{Bare, Id, IdRule};
use crate::detect::validate::{valid_date, verhoeff, weighted};
use crate::detect::Entity::*;

const KR_RRN: &[&str] = &["rrn", "resident registration", "주민등록번호", "주민번호"];
const KR_FRN: &[&str] = &["frn", "foreigner", "alien registration", "외국인등록번호"];

pub fn rules() -> Vec<IdRule> {
    vec![
        // Dashed (YYMMDD-GNNNNNN): date and gender digit are enough; plain 13 digits also
        // need the pre-2020 check digit, or a word.
        IdRule { name: "kr_rrn", entity: KrRrn, alpha: false, lens: &[13], groups: &[&[6, 7]], seps: b"-", check: |id| rrn(id, b"1234") && (id.parts.len() == 2 || rrn_check(id)), bare: Bare::Yes, context: &[] },
        IdRule { name: "kr_rrn_labelled", entity: KrRrn, alpha: false, lens: &[13], groups: &[&[6, 7]], seps: b"-", check: |id| rrn(id, b"1234"), bare: Bare::No, context: KR_RRN },
        IdRule { name: "kr_frn", entity: KrFrn, alpha: false, lens: &[13], groups: &[&[6, 7]], seps: b"-", check: |id| rrn(id, b"5678"), bare: Bare::Grouped, context: KR_FRN },
        IdRule { name: "kr_brn", entity: KrBrn, alpha: false, lens: &[10], groups: &[&[3, 2, 5]], seps: b"-", check: brn, bare: Bare::Grouped, context: &["사업자등록번호", "사업자", "business registration", "brn"] },
        IdRule { name: "kr_passport", entity: KrPassport, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| id.shape("LDDDLDDDD") && b"MSRODG".contains(&id.canon.as_bytes()[0]), bare: Bare::Yes, context: &[] },
        IdRule { name: "kr_passport_old", entity: KrPassport, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| id.shape("LDDDDDDDD") && b"MSROD".contains(&id.canon.as_bytes()[0]), bare: Bare::No, context: PASSPORT },
        IdRule { name: "kr_driver_license", entity: KrDriverLicense, alpha: false, lens: &[12], groups: &[&[2, 2, 6, 2]], seps: b" -", check: |id| id.shape("DDDDDDDDDDDD") && (11..=28).contains(&id.num(0..2)), bare: Bare::Grouped, context: &["운전면허", "driver", "driving", "licence", "license"] },
        IdRule { name: "sg_nric_fin", entity: SgNricFin, alpha: true, lens: &[9], groups: &[], seps: b"", check: |id| nric_shape(id) && nric_check(id), bare: Bare::Yes, context: &[] },
        IdRule { name: "sg_nric_fin_labelled", entity: SgNricFin, alpha: true, lens: &[9], groups: &[], seps: b"", check: nric_shape, bare: Bare::No, context: &["nric", "fin", "ic no", "ic number", "identity card", "singapore"] },
        IdRule { name: "sg_uen", entity: SgUen, alpha: true, lens: &[9, 10], groups: &[], seps: b"", check: uen, bare: Bare::Yes, context: &[] },
        IdRule { name: "in_aadhaar", entity: InAadhaar, alpha: false, lens: &[12], groups: &[&[4, 4, 4]], seps: b" -:", check: aadhaar, bare: Bare::Grouped, context: &["aadhaar", "aadhar", "uidai", "uid"] },
        IdRule { name: "in_pan", entity: InPan, alpha: true, lens: &[10], groups: &[], seps: b"", check: pan, bare: Bare::Yes, context: &[] },
        IdRule { name: "in_gstin", entity: InGstin, alpha: true, lens: &[15], groups: &[], seps: b"", check: gstin, bare: Bare::Yes, context: &[] },
        IdRule { name: "in_passport", entity: InPassport, alpha: true, lens: &[8], groups: &[&[3, 5]], seps: b" ", check: |id| id.shape("LDDDDDDD") && id.d(1) != 0 && id.d(7) != 0, bare: Bare::No, context: PASSPORT },
        // Three letters and seven digits is also ServiceNow's INC0012345: never alone.
        IdRule { name: "in_voter", entity: InVoter, alpha: true, lens: &[10], groups: &[], seps: b"", check: |id| id.shape("LLLDDDDDDD"), bare: Bare::No, context: &["voter", "epic", "election"] },
        IdRule { name: "in_vehicle_registration", entity: InVehicleRegistration, alpha: true, lens: &[8, 9, 10], groups: &[&[2, 2, 2, 4], &[2, 2, 1, 4], &[2, 2, 3, 4], &[4, 2, 4], &[4, 1, 4], &[4, 6], &[4, 5]], seps: b" -", check: in_vehicle, bare: Bare::Yes, context: &[] },
        IdRule { name: "th_tnin", entity: ThTnin, alpha: false, lens: &[13], groups: &[&[1, 4, 5, 2, 1]], seps: b" -", check: tnin, bare: Bare::Grouped, context: &["thai", "tnin", "national id", "id card", "เลขประจำตัวประชาชน", "บัตรประชาชน"] },
        IdRule { name: "ph_tin", entity: PhTin, alpha: false, lens: &[9, 12], groups: &[&[3, 3, 3], &[3, 3, 3, 3]], seps: b" -", check: |id| id.canon.bytes().all(|b| b.is_ascii_digit()) && (id.parts.len() > 1 || id.canon.len() == 12), bare: Bare::No, context: &["tin", "bir", "tax identification"] },
    ]
}

/// YYMMDD-G…: a real date in the century the gender digit names, and a gender digit from
/// `genders` (1-4 citizens, 5-8 foreigners).
fn rrn(id: &Id, genders: &[u8]) -> bool {
    if !id.shape("DDDDDDDDDDDDD") {
        return false;
    }
    let g = id.canon.as_bytes()[6];
    if !genders.contains(&g) {
        return false;
    }
    let century = match g {
        b'1' | b'2' | b'5' | b'6' => 1900,
        _ => 2000,
    };
    valid_date(century + id.num(0..2), id.num(2..4), id.num(4..6))
}

/// The check digit issued before October 2020: weights 2..9, 2..5, (11 - sum mod 11) mod 10.
fn rrn_check(id: &Id) -> bool {
    let d = id.digits();
    (11 - weighted(&d, &[2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]) % 11) % 10 == d[12] as u32
}

/// Business registration number: weights 1 3 7 1 3 7 1 3 5, plus the ninth digit × 5 / 10.
fn brn(id: &Id) -> bool {
    let d = id.digits();
    if d.len() != 10 || id.canon.len() != 10 {
        return false;
    }
    let sum = weighted(&d, &[1, 3, 7, 1, 3, 7, 1, 3, 5]) + d[8] as u32 * 5 / 10;
    (10 - sum % 10) % 10 == d[9] as u32
}

fn nric_shape(id: &Id) -> bool {
    id.shape("LDDDDDDDL") && b"STFGM".contains(&id.canon.as_bytes()[0])
}

/// NRIC/FIN check letter: weights 2 7 6 5 4 3 2, offset by series, a letter table per series.
fn nric_check(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    let d = id.digits();
    let offset = match c[0] {
        b'T' | b'G' => 4,
        b'M' => 3,
        _ => 0,
    };
    let r = ((weighted(&d, &[2, 7, 6, 5, 4, 3, 2]) + offset) % 11) as usize;
    let table: &[u8] = match c[0] {
        b'S' | b'T' => b"JZIHGFEDCBA",
        b'F' | b'G' => b"XWUTRQPNMLK",
        _ => b"KLJNPQRTUWX",
    };
    let letter = if c[0] == b'M' { table[10 - r] } else { table[r] };
    letter == c[8]
}

/// UEN: businesses (8 digits + check), local companies (year + 5 digits + check), others
/// (T/S/R, year, entity type, 4 digits, check).
fn uen(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    if id.shape("DDDDDDDDL") {
        let sum = weighted(&id.digits(), &[10, 4, 9, 3, 8, 2, 7, 1]);
        return b"XMKECAWLJDB"[(sum % 11) as usize] == c[8];
    }
    if id.shape("DDDDDDDDDL") {
        let year = id.num(0..4);
        let sum = weighted(&id.digits(), &[10, 8, 6, 4, 9, 7, 5, 3, 1]);
        return (1900..=2100).contains(&year) && b"ZKCMDNERGWH"[(sum % 11) as usize] == c[9];
    }
    if id.shape("LDDLLDDDDL") && b"TSR".contains(&c[0]) {
        const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWX0123456789";
        const TYPES: &[&[u8]] = &[b"LP", b"LL", b"FC", b"PF", b"RF", b"MQ", b"MM", b"NB", b"CC", b"CS", b"MB", b"FM", b"GS", b"GA", b"GB", b"GC", b"GD", b"DP", b"CP", b"NR", b"CM", b"CD", b"MD", b"HS", b"VH", b"CH", b"MH", b"CL", b"XL", b"CX", b"RP", b"TU", b"TC", b"FB", b"FN", b"PA", b"PB", b"SS", b"MC", b"SM"];
        if !TYPES.contains(&&c[3..5]) {
            return false;
        }
        let mut sum = 0;
        for (&x, w) in c[..9].iter().zip([4, 3, 5, 3, 10, 2, 2, 5, 7]) {
            let Some(v) = ALPHA.iter().position(|&a| a == x) else { return false };
            sum += v as i32 * w;
        }
        return ALPHA[(sum - 5).rem_euclid(11) as usize] == c[9];
    }
    false
}

/// Aadhaar: twelve digits, never 0 or 1 first, Verhoeff check, not a palindrome.
fn aadhaar(id: &Id) -> bool {
    let d = id.digits();
    d.len() == 12 && id.canon.len() == 12 && d[0] >= 2 && verhoeff(&d) && !d.iter().eq(d.iter().rev())
}

/// PAN: five letters (the fourth names the holder's type), four digits, a letter.
fn pan(id: &Id) -> bool {
    id.shape("LLLLLDDDDL") && b"ABCFGHLJPTK".contains(&id.canon.as_bytes()[3]) && id.num(5..9) != 0
}

/// GSTIN: state code, a PAN-shaped part, entity number, Z, a check character (not verified:
/// issued numbers and published examples disagree on it).
fn gstin(id: &Id) -> bool {
    let c = id.canon.as_bytes();
    if c.len() != 15 || !c[..2].iter().all(u8::is_ascii_digit) || !matches!(id.num(0..2), 1..=37 | 97 | 99) {
        return false;
    }
    let pan_shape = c[2..7].iter().all(u8::is_ascii_uppercase) && c[7..11].iter().all(u8::is_ascii_digit) && c[11].is_ascii_uppercase();
    pan_shape && c[12] != b'0' && c[13] == b'Z' && c[14].is_ascii_alphanumeric()
}

/// State or union-territory code, district number, series letters, number.
fn in_vehicle(id: &Id) -> bool {
    const STATES: &[&[u8]] = &[
        b"AN", b"AP", b"AR", b"AS", b"BR", b"CG", b"CH", b"DD", b"DL", b"DN", b"GA", b"GJ", b"HP", b"HR", b"JH", b"JK", b"KA", b"KL", b"LA", b"LD",
        b"MH", b"ML", b"MN", b"MP", b"MZ", b"NL", b"OD", b"OR", b"PB", b"PY", b"RJ", b"SK", b"TN", b"TR", b"TS", b"UK", b"UP", b"WB",
    ];
    let c = id.canon.as_bytes();
    let n = c.len();
    if n < 8 || !STATES.contains(&&c[..2]) || !c[2..4].iter().all(u8::is_ascii_digit) || !c[n - 4..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let series = &c[4..n - 4];
    (1..=3).contains(&series.len()) && series.iter().all(u8::is_ascii_uppercase) && id.num(n - 4..n) != 0
}

/// Thai national id: first digit 1-8, a province code, weights 13..2, (11 - sum mod 11) mod 10.
fn tnin(id: &Id) -> bool {
    let d = id.digits();
    if d.len() != 13 || !(1..=8).contains(&d[0]) || !matches!(id.num(1..3), 10..=27 | 30..=49 | 50..=58 | 60..=67 | 70..=77 | 80..=86 | 90..=96) {
        return false;
    }
    (11 - weighted(&d, &[13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11) % 10 == d[12] as u32
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn korea() {
        yes(KrRrn, &[("960121-1234567", "960121-1234567"), ("000505-3637892", "000505-3637892"), ("His Korean RRN is 960121-1234567", "960121-1234567"), ("9601211021413", "9601211021413"), ("0509122000019", "0509122000019")]);
        no(KrRrn, &["001332-1234567", "960303-0021413", "000402-6214431", "9601211021414"]);
        yes(KrFrn, &[("911124-5678906", "911124-5678906"), ("050912-6000012", "050912-6000012"), ("His FRN is 9111245678906", "9111245678906")]);
        no(KrFrn, &["0013321234567", "760413-1212134", "051102-9234110", "9111245678901"]);
        yes(KrBrn, &[("104-86-56659", "104-86-56659"), ("104-82-13138", "104-82-13138")]);
        no(KrBrn, &["104-86-56658", "110-81-412722", "123-45-67890"]);
        yes(KrPassport, &[("m456B7890", "m456B7890"), ("여권번호는 M789C1234입니다", "M789C1234"), ("대한민국 여권 S87654321", "S87654321")]);
        no(KrPassport, &["A123B4567", "M1234A567", "M123A456", "M1234567", "MM123A4567", "M123-A4567", "m87654321"]);
        yes(KrDriverLicense, &[("28 22 123456 12", "28 22 123456 12"), ("운전면허 112212345612", "112212345612")]);
        no(KrDriverLicense, &["11-22-12345-12", "11-22-123A56-12", "11-22-123456-123", "112212345612"]);
    }

    #[test]
    fn singapore() {
        yes(SgNricFin, &[("S9108268C T7572225C", "S9108268C"), ("S9108268C T7572225C", "T7572225C"), ("NRIC: G1122144L", "G1122144L")]);
        no(SgNricFin, &["PA12348L", "S9108268D", "G1122144L"]);
        yes(SgUen, &[("53125226D", "53125226D"), ("T16RF0037C", "T16RF0037C"), ("R16RF0037F", "R16RF0037F"), ("UEN 53125226D was processed", "53125226D")]);
        no(SgUen, &["53125226E", "T16RF0037D", "T16ZZ0037C"]);
    }

    #[test]
    fn india() {
        yes(InAadhaar, &[("3998 7654 3211", "3998 7654 3211"), ("3123-4567-8909", "3123-4567-8909"), ("3998:7654:3211", "3998:7654:3211"), ("Aadhaar 312345678909", "312345678909")]);
        no(InAadhaar, &["1234 5678 9012", "1234:5678:9012", "3998 7654 3212", "312345678909"]);
        yes(InPan, &[("ABCPD1234Z", "ABCPD1234Z"), ("My PAN number is ABBPM4567S with a lot of text beyond it", "ABBPM4567S")]);
        no(InPan, &["ABCXD1234Z", "ABCPD0000Z"]);
        yes(InGstin, &[("27ABCDE1234F1Z5", "27ABCDE1234F1Z5"), ("GSTINs: 27ABCDE1234F1Z5 and 07PQRST6789K1Z2", "07PQRST6789K1Z2")]);
        no(InGstin, &["27ABCDE1234F1Z55", "38ABCDE1234F1Z5", "27ABCDE1234F1Z", "123456789012345", "00ABCDE1234F1Z5", "27ABCDE1234F1Y5"]);
        yes(InPassport, &[("my passport number is T3569075", "T3569075")]);
        no(InPassport, &["passport b0097650", "B3097651"]);
        yes(InVoter, &[("You can vote with your voter id CPJ4467918", "CPJ4467918")]);
        no(InVoter, &["INC0012345", "A8923571WZ"]);
        yes(InVehicleRegistration, &[("KA53ME3456", "KA53ME3456"), ("DL01CA1234", "DL01CA1234"), ("MH 12 AB 1234", "MH 12 AB 1234")]);
        no(InVehicleRegistration, &["ABNE123456", "XX01CA1234"]);
    }

    #[test]
    fn thailand_philippines() {
        yes(ThTnin, &[("TNIN: 2345678901234", "2345678901234"), ("Thai National ID 1234567890121", "1234567890121"), ("1-2345-67890-12-1", "1-2345-67890-12-1")]);
        no(ThTnin, &["2345678901234", "TNIN 0234567890124", "TNIN 1034567890124", "TNIN 1884567890124", "TNIN 2345678901235", "TNIN 0000000000000"]);
        yes(PhTin, &[("My TIN is 000-123-456-000", "000-123-456-000"), ("BIR TIN: 000123456000", "000123456000"), ("TIN 000-123-456", "000-123-456")]);
        no(PhTin, &["Not a TIN 123456789", "continue 000-123-456"]);
    }
}
