//! Word lists: `NRP` (nationalities, religious and political groups: capitalised demonyms,
//! faiths, parties) and `TITLE` (job titles: an occupational head noun and the words that
//! qualify it, `Benefits manager`, `Chief Technology Officer`). Both are context types, kept
//! by default: they describe a person without naming one, and are everywhere in UI text
//! ("Task Manager", "English"). They are found so that a policy can remove them.

use super::{Candidate, Check, Needs, Rule};
use crate::detect::Entity;

/// Demonyms and adjectives of nationality; faiths; political groups. Capitalised as written.
const NRP: &[&str] = &[
    "Afghan", "Albanian", "Algerian", "American", "Andorran", "Angolan", "Argentine", "Argentinian", "Armenian", "Australian", "Austrian",
    "Azerbaijani", "Bahraini", "Bangladeshi", "Belarusian", "Belgian", "Bolivian", "Bosnian", "Brazilian", "British", "Bulgarian",
    "Burmese", "Cambodian", "Cameroonian", "Canadian", "Chilean", "Chinese", "Colombian", "Congolese", "Croatian", "Cuban", "Cypriot",
    "Czech", "Danish", "Dominican", "Dutch", "Ecuadorian", "Egyptian", "Emirati", "English", "Eritrean", "Estonian", "Ethiopian",
    "Filipino", "Finnish", "French", "Georgian", "German", "Ghanaian", "Greek", "Guatemalan", "Haitian", "Honduran", "Hungarian",
    "Icelandic", "Indian", "Indonesian", "Iranian", "Iraqi", "Irish", "Israeli", "Italian", "Ivorian", "Jamaican", "Japanese",
    "Jordanian", "Kazakh", "Kenyan", "Korean", "Kosovar", "Kuwaiti", "Kyrgyz", "Lao", "Latvian", "Lebanese", "Liberian", "Libyan",
    "Lithuanian", "Luxembourgish", "Macedonian", "Malagasy", "Malaysian", "Malian", "Maltese", "Mexican", "Moldovan", "Mongolian",
    "Montenegrin", "Moroccan", "Mozambican", "Namibian", "Nepalese", "Nepali", "Nicaraguan", "Nigerian", "Nigerien", "Norwegian",
    "Omani", "Pakistani", "Palestinian", "Panamanian", "Paraguayan", "Persian", "Peruvian", "Polish", "Portuguese", "Qatari",
    "Romanian", "Russian", "Rwandan", "Salvadoran", "Saudi", "Scottish", "Senegalese", "Serbian", "Singaporean", "Slovak",
    "Slovenian", "Somali", "Spanish", "Sudanese", "Swedish", "Swiss", "Syrian", "Taiwanese", "Tajik", "Tanzanian", "Thai", "Tibetan",
    "Togolese", "Tunisian", "Turkish", "Turkmen", "Ugandan", "Ukrainian", "Uruguayan", "Uzbek", "Venezuelan", "Vietnamese", "Welsh",
    "Yemeni", "Zambian", "Zimbabwean", "Arab", "Asian", "African", "European", "Latino", "Latina", "Hispanic", "Caucasian",
    "Kurdish", "Roma", "Sikh", "Christian", "Catholic", "Protestant", "Orthodox", "Evangelical", "Baptist", "Methodist", "Lutheran",
    "Anglican", "Presbyterian", "Pentecostal", "Mormon", "Muslim", "Islamic", "Sunni", "Shia", "Shiite", "Jewish", "Jew", "Hindu",
    "Buddhist", "Jain", "Taoist", "Shinto", "Atheist", "Agnostic", "Democrat", "Democrats", "Republican", "Republicans", "Socialist",
    "Communist", "Libertarian", "Tory", "Tories", "Labour", "Conservative", "Conservatives", "Liberal Democrat", "Green Party",
];

/// Occupational head nouns (lower case; the words before them are taken as qualifiers).
const HEADS: &[&str] = &[
    "accountant", "actuary", "adjuster", "administrator", "advisor", "adviser", "agent", "analyst", "architect", "assistant",
    "attendant", "attorney", "auditor", "baker", "bartender", "biologist", "bookkeeper", "broker", "buyer", "carpenter", "cashier",
    "chef", "chemist", "clerk", "coach", "consultant", "cook", "coordinator", "counselor", "counsellor", "dentist", "designer",
    "developer", "dietitian", "director", "dispatcher", "drafter", "economist", "editor", "electrician", "engineer", "estimator",
    "examiner", "executive", "firefighter", "foreman", "geologist", "hygienist", "inspector", "installer", "instructor",
    "investigator", "janitor", "journalist", "lawyer", "lecturer", "librarian", "lineman", "machinist", "manager", "mechanic",
    "nurse", "nutritionist", "officer", "operator", "optometrist", "paralegal", "paramedic", "pharmacist", "photographer",
    "physician", "physicist", "pilot", "planner", "platemaker", "plumber", "president", "producer", "professor", "programmer",
    "psychologist", "publicist", "receptionist", "recruiter", "repairer", "representative", "researcher", "scientist",
    "secretary", "sociologist", "specialist", "statistician", "superintendent", "supervisor", "surgeon", "surveyor", "teacher",
    "technician", "technologist", "tender", "therapist", "trainer", "underwriter", "veterinarian", "welder", "writer",
];

/// Acronym titles, as written.
const ACRONYMS: &[&str] = &["CEO", "CTO", "CFO", "COO", "CIO", "CISO", "CMO", "CPO", "VP", "SVP", "EVP"];

/// Words that never qualify a title: where the title starts after them.
const NOT_QUALIFIERS: &[&str] = &[
    "a", "an", "the", "our", "my", "your", "his", "her", "their", "its", "is", "was", "as", "am", "are", "be", "been", "to", "for",
    "of", "with", "by", "at", "in", "on", "and", "or", "new", "former", "this", "that", "who", "which", "dear", "hi", "hello",
    "contact", "call", "email", "ask", "from", "i", "we", "you", "he", "she", "they", "not", "no", "any", "every", "each",
];

pub fn rules() -> Vec<Rule> {
    let nrp = format!(r"(?-u:\b)(?:{})(?-u:\b)", NRP.join("|"));
    // Qualifiers: up to three words on the same line (Unicode word boundaries, so that a
    // name's last letters are not taken for a word).
    let title = format!(r"(?i)(?:\b[a-z][a-z\-]+[ \t]+(?:and[ \t]+)?){{0,3}}\b(?:{})s?\b", HEADS.join("|"));
    let acronym = format!(r"(?-u:\b)(?:{})(?-u:\b)", ACRONYMS.join("|"));
    vec![
        Rule::new("nrp", Entity::Nrp, nrp, Needs::Literals(NRP)).score(0.5),
        Rule::new("title", Entity::Title, title, Needs::Literals(HEADS)).check(Some(title_check())).score(0.5),
        Rule::new("title_acronym", Entity::Title, acronym, Needs::Literals(ACRONYMS)).score(0.5),
    ]
}

/// Trims words that cannot qualify a title from its start.
fn title_check() -> Check {
    Box::new(|c: &Candidate| {
        let v = c.value();
        let mut start = 0;
        for w in v.split_whitespace() {
            if NOT_QUALIFIERS.iter().any(|q| w.eq_ignore_ascii_case(q)) {
                start = v[start..].find(w).map_or(start, |i| start + i + w.len());
                start += v[start..].len() - v[start..].trim_start().len();
            } else {
                break;
            }
        }
        (start < v.len()).then_some((c.start + start, c.end))
    })
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn nrp() {
        assert_found("She is Brazilian and Catholic", Nrp, "Brazilian");
        assert_found("She is Brazilian and Catholic", Nrp, "Catholic");
        assert_found("a Republican senator", Nrp, "Republican");
        assert_none("liberal amounts of indian ink", Nrp);
        assert_none("Thailand", Nrp);
    }

    #[test]
    fn titles() {
        assert_found("Matthew Reumer, the Civil drafter", Title, "Civil drafter");
        assert_found("Helen Földesy\nTraining and development coordinator", Title, "Training and development coordinator");
        assert_found("our CTO said", Title, "CTO");
        assert_found("Chief Technology Officer", Title, "Chief Technology Officer");
        let got = found("Matthew Reumer, the Civil drafter");
        assert!(!got.iter().any(|(e, v)| *e == Title && v.starts_with("the")), "{got:?}");
        assert_none("the engineering team", Title);
    }
}
