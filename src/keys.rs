//! Keystrokes: rebuild the text typed into each target element, find PII in it, and plan
//! rewrites of the key events that produced it, so the value cannot be rebuilt from output.
//!
//! Per target (app + element, or the focused window when the client gives no target) a buffer
//! holds each typed character with the `seq` of the key event that typed it, and a cursor.
//! Backspace/Delete, arrows, Home/End edit it (a selection-free approximation). Detection runs
//! over: the final buffer, a snapshot taken whenever editing begins (so text typed and then
//! deleted is still checked), and the raw insertion log (everything typed, in order). Keys
//! typed into `secure` targets never leave as characters. Shortcuts (ctrl/meta/alt) are kept.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::capture::{DropReason, Key, Mod};
use crate::detect::{Entity, Finding};
use crate::operators::{self, Action, Pseudonymizer};

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

/// One key event offered to the planner.
pub struct KeyInput<'a> {
    pub seq: u64,
    pub key: &'a Key,
    /// Which buffer the key types into (target element, or focused window).
    pub group: String,
    pub secure: bool,
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
    /// Byte span in the reconstructed text of the target.
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
}

/// What a key types, if anything.
fn typed(k: &Key) -> Option<String> {
    if k.mods.iter().any(|m| matches!(m, Mod::Ctrl | Mod::Meta)) {
        return None;
    }
    if let Some(t) = k.text.as_deref().filter(|t| !t.is_empty()) {
        return Some(t.replace("\r\n", "\n").replace('\r', "\n"));
    }
    match k.key.as_str() {
        "Enter" | "Return" => Some("\n".into()),
        "Tab" => Some("\t".into()),
        "Space" => Some(" ".into()),
        s if s.chars().count() == 1 => Some(s.to_string()),
        _ => None,
    }
}

type Buf = Vec<(char, u64)>;

#[derive(Default)]
struct Target {
    chars: Buf,
    cursor: usize,
    log: Buf,
    typed_since_snapshot: bool,
    snapshots: Vec<Buf>,
    /// Each deleting key with the keys whose characters it deleted.
    deletions: Vec<(u64, Vec<u64>)>,
}

impl Target {
    fn snapshot_before_edit(&mut self) {
        if self.typed_since_snapshot {
            self.snapshots.push(self.chars.clone());
            self.typed_since_snapshot = false;
        }
    }
    fn line_start(&self) -> usize {
        self.chars[..self.cursor].iter().rposition(|(c, _)| *c == '\n').map_or(0, |i| i + 1)
    }
    fn line_end(&self) -> usize {
        self.chars[self.cursor..].iter().position(|(c, _)| *c == '\n').map_or(self.chars.len(), |i| self.cursor + i)
    }
    fn apply(&mut self, seq: u64, k: &Key) {
        if let Some(t) = typed(k) {
            for c in t.chars() {
                self.chars.insert(self.cursor, (c, seq));
                self.cursor += 1;
                self.log.push((c, seq));
            }
            self.typed_since_snapshot = true;
            return;
        }
        let word = k.mods.iter().any(|m| matches!(m, Mod::Ctrl | Mod::Alt));
        match k.key.as_str() {
            "Backspace" if self.cursor > 0 => {
                self.snapshot_before_edit();
                let from = if word {
                    let mut i = self.cursor;
                    while i > 0 && self.chars[i - 1].0.is_whitespace() {
                        i -= 1;
                    }
                    while i > 0 && !self.chars[i - 1].0.is_whitespace() {
                        i -= 1;
                    }
                    i
                } else {
                    self.cursor - 1
                };
                let gone = self.chars.drain(from..self.cursor).map(|(_, s)| s).collect();
                self.deletions.push((seq, gone));
                self.cursor = from;
            }
            "Delete" | "Del" if self.cursor < self.chars.len() => {
                self.snapshot_before_edit();
                let (_, gone) = self.chars.remove(self.cursor);
                self.deletions.push((seq, vec![gone]));
            }
            "ArrowLeft" | "Left" => {
                self.snapshot_before_edit();
                self.cursor = self.cursor.saturating_sub(1);
            }
            "ArrowRight" | "Right" => {
                self.snapshot_before_edit();
                self.cursor = (self.cursor + 1).min(self.chars.len());
            }
            "Home" | "ArrowUp" | "Up" => {
                self.snapshot_before_edit();
                self.cursor = self.line_start();
            }
            "End" | "ArrowDown" | "Down" => {
                self.snapshot_before_edit();
                self.cursor = self.line_end();
            }
            _ => {}
        }
    }
}

/// The text of a buffer and, per byte offset of each char, its provenance.
fn render(buf: &Buf) -> (String, Vec<(usize, u64)>) {
    let mut s = String::with_capacity(buf.len());
    let mut at = Vec::with_capacity(buf.len());
    for &(c, seq) in buf {
        at.push((s.len(), seq));
        s.push(c);
    }
    (s, at)
}

/// Plans rewrites for a capture's key events (in capture order). `detect` returns resolved
/// findings for a text (`None`: it could not be checked, so its keys are dropped);
/// `action_of` gives each entity's action.
pub fn plan<'a>(
    keys: &[KeyInput],
    detect: &dyn Fn(&str) -> Option<Vec<Finding>>,
    action_of: &dyn Fn(Entity) -> &'a Action,
    pseudo: &Pseudonymizer,
) -> KeyPlan {
    let mut plan = KeyPlan::default();
    let mut targets: BTreeMap<&str, Target> = BTreeMap::new();
    for k in keys {
        if k.secure {
            if typed(k.key).is_some() {
                plan.rewrites.insert(k.seq, KeyRewrite::Drop(DropReason::SecureInput));
            }
            continue;
        }
        targets.entry(k.group.as_str()).or_default().apply(k.seq, k.key);
    }
    let mut seen: HashSet<(Entity, Vec<u64>)> = HashSet::new();
    let mut deletions = Vec::new();
    for (_, t) in targets {
        // The final text first: its values name the pseudonyms; then what was typed and
        // edited away.
        let mut texts = vec![t.chars.clone()];
        texts.extend(t.snapshots);
        if t.log != t.chars {
            texts.push(t.log);
        }
        deletions.extend(t.deletions);
        for buf in &texts {
            let (text, at) = render(buf);
            let Some(found) = detect(&text) else {
                // Could not be checked (model failure): none of its typed keys leave.
                at.iter().for_each(|&(_, seq)| {
                    plan.rewrites.insert(seq, KeyRewrite::Drop(DropReason::ModelFailed));
                });
                continue;
            };
            for f in found {
                let span: Vec<(usize, u64)> = at.iter().copied().filter(|(b, _)| *b >= f.start && *b < f.end).collect();
                let mut seqs: Vec<u64> = span.iter().map(|(_, s)| *s).collect();
                seqs.dedup();
                let mut uniq = seqs.clone();
                uniq.sort_unstable();
                uniq.dedup();
                if !seen.insert((f.entity, uniq.clone())) {
                    continue;
                }
                let action = action_of(f.entity);
                plan.findings.push(KeyFinding {
                    seq: seqs[0],
                    entity: f.entity,
                    detector: f.detector,
                    start: f.start,
                    end: f.end,
                    keys: uniq.len(),
                    action: action.name(),
                });
                let value = &text[f.start..f.end];
                let mut put = |seq: u64, rw: KeyRewrite| {
                    let e = plan.rewrites.entry(seq).or_insert_with(|| rw.clone());
                    if matches!(rw, KeyRewrite::Drop(_)) {
                        *e = rw;
                    }
                };
                match action {
                    Action::Keep => {}
                    Action::Redact => uniq.iter().for_each(|&s| put(s, KeyRewrite::Drop(DropReason::RedactedKeystroke))),
                    Action::Mask { .. } => {
                        let masked: Vec<char> = operators::replacement(action, f.entity, value, pseudo).chars().collect();
                        let original: Vec<char> = value.chars().collect();
                        let mut per_key: BTreeMap<u64, (String, String)> = BTreeMap::new();
                        for (i, (_, seq)) in span.iter().enumerate() {
                            let e = per_key.entry(*seq).or_default();
                            e.0.push(masked.get(i).copied().unwrap_or('*'));
                            e.1.push(original[i]);
                        }
                        // Keys whose characters the mask keeps (separators, kept tail) stay.
                        for (seq, (text, _)) in per_key.into_iter().filter(|(_, (m, o))| m != o) {
                            let key = if text.chars().count() == 1 { text.clone() } else { "Unidentified".into() };
                            put(seq, KeyRewrite::Replace { key, text });
                        }
                    }
                    Action::Tag | Action::Pseudonym => {
                        let r = operators::replacement(action, f.entity, value, pseudo);
                        put(seqs[0], KeyRewrite::Replace { key: "Unidentified".into(), text: r });
                        uniq.iter().filter(|&&s| s != seqs[0]).for_each(|&s| put(s, KeyRewrite::Drop(DropReason::RedactedKeystroke)));
                    }
                }
            }
        }
    }
    // A key that only deleted rewritten characters would let a replay count them: it goes too.
    for (seq, gone) in deletions {
        if !gone.is_empty() && gone.iter().all(|s| plan.rewrites.contains_key(s)) {
            plan.rewrites.insert(seq, KeyRewrite::Drop(DropReason::RedactedKeystroke));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::{RuleConfig, RuleSet};
    use crate::detect::{resolve, Detector};

    fn key(k: &str) -> Key {
        Key { key: k.into(), text: (k.chars().count() == 1).then(|| k.to_string()), mods: vec![], target: None }
    }

    fn detector() -> impl Fn(&str) -> Option<Vec<Finding>> {
        let rules = RuleSet::builtin(&RuleConfig::default()).unwrap();
        move |t: &str| {
            let mut v = Vec::new();
            rules.detect(t, &mut v);
            Some(resolve(v))
        }
    }

    fn run(keys: &[Key], action: Action) -> (KeyPlan, Vec<u64>) {
        let detect = detector();
        let inputs: Vec<KeyInput> = keys.iter().enumerate().map(|(i, k)| KeyInput { seq: i as u64, key: k, group: "g".into(), secure: false }).collect();
        let p = Pseudonymizer::new(b"k".to_vec());
        let plan = plan(&inputs, &detect, &|_| &action, &p);
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
        let inputs: Vec<KeyInput> = keys.iter().enumerate().map(|(i, k)| KeyInput { seq: i as u64, key: k, group: "g".into(), secure: false }).collect();
        let plan = plan(&inputs, &|_| None, &|_| &Action::Tag, &Pseudonymizer::new(b"k".to_vec()));
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
        assert_eq!(plan.findings.len(), 1, "{:?}", plan.findings);
        assert_eq!(plan.findings[0].entity, Entity::CreditCard);
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
        assert_eq!(touched.len(), 22, "11 keys typed the SSN, 11 backspaces deleted exactly those");
    }

    #[test]
    fn shortcuts_and_secure_targets() {
        let mut copy = key("c");
        copy.mods = vec![Mod::Ctrl];
        assert!(typed(&copy).is_none());
        let detect = detector();
        let keys = [key("h"), key("i"), key("Enter")];
        let inputs: Vec<KeyInput> = keys.iter().enumerate().map(|(i, k)| KeyInput { seq: i as u64, key: k, group: "g".into(), secure: true }).collect();
        let plan = plan(&inputs, &detect, &|_| &Action::Tag, &Pseudonymizer::new(b"k".to_vec()));
        assert_eq!(plan.rewrites[&0], KeyRewrite::Drop(DropReason::SecureInput));
        assert_eq!(plan.rewrites[&2], KeyRewrite::Drop(DropReason::SecureInput), "Enter types a newline: dropped too");
    }
}
