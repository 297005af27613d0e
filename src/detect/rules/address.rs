//! Rules for the parts of a postal address that have a shape the NER model does not need to
//! guess: a street with its number (`15 Millicent Drive`, `94 rue La Boétie`, `Wiesenstrasse
//! 31`, `Calle Mayor 12`), a secondary unit (`Apt. 217`, `Suite 459`), a post-office box, and
//! US military mail (`PSC 4926, Box 7979, APO AA 63682`, `USNS Márquez FPO AP 08653`). They
//! are LOCATIONs: the model finds towns and countries; the rules find what sits in forms,
//! signatures and address blocks, where the model misses a bare number line.
//!
//! It must never take a number and a capitalised word for a street without a street word
//! (`3 Google Drive files` names no street; `Route 66` is a road's name, not an address), nor
//! a unit word without its number.

use super::{Needs, Rule};
use crate::detect::Entity::Location;

/// English street types after the street's name (`15 Millicent Drive`), as written.
const STREET_AFTER: &[&str] = &[
    "Street", "St", "St\\.", "Avenue", "Ave", "Ave\\.", "Road", "Rd", "Rd\\.", "Drive", "Dr\\.", "Boulevard", "Blvd", "Blvd\\.",
    "Lane", "Ln", "Ln\\.", "Way", "Court", "Ct", "Ct\\.", "Place", "Pl\\.", "Terrace", "Parkway", "Pkwy", "Highway", "Hwy",
    "Circle", "Cir\\.", "Square", "Sq\\.", "Crescent", "Close", "Grove", "Mews", "Trail", "Alley", "Plaza", "Esplanade",
];

/// Street types before the street's name (`rue`, `via`, `calle`, `rua`, ...), any case.
const STREET_BEFORE: &[&str] = &[
    "rue", "avenue", "av\\.", "boulevard", "bd", "chemin", "impasse", "allée", "allee", "quai", "place", "via", "viale", "piazza",
    "corso", "vicolo", "calle", "avenida", "avda\\.", "paseo", "plaza", "carrer", "rua", "travessa", "largo", "praça", "praca",
    "ulica", "ul\\.", "aleja", "strada", "bulevardul",
];

/// The prefilter literals of [`STREET_BEFORE`] (ASCII, case-insensitive: `allée` by `all`,
/// `praça` by `pra`).
const BEFORE_LITERALS: &[&str] = &[
    "rue", "av", "bd", "chemin", "impasse", "all", "quai", "place", "via", "viale", "piazza", "corso", "vicolo", "calle", "paseo",
    "plaza", "carrer", "rua", "travessa", "largo", "pra", "ul", "aleja", "strada", "bulevardul",
];

/// Street words that end a compound name or stand after it, before the number
/// (`Wiesenstrasse 31`, `Gumpendorfer Strasse 44`, `Ommerweg 159`, `Eötvös út 10`).
const STREET_SUFFIX: &[&str] = &[
    "strasse", "straße", "str\\.", "gasse", "weg", "allee", "platz", "damm", "ufer", "steig", "vej", "veien", "vegen",
    "vägen", "gatan", "gata", "gade", "stræde", "straat", "laan", "gracht", "plein", "kade", "steenweg", "katu", "utca", "út",
];

/// Unit designators that only an address uses, as written.
const UNITS: &[&str] = &["Apt\\.?", "APT\\.?", "apt\\.", "Apartment", "apartment", "Suite", "SUITE", "Ste\\.", "Appt\\.?", "Wohnung"];

/// The rules' names (each one anchors an address block: [`crate::detect::blocks`]).
pub const RULES: [&str; 8] = [
    "street_address", "street_address_numbered", "street_address_named", "street_address_compound", "street_corner", "address_unit",
    "po_box", "military_address",
];

pub fn rules() -> Vec<Rule> {
    // A capitalised name word (Unicode letters; `O'Connell`, `Saint-Denis`, `St.`).
    let cap = r"\p{Lu}[\p{L}'’.\-]*";
    let number = r"[0-9]{1,5}[A-Za-z]?(?:[\-/][0-9]{1,5}[A-Za-z]?)?";
    let after = STREET_AFTER.join("|");
    let before = STREET_BEFORE.join("|");
    let suffix = STREET_SUFFIX.join("|");
    let units = UNITS.join("|");
    // `15 Millicent Drive`, `4748 Westfall Avenue`, `221B Baker St.` — one to four name words.
    let english = format!(r"(?-u:\b){number}[ ]+(?:{cap}[ ]+){{1,4}}(?:{after})(?-u:\b)\.?");
    // `94 rue La Boétie`, `65 via Lagrange`, `21 Rue Sidi Bou` — a number, the street type and
    // one to four words (lower-case articles between them).
    let numbered = format!(
        r"(?i:(?-u:\b){number}[ ]*,?[ ]+(?:{before})[ ]+(?:(?:de|del|della|des|du|la|le|les|das|do|dos|da|di|dei|delle|d'|l')[ ]+)*\p{{L}}[\p{{L}}'’.\-]*(?:[ ]+(?:(?:de|del|des|du|la|le|da|do|dos|das|di)[ ]+)?\p{{Lu}}[\p{{L}}'’.\-]*){{0,3}})"
    );
    // `Calle Mayor 12`, `Via Roma 1`, `Rua das Hortências 1428`: the type first, the number last.
    let named = format!(
        r"(?-u:\b)(?i:{before})[ ]+(?:(?:de|del|della|des|du|la|le|les|das|do|dos|da|di|dei|delle)[ ]+)*(?:{cap}[ ]+){{0,3}}{cap}[ ]+{number}(?-u:\b)"
    );
    // `Wiesenstrasse 31`, `Gumpendorfer Strasse 44`, `Eötvös út 10`.
    let compound = format!(r"(?:(?:{cap}[ ]+){{0,2}}\p{{Lu}}[\p{{L}}\-]{{2,}}(?i:{suffix})|(?:{cap}[ ]+){{0,2}}{cap}[ ]+(?i:{suffix}))[ ]+{number}(?-u:\b)");
    // `the corner of 149 William Street and Çiftçi Street`: a street named without a number.
    let corner = format!(r"(?i:(?-u:\b)corner[ ]+of)[ ]+([^\n,;:]{{2,60}}?[ ]+(?:and|&)[ ]+(?:{cap}[ ]+){{1,3}}(?:{after}))(?-u:\b)\.?");
    let unit = format!(r"(?-u:\b)(?:{units})[ ]*#?[ ]*[0-9]{{1,5}}[A-Za-z]?(?-u:\b)");
    vec![
        Rule::new(RULES[0], Location, english, Needs::DigitAnd(&["st", "ave", "road", "rd", "dr", "blvd", "lane", "ln", "way", "court", "ct", "place", "pl", "terrace", "parkway", "pkwy", "highway", "hwy", "cir", "square", "sq", "crescent", "close", "grove", "mews", "trail", "alley", "plaza", "esplanade"])),
        Rule::new(RULES[1], Location, numbered, Needs::DigitAnd(BEFORE_LITERALS)),
        Rule::new(RULES[2], Location, named, Needs::DigitAnd(BEFORE_LITERALS)),
        Rule::new(RULES[3], Location, compound, Needs::DigitAnd(&["str", "gasse", "weg", "allee", "platz", "damm", "ufer", "steig", "vej", "veien", "vegen", "v\u{e4}gen", "gat", "gade", "str\u{e6}de", "laan", "gracht", "plein", "kade", "katu", "utca", "\u{fa}t"])),
        Rule::new(RULES[4], Location, corner, Needs::Literals(&["corner"])).group(1),
        Rule::new(RULES[5], Location, unit, Needs::DigitAnd(&["apt", "apartment", "suite", "ste.", "appt", "wohnung"])),
        Rule::new(RULES[6], Location, r"(?i-u:\b(?:P\.?[ ]?O\.?[ ]*Box|Post[ ]+Office[ ]+Box|Postfach|Apartado(?:[ ]+de[ ]+correos)?|Case[ ]+postale)[ ]*#?[ ]*[0-9]{1,7}\b)", Needs::DigitAnd(&["box", "postfach", "apartado", "postale"])),
        // US military mail: the unit and box, the post office and its region, the ZIP.
        Rule::new(
            RULES[7],
            Location,
            r"(?i)(?-u:\b)(?:(?:PSC|CMR|Unit)[ ]+[0-9]{3,5}[ ]*,?\s*Box[ ]+[0-9]{1,5}|(?:USNS|USNV|USS|USCGC)[ ]+\p{L}[\p{L}'’.\-]*(?:[ ]+\p{L}[\p{L}'’.\-]*)?)[ ]*,?\s*(?:APO|FPO|DPO)[ ]+A[AEP][ ]+[0-9]{5}(?:-[0-9]{4})?(?-u:\b)",
            Needs::DigitAnd(&["apo", "fpo", "dpo"]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn english_streets() {
        assert_found("Tina Alexandrov >18 15 Millicent Drive >Suite 459", Location, "15 Millicent Drive");
        assert_found("here's Alex's address: the corner of 4748 Westfall Avenue and Maclean Street", Location, "4748 Westfall Avenue");
        assert_found("Ship to 221B Baker St. London", Location, "221B Baker St.");
        assert_found("It's in 60 1908 Derby Ave\nSchipluiden", Location, "1908 Derby Ave");
        assert_none("Upload 3 files to Google Drive", Location);
        assert_none("Route 66 was busy", Location);
        assert_none("15 minutes drive from the station", Location);
    }

    #[test]
    fn street_corners() {
        assert_found("Address: the corner of Eötvös út 10. and Sinko Street", Location, "Eötvös út 10. and Sinko Street");
        assert_found("the corner of Calle Proc. San Sebastián 1 and Lucchese Street", Location, "Calle Proc. San Sebastián 1 and Lucchese Street");
        assert_none("the corner of the screen and the window", Location);
    }

    #[test]
    fn continental_streets() {
        assert_found("Shannon had given Thea his address: 94 rue La Boétie, Paris", Location, "94 rue La Boétie");
        assert_found("65 via lagrange 3 lyss", Location, "65 via lagrange");
        assert_found("Calle Mayor 12, Madrid", Location, "Calle Mayor 12");
        assert_found("04 Rua das Hortências 1428", Location, "Rua das Hortências 1428");
        assert_found("We'll meet at 61 Wiesenstrasse 31, Barzheim", Location, "Wiesenstrasse 31");
        assert_found("the corner of Gumpendorfer Strasse 44 and Bašić Street", Location, "Gumpendorfer Strasse 44");
        assert_found("42 Machelsesteenweg 197", Location, "Machelsesteenweg 197");
        assert_none("the rue is a herb; 3 of them", Location);
        assert_none("Ring 3 of the build", Location);
        assert_none("Weg 3", Location);
        assert_found("Eötvös út 10.", Location, "Eötvös út 10");
    }

    #[test]
    fn units_boxes_and_military_mail() {
        assert_found(">Apt. 217 >Alluitsup Paa", Location, "Apt. 217");
        assert_found("Suite 842 >KINGSTON", Location, "Suite 842");
        assert_found("94 P.O. Box 101 >Suite 546", Location, "P.O. Box 101");
        assert_found("the same: PSC 4926, Box 7979\nAPO AA 63682", Location, "PSC 4926, Box 7979\nAPO AA 63682");
        assert_found("here they are: unit 8087 box 7596\ndpo ae 50606, and", Location, "unit 8087 box 7596\ndpo ae 50606");
        assert_found("The address of Relationship Science is USNS Márquez FPO AP 08653", Location, "USNS Márquez FPO AP 08653");
        assert_none("Run the test suite 3 times", Location);
        assert_none("Apartment hunting is hard", Location);
        assert_none("Unit 3: fractions", Location);
    }
}
