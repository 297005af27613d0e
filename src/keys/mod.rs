//! Keystrokes: rebuild what was typed into each field, find PII in every plausible reading of
//! it, and plan rewrites of the key events that typed it, so that no value the engine would
//! redact from text can be rebuilt from the output keys, nor a piece of it of 4+ characters.
//!
//! Rooms: [`editor`] (one field's editing model: cursor, selection, undo, paste, unknown cursor
//! moves, run under alternative readings), [`tracker`] (what the stream showed, per field, kept
//! across chunks of a stream; secure fields stay secure), [`plan`] (readings, joins across
//! fields, boxes and shown text; token-wide rewrites). Keys typed into secure fields never
//! leave as characters; shortcuts that type nothing are kept.

pub mod editor;
pub mod plan;
pub(crate) mod readings;
pub mod tracker;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::capture::{DropReason, Key};
use crate::detect::Entity;

pub use plan::{plan, Detect};
pub use tracker::KeyTracker;
/// Named keys (W3C `KeyboardEvent.key` values and common client spellings) that pass through
/// as they are. Any other multi-character `key` becomes `Unidentified`.
const NAMED_KEYS: &[&str] = &[
    "Enter", "Return", "Tab", "Backspace", "Delete", "Del", "Escape", "Esc", "Insert", "Home", "End", "PageUp", "PageDown",
    "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Left", "Right", "Up", "Down", "Shift", "Control", "Ctrl", "Alt",
    "AltGraph", "Meta", "OS", "Super", "Command", "Cmd", "Option", "Win", "CapsLock", "NumLock", "ScrollLock", "Fn",
    "ContextMenu", "PrintScreen", "Pause", "Dead", "Process", "Compose", "Unidentified", "Clear", "Space", "Help", "Cancel",
    "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12", "F13", "F14", "F15", "F16", "F17", "F18",
    "F19", "F20", "F21", "F22", "F23", "F24", "AudioVolumeUp", "AudioVolumeDown", "AudioVolumeMute", "MediaPlayPause",
    "MediaTrackNext", "MediaTrackPrevious", "MediaStop", "BrowserBack", "BrowserForward", "BrowserRefresh",
];

pub fn is_named_key(k: &str) -> bool {
    NAMED_KEYS.contains(&k)
}

/// How a key event leaves the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyRewrite {
    Drop(DropReason),
    Replace { key: String, text: String },
}

/// A finding in typed text, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyFinding {
    /// The first key event of the span.
    pub seq: u64,
    pub entity: Entity,
    pub detector: &'static str,
    /// Byte span in the reading of the typed text it was found in.
    pub start: usize,
    pub end: usize,
    /// How many key events typed it.
    pub keys: usize,
    pub action: &'static str,
}

#[derive(Debug, Default)]
pub struct KeyPlan {
    pub rewrites: HashMap<u64, KeyRewrite>,
    pub findings: Vec<KeyFinding>,
    /// Values found per field (`e\0element` or `a\0app`), for the text events of that field
    /// (an IME composition or autocomplete holding a piece of a value typed key by key).
    pub values: HashMap<String, Vec<(String, Entity)>>,
    pub(crate) seen: HashSet<(Entity, Vec<u64>)>,
}

/// The `key` of a key event as it may leave: a name from the W3C set, the character its
/// (possibly rewritten) `text` types, or `Unidentified`. A `key` never carries a character
/// its `text` does not (`key: "j"` with `text: "@"` would leak the `j`).
pub fn sanitise_key(k: &mut Key) {
    let single = k.key.chars().count() == 1;
    if !single && !is_named_key(&k.key) {
        k.key = "Unidentified".into();
    } else if single {
        match k.text.as_deref() {
            Some(t) if t != k.key => k.key = if t.chars().count() == 1 { t.to_string() } else { "Unidentified".into() },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Mod, Target};
    use crate::detect::rules::{RuleConfig, RuleSet};
    use crate::detect::{resolve, Detector, Finding};
    use crate::operators::{Action, Pseudonymizer};

    fn key(k: &str) -> Key {
        Key { key: k.into(), text: (k.chars().count() == 1).then(|| k.to_string()), mods: vec![], target: None }
    }

    fn rules(t: &str) -> Vec<Finding> {
        static SET: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
        let mut v = Vec::new();
        SET.get_or_init(|| RuleSet::builtin(&RuleConfig::default()).unwrap()).detect(t, &mut v);
        resolve(v)
    }

    fn tracker(keys: &[Key]) -> KeyTracker {
        let mut t = KeyTracker::default();
        for (i, k) in keys.iter().enumerate() {
            t.key(i as u64, i as u64, k, "app");
        }
        t
    }

    fn run(keys: &[Key], action: Action) -> (KeyPlan, Vec<u64>) {
        let d = Detect { full: &|t| Some(rules(t)), rules: &rules };
        let p = Pseudonymizer::new(b"k".to_vec());
        let plan = plan(&tracker(keys), &d, &|_| &action, &p);
        let mut touched: Vec<u64> = plan.rewrites.keys().copied().collect();
        touched.sort();
        (plan, touched)
    }

    fn type_str(s: &str) -> Vec<Key> {
        s.chars().map(|c| key(&c.to_string())).collect()
    }

    #[test]
    fn keys_of_text_that_could_not_be_checked_are_dropped() {
        let keys = type_str("hello there");
        let d = Detect { full: &|_| None, rules: &rules };
        let plan = plan(&tracker(&keys), &d, &|_| &Action::Tag, &Pseudonymizer::new(b"k".to_vec()));
        assert_eq!(plan.rewrites.len(), keys.len());
        assert!(plan.rewrites.values().all(|r| matches!(r, KeyRewrite::Drop(DropReason::ModelFailed))));
    }

    #[test]
    fn email_typed_key_by_key_is_rewritten() {
        let mut keys = type_str("mail jane@example.com");
        keys.push(key("Enter"));
        let (plan, touched) = run(&keys, Action::Tag);
        assert_eq!(plan.findings.len(), 1);
        assert_eq!(plan.findings[0].entity, Entity::EmailAddress);
        assert_eq!(touched, (5..21).collect::<Vec<u64>>());
        assert_eq!(plan.rewrites[&5], KeyRewrite::Replace { key: "Unidentified".into(), text: "<EMAIL_ADDRESS>".into() });
        assert!(matches!(plan.rewrites[&6], KeyRewrite::Drop(_)));
    }

    #[test]
    fn edits_are_followed() {
        // "jane@exampel.com" then 6 backspaces and "le.com": final text is the corrected email;
        // the typo'd one was also typed, and both are caught.
        let mut keys = type_str("jane@exampel.com");
        keys.extend((0..6).map(|_| key("Backspace")));
        keys.extend(type_str("le.com"));
        let (plan, touched) = run(&keys, Action::Redact);
        assert_eq!(touched, (0..keys.len() as u64).collect::<Vec<_>>(), "every key of both versions, and the backspaces, dropped");
        let (plan2, _) = run(&keys, Action::Pseudonym);
        let p = Pseudonymizer::new(b"k".to_vec());
        let want = p.token(Entity::EmailAddress, "jane@example.com");
        assert_eq!(plan2.rewrites[&0], KeyRewrite::Replace { key: "Unidentified".into(), text: want }, "pseudonym of the final value");
        assert!(plan.findings.len() >= 2);
    }

    #[test]
    fn cursor_moves_and_inserts() {
        // Typed "4111 1111 1111 111", then Home, then "1" inserted at the start... the card
        // only exists after the edit.
        let mut keys = type_str("4111 1111 1111 111");
        keys.push(key("Home"));
        keys.push(key("ArrowRight"));
        keys.push(key("1"));
        let (plan, _) = run(&keys, Action::Mask { keep_last: 4, mask_char: '*' });
        assert!(plan.findings.iter().any(|f| f.entity == Entity::CreditCard), "{:?}", plan.findings);
        // Each digit key now types a mask char, separators stay, last 4 kept.
        assert_eq!(plan.rewrites[&0], KeyRewrite::Replace { key: "*".into(), text: "*".into() });
        assert!(!plan.rewrites.contains_key(&4), "space separator untouched");
    }

    #[test]
    fn typed_then_deleted_is_still_caught() {
        let mut keys = type_str("ssn 536-22-1234");
        keys.extend((0..15).map(|_| key("Backspace")));
        keys.extend(type_str("nothing"));
        let (plan, touched) = run(&keys, Action::Redact);
        assert_eq!(plan.findings[0].entity, Entity::UsSsn);
        // The token "536-22-1234" (11 keys) and the 11 backspaces that deleted exactly them.
        assert_eq!(touched.len(), 22, "{touched:?}");
    }

    #[test]
    fn shortcuts_and_secure_targets() {
        let mut copy = key("c");
        copy.mods = vec![Mod::Ctrl];
        assert!(editor::typed(&copy, editor::Flags::LITERAL).is_none());
        let secure = Target { app: Some("app".into()), element: Some("pw".into()), role: None, secure: true };
        let keys: Vec<Key> = ["h", "i", "Enter"].iter().map(|k| Key { target: Some(secure.clone()), ..key(k) }).collect();
        let (plan, _) = run(&keys, Action::Tag);
        assert_eq!(plan.rewrites[&0], KeyRewrite::Drop(DropReason::SecureInput));
        assert_eq!(plan.rewrites[&2], KeyRewrite::Drop(DropReason::SecureInput), "Enter types a newline: dropped too");
    }

    /// Keys typed after a click go at an unknown place: in a long field, one that completes a
    /// value far from where the editor guessed (the end) is still caught.
    #[test]
    fn click_placed_key_completing_a_value_far_away() {
        let filler = "notes about the quarterly plan and what we discussed at the offsite ".repeat(6);
        let mut t = KeyTracker::default();
        let typed = |t: &mut KeyTracker, seq: &mut u64, s: &str| {
            for c in s.chars() {
                t.key(*seq, *seq, &key(&c.to_string()), "app");
                *seq += 1;
            }
        };
        let mut seq = 0;
        // An IBAN with one character of its bank code missing, then a long text after it.
        typed(&mut t, &mut seq, "iban GB29NWK60161331926819 ");
        typed(&mut t, &mut seq, &filler);
        t.click();
        let clicked = seq;
        typed(&mut t, &mut seq, "B");
        let d = Detect { full: &|t| Some(rules(t)), rules: &rules };
        let plan = plan(&t, &d, &|_| &Action::Redact, &Pseudonymizer::new(b"k".to_vec()));
        assert!(plan.findings.iter().any(|f| f.entity == Entity::IbanCode), "{:?}", plan.findings);
        assert!(plan.rewrites.contains_key(&clicked), "the B that completes the IBAN");
    }

    /// A long field edited past the placement budget: the keys of blocks typed at unknown places
    /// are dropped (counted), not passed unchecked; ordinary typing in it is kept.
    #[test]
    fn blocks_past_the_placement_budget_are_dropped() {
        let text = "call me about invoice 4711 and the meeting notes from monday afternoon ";
        let mut t = KeyTracker::default();
        let mut seq = 0;
        let mut blocks = Vec::new();
        for _ in 0..60 {
            t.click();
            blocks.push(seq);
            for c in text.chars() {
                t.key(seq, seq, &key(&c.to_string()), "app");
                seq += 1;
            }
        }
        let d = Detect { full: &|t| Some(rules(t)), rules: &rules };
        let plan = plan(&t, &d, &|_| &Action::Redact, &Pseudonymizer::new(b"k".to_vec()));
        let unchecked = plan.rewrites.values().filter(|r| matches!(r, KeyRewrite::Drop(DropReason::UncheckedKeystroke))).count();
        assert!(unchecked > 0, "the budget was reached");
        assert!(!plan.rewrites.contains_key(&blocks[0]), "the first blocks were placed and checked");
        assert!(matches!(plan.rewrites.get(&(seq - 1)), Some(KeyRewrite::Drop(DropReason::UncheckedKeystroke))));
    }

    #[test]
    fn output_keys_carry_no_more_than_their_text() {
        let mut k = Key { key: "j".into(), text: Some("@".into()), mods: vec![], target: None };
        sanitise_key(&mut k);
        assert_eq!(k.key, "@");
        let mut k = Key { key: "a".into(), text: Some("<EMAIL_ADDRESS>".into()), mods: vec![], target: None };
        sanitise_key(&mut k);
        assert_eq!(k.key, "Unidentified");
        let mut k = Key { key: "jane@example.com".into(), text: None, mods: vec![], target: None };
        sanitise_key(&mut k);
        assert_eq!(k.key, "Unidentified");
        let mut k = Key { key: "Enter".into(), text: None, mods: vec![], target: None };
        sanitise_key(&mut k);
        assert_eq!(k.key, "Enter");
    }
}
