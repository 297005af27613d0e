//! Typed text read back from the output's key events as the redaction reads it: the same
//! tracker ([`crate::keys::KeyTracker`]: fields, clipboard, element texts, clicks) and the same
//! planner ([`crate::keys::plan`]: every plausible reading, joins across fields and boxes,
//! pieces of values shown elsewhere), with detectors that let the engine's own tokens pass. A
//! value any reading still builds is a problem, and so is a character typed into a field the
//! stream shows to be secure.
//!
//! Typed text is held to the engine's keystroke promise: no value, nor a piece of 4+ of its
//! characters, can be rebuilt from the keys. A finding in a reading with fewer than 4 letters
//! or digits of its own beside the engine's replacements (a typo's leftover next to a tag:
//! `<SECRET>z`, then Backspace) rebuilds neither.
//!
//! The engine's own tokens in what the keys type (a pseudonym on the first key of a value) or
//! in the text the stream shows (a clipboard holding one) are replacements: what they stand
//! for is not in the output. They are shown to the detectors as opaque blocks of the same
//! length ([`opaque`]), so that every edit after them is read as it would be, and a reading
//! that cuts one (a selection over its end) is not taken for a value.
//!
//! It must never report what was typed: only where the keys are and what was found.

use std::borrow::Cow;
use std::collections::HashMap;

use super::problem::{Problem, ProblemKind};
use super::text::own_chars;
use crate::capture::{Body, DropReason, Event, MouseAction};
use crate::keys::{self, Detect, KeyRewrite, KeyTracker};
use crate::pipeline::Engine;

/// The shortest piece of a value the keystroke promise covers.
const PIECE: usize = 4;

/// `s` with each engine token replaced by as many `█` as it has characters.
fn opaque(s: &str) -> Cow<'_, str> {
    let spans = crate::operators::token_spans(s);
    if spans.is_empty() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (a, b) in spans {
        out.push_str(&s[last..a]);
        out.extend(std::iter::repeat_n('█', s[a..b].chars().count()));
        last = b;
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}

impl Engine {
    /// Problems in the key events of `events` (with their `events.jsonl` line numbers).
    pub(crate) fn check_keys(&self, events: &[(usize, &Event)]) -> Vec<Problem> {
        let mut tracker = KeyTracker::default();
        let mut focus_app = String::new();
        let mut line_of: HashMap<u64, usize> = HashMap::new();
        for (line, ev) in events {
            match &ev.body {
                Body::Window(w) => focus_app = w.app.clone(),
                Body::Key(k) => {
                    let app = k.target.as_ref().and_then(|t| t.app.as_deref()).unwrap_or(&focus_app).to_string();
                    let mut k = k.clone();
                    k.text = k.text.map(|t| opaque(&t).into_owned());
                    tracker.key(ev.seq, ev.ts, &k, &app);
                    line_of.insert(ev.seq, *line);
                }
                Body::Text(t) => tracker.text(t.source, &opaque(&t.text), t.element.as_deref(), t.role.as_deref()),
                Body::Mouse(m) if matches!(m.action, MouseAction::Down | MouseAction::Click) => tracker.click(),
                Body::Screenshot(s) => {
                    for n in s.nodes.iter().flatten() {
                        if let Some(id) = &n.id {
                            tracker.node(id, &opaque(&n.text), n.secure, n.role.as_deref());
                        }
                    }
                }
                _ => {}
            }
        }
        if tracker.fields().is_empty() {
            return Vec::new();
        }
        let masks = self.mask_chars();
        let keep = |t: &str, found: Vec<crate::detect::Finding>| {
            found.into_iter().filter(|f| !self.excused(t, f, &masks) && own_chars(t, f, &masks) >= PIECE).collect::<Vec<_>>()
        };
        let none = crate::pipeline::NerCache::default();
        let full = |t: &str| crate::guard::catch(|| self.detect_output(t, Some(&none), &masks)).ok()?.ok().map(|f| keep(t, f));
        let rules = |t: &str| keep(t, self.detect_with(t, None).unwrap_or_default());
        let action_of = |e| self.policy.action(e);
        let plan = keys::plan(&tracker, &Detect { full: &full, rules: &rules }, &action_of, &self.pseudo);
        let at = |seq: u64| line_of.get(&seq).map_or_else(|| "events.jsonl".to_string(), |l| format!("events.jsonl:{l}"));
        let mut out: Vec<Problem> = plan
            .findings
            .iter()
            .map(|f| Problem::found(ProblemKind::TypedValue, format!("{} keys (from seq {}, {} key events)", at(f.seq), f.seq, f.keys), f.entity, f.detector))
            .collect();
        let mut rewrites: Vec<(&u64, &KeyRewrite)> = plan.rewrites.iter().collect();
        rewrites.sort_by_key(|(seq, _)| **seq);
        for (seq, r) in rewrites {
            match r {
                KeyRewrite::Drop(DropReason::SecureInput) => out.push(Problem::new(ProblemKind::TypedValue, format!("{} key (seq {seq}) typed into a secure field", at(*seq)))),
                KeyRewrite::Drop(DropReason::ModelFailed) => out.push(Problem::new(ProblemKind::Unchecked, format!("{} key (seq {seq}): the detectors failed on its text", at(*seq)))),
                _ => {}
            }
        }
        out
    }
}
