//! Rules for organisation names that carry their kind in their last word: a legal form
//! (`Qado Energy Inc.`, `Microbilt Corporation`, `Müller GmbH`) or an organisational head
//! noun after a distinctive name (`Palantir Technologies`, `Amazon Web Services`, `Kroll Bond
//! Ratings Agency`). The NER model misses many of these where no context says "company"
//! (signature blocks, address lists, records), and a name with such a head is an
//! organisation wherever it stands.
//!
//! It must never take a generic phrase for a name (`Web Services`, `Customer Solutions`,
//! `Human Resources`, `Operating Systems` are menu items and headings in UI text): a head noun
//! that is not a legal form needs a name word in front of it that is not a generic business
//! or UI word; and a determiner in front (`The`, `Our`) is not part of the name.

use super::{Candidate, Check, Needs, Rule};
use crate::detect::Entity;

/// Legal forms: a capitalised word before one of these is a company's name. As written, each
/// with its own end (a dotted form ends on its dot, others on a word boundary).
const LEGAL: &[&str] = &[
    "Inc\\.", "Inc", "INC\\.", "INC", "LLC", "L\\.L\\.C\\.", "Ltd\\.", "Ltd", "LTD\\.", "LTD", "Limited", "Corp\\.", "Corp",
    "Corporation", "Co\\.", "GmbH", "AG", "KG", "KGaA", "PLC", "plc", "LLP", "S\\.A\\.", "SAS", "SARL", "S\\.p\\.A\\.", "SpA",
    "S\\.r\\.l\\.", "Srl", "B\\.V\\.", "BV", "N\\.V\\.", "Pty", "Oy", "Oyj", "ASA", "ApS",
];

/// Organisational head nouns: a name ending in one of these is an organisation's when a word
/// before it is not generic ([`GENERIC`]). As written (capitalised).
const HEADS: &[&str] = &[
    "Technologies", "Solutions", "Systems", "Services", "Consulting", "Consultants", "Partners", "Associates",
    "Analytics", "Labs", "Laboratories", "Insurance", "Bank", "Bancorp", "Agency", "Industries", "International", "Enterprises",
    "Ventures", "Capital", "Holdings", "Group", "Networks", "Software", "Robotics", "Bioscience", "Biosciences",
    "Pharmaceuticals", "Logistics", "Energy", "Foundation", "Institute", "Motors", "Airlines", "Studios", "Realty", "Brewing",
    "Maintenance", "Communications", "Dynamics", "Innovations", "Therapeutics", "Semiconductor", "Microsystems",
];

/// Words that name no one: generic business and UI words that often stand before a head noun
/// in menus and headings. Lower case; compared case-insensitively.
const GENERIC: &[&str] = &[
    "the", "a", "an", "our", "your", "my", "their", "his", "her", "its", "this", "that", "all", "any", "more", "other", "new", "and",
    "of", "for", "&", "web", "cloud", "data", "customer", "customers", "financial", "finance", "human", "social", "operating",
    "information", "business", "network", "global", "digital", "professional", "managed", "it", "support", "security", "health",
    "healthcare", "legal", "technical", "field", "public", "private", "shared", "internal", "core", "platform", "enterprise",
    "consumer", "creative", "marketing", "sales", "account", "accounts", "billing", "payment", "payments", "media", "energy",
    "software", "systems", "technology", "management", "research", "development", "engineering", "design", "product", "products",
    "services", "solutions", "premium", "advanced", "basic", "standard", "pro", "free", "home", "office", "mobile", "online",
    "local", "national", "international", "integrated", "emergency", "community", "student", "students", "career", "employee",
    "employees", "family", "medical", "dental", "life", "auto", "car", "travel", "pet", "renewable", "solar", "green", "clean",
    "computer", "computing", "embedded", "distributed", "information", "learning", "language", "operations", "admin",
    "administrative", "user", "users", "team", "teams", "partner", "vendor", "vendors", "third-party", "external", "trusted",
    "related", "connected", "linked", "recent", "popular", "featured", "top", "best", "my", "view", "manage", "add", "edit",
    "show", "hide", "see", "open", "browse", "search", "find", "get", "buy", "sell", "about", "contact", "join", "explore",
    "file", "files", "storage", "backup", "email", "mail", "messaging", "chat", "video", "voice", "phone", "wireless", "internet",
    "broadband", "hosting", "domain", "server", "servers", "database", "distributed", "venture", "investment", "investments",
    "equity", "asset", "assets", "wealth", "retail", "commercial", "corporate", "small", "large", "startup", "startups",
    "portfolio", "investor", "investors", "tech", "bio", "research", "science", "sciences", "nuclear", "wind", "power",
    "electric", "gas", "oil", "water", "environmental", "space", "defense", "defence", "government", "federal", "state",
    "city", "county", "regional", "district", "school", "schools", "university", "college", "graduate", "postgraduate",
    "general", "specialist", "special", "quality", "safety", "risk", "compliance", "audit", "tax", "accounting", "payroll",
    "hr", "training", "education", "educational", "hardware", "it-", "ai", "ml", "machine", "robotics", "automation",
    "industrial", "manufacturing", "transport", "transportation", "shipping", "delivery", "freight", "supply", "chain", "resources", "relations", "affairs", "experience", "success", "sign", "log", "in", "out", "to", "on", "by", "with",
];

/// The rules' names.
pub const RULES: [&str; 2] = ["org_legal_form", "org_head_noun"];

pub fn rules() -> Vec<Rule> {
    // A capitalised name word; `and`/`&`/`of` may join two of them.
    let cap = r"\p{Lu}[\p{L}0-9'’\-]*";
    let join = r"(?:[ ]+(?:and|&|of|for|de)[ ]+|[ ]+)";
    let forms: Vec<String> = LEGAL.iter().map(|f| if f.ends_with('.') { f.to_string() } else { format!(r"{f}(?-u:\b)") }).collect();
    let legal = format!(r"(?:{cap}{join}){{0,3}}{cap},?[ ]+(?:{})", forms.join("|"));
    let heads = format!(r"(?:{cap}{join}){{0,3}}{cap}[ ]+(?:{})(?-u:\b)", HEADS.join("|"));
    vec![
        Rule::new(RULES[0], Entity::Organization, legal, Needs::Literals(LEGAL_LITERALS)).check(Some(name_check(true))).score(0.7),
        Rule::new(RULES[1], Entity::Organization, heads, Needs::Literals(HEADS)).check(Some(name_check(false))).score(0.6),
    ]
}

/// The prefilter literals of [`LEGAL`] (ASCII case-insensitive; [`HEADS`] are their own).
const LEGAL_LITERALS: &[&str] = &[
    "inc", "llc", "l.l.c.", "ltd", "limited", "corp", "co.", "gmbh", "ag", "kg", "plc", "llp", "s.a.", "sas", "sarl", "s.p.a.",
    "spa", "s.r.l.", "srl", "bv", "b.v.", "n.v.", "pty", "oy", "asa", "aps",
];

/// Determiners in front of a name, not part of it (`The Fastcase office`).
const DETERMINERS: &[&str] = &["the", "a", "an", "our", "your", "my", "their", "his", "her", "its", "this", "that", "all", "any", "at", "from"];

/// Trims determiners from the name's start and wants a name word before the legal form or
/// head noun; before a head noun, one of the name words must not be generic ([`GENERIC`]).
fn name_check(legal: bool) -> Check {
    Box::new(move |c: &Candidate| {
        let v = c.value();
        let words: Vec<(usize, &str)> = v.split_whitespace().map(|w| (w.as_ptr() as usize - v.as_ptr() as usize, w)).collect();
        let is = |list: &[&str], w: &str| {
            let w = w.trim_end_matches(',');
            list.iter().any(|g| w.eq_ignore_ascii_case(g))
        };
        let first = words.iter().position(|(_, w)| !is(DETERMINERS, w))?;
        // The last word is the legal form or the head noun: a name word must stand before it.
        let names = words.get(first..words.len() - 1).filter(|n| !n.is_empty())?;
        if !legal && names.iter().all(|(_, w)| is(GENERIC, w)) {
            return None;
        }
        Some((c.start + words[first].0, c.end))
    })
}

#[cfg(test)]
mod tests {
    use crate::detect::rules::testutil::*;
    use crate::detect::Entity::*;

    #[test]
    fn legal_forms() {
        assert_found("home city DOLE: Qado Energy Inc., Carfax and Keychain", Organization, "Qado Energy Inc.");
        assert_found("The Microbilt Corporation office is at 78 Victor Hugo", Organization, "Microbilt Corporation");
        assert_found("Vertrag mit Müller Bau GmbH unterschrieben", Organization, "Müller Bau GmbH");
        assert_found("Celebrating its 10th year, Expert Health Data Programming Inc is a 501(c)3", Organization, "Expert Health Data Programming Inc");
        assert_none("Inc. 5000 list", Organization);
        assert_none("The Corporation", Organization);
    }

    #[test]
    fn head_nouns_after_a_name() {
        assert_found("Jaylee is from Amazon Web Services", Organization, "Amazon Web Services");
        assert_found("home city Wassenaar: Palantir Technologies, Underwood Group", Organization, "Palantir Technologies");
        assert_found("We'll meet Friday at Kroll Bond Ratings Agency, 61 Wiesenstrasse", Organization, "Kroll Bond Ratings Agency");
        assert_found("The State Farm Insurance office is at 82 Strickstrasse", Organization, "State Farm Insurance");
        assert_none("Open Web Services settings", Organization);
        assert_none("Customer Solutions", Organization);
        assert_none("Human Resources and Financial Services", Organization);
        assert_none("the cloud services page", Organization);
    }
}
