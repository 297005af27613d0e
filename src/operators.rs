//! Operators: how a finding in text is replaced. `redact` removes the value, `mask` keeps its
//! format and length (optionally the last N characters), `tag` writes `<ENTITY>`, `pseudonym`
//! writes a keyed-HMAC token that is stable for the same value and key, and `keep` leaves it.

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::detect::{Entity, Finding};

/// What to do with a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Redact,
    Mask { keep_last: usize, mask_char: char },
    Tag,
    Pseudonym,
    Keep,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Redact => "redact",
            Action::Mask { .. } => "mask",
            Action::Tag => "tag",
            Action::Pseudonym => "pseudonym",
            Action::Keep => "keep",
        }
    }
}

/// A keyed pseudonymiser. The same (entity, value) under the same key gives the same token,
/// so an archive keeps its internal consistency without any value in it.
#[derive(Clone)]
pub struct Pseudonymizer {
    /// HMAC-SHA256 keyed once: its inner and outer pads are computed here, not per value.
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer { key: <hidden> }")
    }
}

impl Pseudonymizer {
    /// A pseudonymiser with a key (tests and embedders that check the key themselves; the
    /// engine takes its key through [`Pseudonymizer::checked`]).
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        let key = key.into();
        Pseudonymizer { mac: Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length") }
    }

    /// The shortest key accepted.
    pub const MIN_KEY_BYTES: usize = 16;

    /// A pseudonymiser from a configured key, refusing keys that would make tokens guessable:
    /// shorter than [`Self::MIN_KEY_BYTES`], or of fewer than 6 distinct bytes. The error says
    /// why, never what the key is.
    pub fn checked(key: &[u8]) -> Result<Self, String> {
        if key.len() < Self::MIN_KEY_BYTES {
            return Err(format!("the key is {} bytes; use at least {} random bytes (e.g. `openssl rand -hex 32`)", key.len(), Self::MIN_KEY_BYTES));
        }
        let distinct = key.iter().collect::<std::collections::HashSet<_>>().len();
        if distinct < 6 {
            return Err(format!("the key has only {distinct} distinct bytes; use random bytes (e.g. `openssl rand -hex 32`)"));
        }
        Ok(Pseudonymizer::new(key.to_vec()))
    }

    /// A random key for one run: tokens are consistent within the run only.
    pub fn ephemeral() -> Self {
        let mut key = vec![0u8; 32];
        getrandom::getrandom(&mut key).expect("the OS random source is available");
        Pseudonymizer::new(key)
    }

    /// Values that differ only in case or separators are the same person/thing.
    fn normalise(entity: Entity, value: &str) -> String {
        entity.value_form().canonical(value)
    }

    /// 64 bits of HMAC-SHA256 over a domain and a value, as 16 hex digits: enough that a
    /// token cannot be matched by enumerating likely values without the key.
    fn mac64(&self, domain: &[u8], value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(domain);
        mac.update(&[0]);
        mac.update(value.as_bytes());
        let h = mac.finalize().into_bytes();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        h[..8].iter().flat_map(|b| [HEX[(b >> 4) as usize] as char, HEX[(b & 15) as usize] as char]).collect()
    }

    /// The token for an element or node id: `id_` + 16 hex.
    pub fn id_token(&self, raw: &str) -> String {
        format!("id_{}", self.mac64(b"ID", raw))
    }

    pub fn token(&self, entity: Entity, value: &str) -> String {
        let hex = self.mac64(entity.name().as_bytes(), &Self::normalise(entity, value));
        match entity {
            Entity::EmailAddress => format!("user_{hex}@example.invalid"),
            _ => format!("<{}_{hex}>", entity.name()),
        }
    }
}

/// Masks alphanumerics with `mask_char`, keeping separators and the last `keep_last`
/// alphanumerics.
pub fn mask(value: &str, keep_last: usize, mask_char: char) -> String {
    let total = value.chars().filter(|c| c.is_alphanumeric()).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen + keep_last > total { c } else { mask_char }
            } else {
                c
            }
        })
        .collect()
}

/// The replacement text for `value` under `action`.
pub fn replacement(action: &Action, entity: Entity, value: &str, pseudo: &Pseudonymizer) -> String {
    match action {
        Action::Redact => String::new(),
        Action::Mask { keep_last, mask_char } => {
            // Never keep so much that the value survives: a short value keeps nothing.
            let alnum = value.chars().filter(|c| c.is_alphanumeric()).count();
            let keep = if alnum >= 2 * keep_last { *keep_last } else { 0 };
            mask(value, keep, *mask_char)
        }
        Action::Tag => format!("<{}>", entity.name()),
        Action::Pseudonym => pseudo.token(entity, value),
        Action::Keep => value.to_string(),
    }
}

/// Byte spans of the tokens the operators write, wherever they stand in `text`: tags
/// (`<ENTITY>`), pseudonyms (`<ENTITY_` + 16 lowercase hex + `>` for every entity but
/// `EMAIL_ADDRESS`, and `user_` + 16 lowercase hex + `@example.invalid` for it). Nothing else
/// is an engine token: not a mask (a masked value keeps its separators and maybe its last
/// characters, which are the policy's to keep), not an id (`id_` tokens stand only in id
/// fields). Sorted and disjoint.
pub fn token_spans(text: &str) -> Vec<(usize, usize)> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        let all: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
        let pseudo: Vec<&str> = Entity::ALL.iter().filter(|e| **e != Entity::EmailAddress).map(|e| e.name()).collect();
        let pattern = format!(r"<(?:{})>|<(?:{})_[0-9a-f]{{16}}>|user_[0-9a-f]{{16}}@example\.invalid", all.join("|"), pseudo.join("|"));
        regex::Regex::new(&pattern).expect("the token pattern compiles")
    });
    if !text.contains('<') && !text.contains("user_") {
        return Vec::new();
    }
    re.find_iter(text).map(|m| (m.start(), m.end())).collect()
}

/// Applies replacements to `text` for disjoint, sorted findings. `action_of` gives each
/// finding's action.
pub fn apply<'a>(text: &str, findings: &[Finding], action_of: impl Fn(Entity) -> &'a Action, pseudo: &Pseudonymizer) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for f in findings {
        debug_assert!(f.start >= last, "findings must be disjoint and sorted");
        out.push_str(&text[last..f.start]);
        out.push_str(&replacement(action_of(f.entity), f.entity, &text[f.start..f.end], pseudo));
        last = f.end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_format() {
        assert_eq!(mask("4111 1111 1111 1234", 4, '*'), "**** **** **** 1234");
        assert_eq!(mask("jane@x.io", 0, '*'), "****@*.**");
        let p = Pseudonymizer::new(b"k".to_vec());
        // keep_last applies only to values at least twice as long.
        assert_eq!(replacement(&Action::Mask { keep_last: 4, mask_char: '#' }, Entity::UsSsn, "536221234", &p), "#####1234");
        assert_eq!(replacement(&Action::Mask { keep_last: 4, mask_char: '#' }, Entity::Password, "abc", &p), "###");
    }

    #[test]
    fn pseudonyms_are_stable_and_keyed() {
        let a = Pseudonymizer::new(b"key-a".to_vec());
        let b = Pseudonymizer::new(b"key-b".to_vec());
        let t1 = a.token(Entity::EmailAddress, "Jane.Doe@Example.com");
        assert_eq!(t1, a.token(Entity::EmailAddress, "jane.doe@example.com"));
        assert_ne!(t1, b.token(Entity::EmailAddress, "jane.doe@example.com"));
        assert!(!t1.contains("jane"));
        assert_eq!(a.token(Entity::PhoneNumber, "+1 415 555 2671"), a.token(Entity::PhoneNumber, "+1-415-555-2671"));
        assert!(a.token(Entity::PhoneNumber, "1").starts_with("<PHONE_NUMBER_"));
        // 64 bits: 16 hex digits.
        assert_eq!(t1.len(), "user_@example.invalid".len() + 16);
    }

    #[test]
    fn weak_keys_are_refused() {
        assert!(Pseudonymizer::checked(b"k").is_err());
        assert!(Pseudonymizer::checked(b"/root").is_err());
        assert!(Pseudonymizer::checked(b"aaaaaaaaaaaaaaaaaaaaaaaa").is_err());
        let e = Pseudonymizer::checked(b"hunter2").unwrap_err();
        assert!(!e.contains("hunter2"), "the error names the key: {e}");
        assert!(Pseudonymizer::checked(b"3f9a1c77e0b24d6a9c1e55aa0f7b2c48").is_ok());
    }

    proptest::proptest! {
        /// Every tag and pseudonym the operators write is recognised whole, wherever it
        /// stands; nothing around it is taken for part of it.
        #[test]
        fn tokens_written_are_recognised(value in "\\PC{1,24}", before in "[a-z ]{0,6}", after in "[a-z ]{0,6}", key in "[a-z0-9]{16,24}") {
            let p = Pseudonymizer::new(key.into_bytes());
            for &e in Entity::ALL {
                for action in [Action::Tag, Action::Pseudonym] {
                    let token = replacement(&action, e, &value, &p);
                    let text = format!("{before}{token}{after}");
                    proptest::prop_assert_eq!(token_spans(&text), vec![(before.len(), before.len() + token.len())], "{}", text);
                }
            }
        }
    }

    #[test]
    fn only_engine_tokens_are_tokens() {
        for t in ["<PERSONA>", "<PERSON_0123456789ABCDEF>", "<PERSON_0123456789abcde>", "<EMAIL_ADDRESS_0123456789abcdef>", "user_0123456789abcdef@example.com", "id_0123456789abcdef", "****-1234", "<b>"] {
            assert!(token_spans(t).is_empty(), "{t} is not an engine token");
        }
        let t = "a <PERSON> b <LOCATION_00000000000000ff> c user_abcdefabcdefabcd@example.invalid";
        let got: Vec<&str> = token_spans(t).into_iter().map(|(s, e)| &t[s..e]).collect();
        assert_eq!(got, ["<PERSON>", "<LOCATION_00000000000000ff>", "user_abcdefabcdefabcd@example.invalid"]);
    }

    #[test]
    fn apply_replaces_spans() {
        let f = vec![Finding { start: 3, end: 8, entity: Entity::EmailAddress, detector: "x", score: 1.0 }];
        let p = Pseudonymizer::new(b"k".to_vec());
        assert_eq!(apply("hi a@b.c!", &f, |_| &Action::Tag, &p), "hi <EMAIL_ADDRESS>!");
        assert_eq!(apply("hi a@b.c!", &f, |_| &Action::Redact, &p), "hi !");
    }
}
