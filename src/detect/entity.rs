//! The catalogue of entity types: one line per type with its name (Presidio's where Presidio
//! has one, so that `veil detect` output and quality figures compare entity by entity), its
//! priority when spans of two types overlap, and whether it is a *context* type.
//!
//! Context types (`DATE_TIME`, `URL`, `NRP`, `TITLE`) describe text that often holds other
//! findings (an email inside a URL, a date of birth that is also a date): where they overlap a
//! specific finding they are cut around it rather than merged with it, so that a URL kept by
//! policy never carries its email along, and an email never swallows the rest of its URL.
//! Nothing here may hold or print a value.

use serde::{Deserialize, Serialize};

macro_rules! entities {
    ($($(#[$meta:meta])* $variant:ident = $name:literal, $prio:literal;)*) => {
        /// The kinds of data the engine finds. Names follow Presidio's where one exists, so that
        /// quality figures can be compared entity by entity. New kinds are added over time:
        /// match with a wildcard arm.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[non_exhaustive]
        pub enum Entity {
            $($(#[$meta])* $variant,)*
        }

        impl Entity {
            /// Every entity, in catalogue order.
            pub const ALL: &'static [Entity] = &[$(Entity::$variant,)*];

            /// The name used in policies, reports and tags (`EMAIL_ADDRESS`, ...).
            pub fn name(self) -> &'static str {
                match self {
                    $(Entity::$variant => $name,)*
                }
            }

            /// When spans of two entities overlap, the higher priority names the merged span.
            pub(crate) fn priority(self) -> u8 {
                match self {
                    $(Entity::$variant => $prio,)*
                }
            }
        }
    };
}

entities! {
    // Secrets first: a token that also looks like a number stays a secret.
    /// API keys, tokens, private keys, signed URLs, session cookies.
    Secret = "SECRET", 250;
    /// Passwords: assignments, URL userinfo, command-line flags, anything typed into a secure field.
    Password = "PASSWORD", 249;
    CreditCard = "CREDIT_CARD", 240;
    IbanCode = "IBAN_CODE", 239;
    Crypto = "CRYPTO", 238;
    UsSsn = "US_SSN", 230;
    // National identifiers with a checksum or a distinctive shape.
    UsItin = "US_ITIN", 229;
    UsMbi = "US_MBI", 228;
    UsNpi = "US_NPI", 227;
    UkNhs = "UK_NHS", 226;
    UkNino = "UK_NINO", 225;
    UkDrivingLicence = "UK_DRIVING_LICENCE", 224;
    EsNif = "ES_NIF", 223;
    EsNie = "ES_NIE", 222;
    ItFiscalCode = "IT_FISCAL_CODE", 221;
    ItVatCode = "IT_VAT_CODE", 220;
    PlPesel = "PL_PESEL", 219;
    FiPersonalIdentityCode = "FI_PERSONAL_IDENTITY_CODE", 218;
    SePersonnummer = "SE_PERSONNUMMER", 217;
    SeOrganisationsnummer = "SE_ORGANISATIONSNUMMER", 216;
    DeTaxId = "DE_TAX_ID", 215;
    DeVatId = "DE_VAT_ID", 214;
    DePassport = "DE_PASSPORT", 213;
    DeIdCard = "DE_ID_CARD", 212;
    DeHealthInsurance = "DE_HEALTH_INSURANCE", 211;
    DeSocialSecurity = "DE_SOCIAL_SECURITY", 210;
    DeTaxNumber = "DE_TAX_NUMBER", 209;
    DeLanr = "DE_LANR", 208;
    DeBsnr = "DE_BSNR", 207;
    DeFuehrerschein = "DE_FUEHRERSCHEIN", 206;
    DeHandelsregister = "DE_HANDELSREGISTER", 205;
    TrNationalId = "TR_NATIONAL_ID", 204;
    KrRrn = "KR_RRN", 203;
    KrFrn = "KR_FRN", 202;
    KrBrn = "KR_BRN", 201;
    KrPassport = "KR_PASSPORT", 200;
    KrDriverLicense = "KR_DRIVER_LICENSE", 199;
    SgNricFin = "SG_NRIC_FIN", 198;
    SgUen = "SG_UEN", 197;
    InAadhaar = "IN_AADHAAR", 196;
    InPan = "IN_PAN", 195;
    InGstin = "IN_GSTIN", 194;
    InPassport = "IN_PASSPORT", 193;
    InVoter = "IN_VOTER", 192;
    AuAbn = "AU_ABN", 191;
    AuAcn = "AU_ACN", 190;
    AuTfn = "AU_TFN", 189;
    AuMedicare = "AU_MEDICARE", 188;
    CaSin = "CA_SIN", 187;
    ThTnin = "TH_TNIN", 186;
    PhTin = "PH_TIN", 185;
    NgNin = "NG_NIN", 184;
    ZaIdNumber = "ZA_ID_NUMBER", 183;
    EsPassport = "ES_PASSPORT", 182;
    ItPassport = "IT_PASSPORT", 181;
    ItIdentityCard = "IT_IDENTITY_CARD", 180;
    ItDriverLicense = "IT_DRIVER_LICENSE", 179;
    UkPassport = "UK_PASSPORT", 178;
    UsPassport = "US_PASSPORT", 177;
    UsDriverLicense = "US_DRIVER_LICENSE", 176;
    /// DEA registration numbers of prescribers.
    MedicalLicense = "MEDICAL_LICENSE", 175;
    AbaRoutingNumber = "ABA_ROUTING_NUMBER", 174;
    UsBankNumber = "US_BANK_NUMBER", 173;
    // Vehicles and places with a distinctive format.
    UkVehicleRegistration = "UK_VEHICLE_REGISTRATION", 150;
    InVehicleRegistration = "IN_VEHICLE_REGISTRATION", 149;
    NgVehicleRegistration = "NG_VEHICLE_REGISTRATION", 148;
    TrLicensePlate = "TR_LICENSE_PLATE", 147;
    DeKfz = "DE_KFZ", 146;
    EmailAddress = "EMAIL_ADDRESS", 140;
    MacAddress = "MAC_ADDRESS", 130;
    IpAddress = "IP_ADDRESS", 129;
    PhoneNumber = "PHONE_NUMBER", 120;
    DateOfBirth = "DATE_OF_BIRTH", 100;
    /// An age in years ("34 years old", "aged 34", "Age: 34").
    Age = "AGE", 90;
    Person = "PERSON", 80;
    Location = "LOCATION", 70;
    // A postcode inside an address found as a place is part of that place.
    UkPostcode = "UK_POSTCODE", 66;
    DePlz = "DE_PLZ", 65;
    /// Postal and ZIP codes of other countries, where a label or an address says so.
    PostalCode = "POSTAL_CODE", 64;
    Organization = "ORGANIZATION", 60;
    // Context types: cut around specific findings, never merged with them.
    /// A job title ("Benefits manager", "Chief Technology Officer").
    Title = "TITLE", 13;
    /// Nationality, religious or political group.
    Nrp = "NRP", 12;
    /// Any date or time ("2024-03-15T14:30Z", "5 May 2021", "Thursday", "14:30").
    DateTime = "DATE_TIME", 11;
    /// URLs and domain names (the personal data inside them are findings of their own).
    Url = "URL", 10;
}

impl Entity {
    pub fn from_name(s: &str) -> Option<Entity> {
        Entity::ALL.iter().copied().find(|e| e.name() == s)
    }

    /// A context type: cut around overlapping specific findings instead of merging with them.
    pub fn is_context(self) -> bool {
        matches!(self, Entity::Title | Entity::Nrp | Entity::DateTime | Entity::Url)
    }

    /// How values of this entity are compared for pseudonyms and repeats: `Digits` and
    /// `Alnum` values that differ only in separators or case are the same value.
    pub fn value_form(self) -> ValueForm {
        use Entity::*;
        match self {
            PhoneNumber | CreditCard | UsSsn => ValueForm::Digits,
            Secret | Password | Crypto => ValueForm::Exact,
            // Addresses keep their separators: `2001:db8::1` is not `2001:db8:1::`.
            EmailAddress | Person | Location | Organization | Nrp | Title | Url | DateTime | DateOfBirth | Age | IpAddress => ValueForm::Text,
            _ => ValueForm::Alnum,
        }
    }
}

/// See [`Entity::value_form`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueForm {
    /// Only the ASCII digits count.
    Digits,
    /// ASCII letters and digits, upper-cased.
    Alnum,
    /// Trimmed and lower-cased.
    Text,
    /// Byte for byte.
    Exact,
}

impl ValueForm {
    /// The canonical form of `value`.
    pub fn canonical(self, value: &str) -> String {
        match self {
            ValueForm::Digits => value.chars().filter(char::is_ascii_digit).collect(),
            ValueForm::Alnum => value.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect(),
            ValueForm::Text => value.trim().to_lowercase(),
            ValueForm::Exact => value.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &e in Entity::ALL {
            assert!(seen.insert(e.name()), "{} twice", e.name());
            assert_eq!(Entity::from_name(e.name()), Some(e));
            assert_eq!(serde_json::to_string(&e).unwrap(), format!("\"{}\"", e.name()));
        }
    }

    #[test]
    fn priorities_are_distinct_and_context_types_lowest() {
        let mut seen = std::collections::HashSet::new();
        for &e in Entity::ALL {
            assert!(seen.insert(e.priority()), "{} shares a priority", e.name());
        }
        let lowest_specific = Entity::ALL.iter().filter(|e| !e.is_context()).map(|e| e.priority()).min().unwrap();
        assert!(Entity::ALL.iter().filter(|e| e.is_context()).all(|e| e.priority() < lowest_specific));
    }
}
