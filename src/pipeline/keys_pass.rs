//! The keys pass: feeds a chunk's events to the stream's [`KeyTracker`] (keys, clipboard and
//! element text, mouse presses, UI-tree nodes), plans rewrites over everything the tracker
//! holds, and keeps the plan in the stream state. [`Engine::finalize`] applies it to an event
//! as it leaves: an archive run right after its passes, a session when it releases the event
//! (so a value completed in a later chunk still rewrites keys held from an earlier one).
//!
//! What leaves for a key event is decided here alone; it must never output a key the latest
//! plan rewrites.

use std::collections::HashSet;

use crate::capture::{Body, DropReason, Event, MouseAction};
use crate::detect::Entity;
use crate::keys::{self, Detect, KeyRewrite, KeyTracker};
use crate::report::{EventReport, FindingReport};

use super::{Engine, Slot, StreamState};

/// What the stream knows about typing, between chunks.
#[derive(Debug, Default, Clone)]
pub struct KeyState {
    pub tracker: KeyTracker,
    /// The latest plan's rewrites (seqs not yet output).
    pub(crate) rewrites: std::collections::HashMap<u64, KeyRewrite>,
    /// Values found per field, for pieces in that field's text events.
    pub(crate) values: std::collections::HashMap<String, Vec<(String, Entity)>>,
    /// Findings in typed text not yet reported, by the seq of their first key.
    pub(crate) findings: std::collections::HashMap<u64, Vec<FindingReport>>,
    /// Findings already reported (entity and keys), so a re-plan does not count them twice.
    reported: HashSet<(Entity, u64, usize, usize, usize)>,
}

impl Engine {
    /// Rules (and embedder detectors) alone: what the planner runs on alternative readings.
    fn detect_rules(&self, text: &str) -> Vec<crate::detect::Finding> {
        self.detect_with(text, None).unwrap_or_default()
    }

    /// Feeds the chunk to the tracker and re-plans. Notes each key and text event's field.
    pub(super) fn keys_pass(&self, slots: &mut [Slot], state: &mut StreamState) {
        let ks = &mut state.keys;
        let mut typed_any = false;
        for slot in slots.iter_mut() {
            let Some(ev) = &slot.event else { continue };
            match &ev.body {
                Body::Key(k) => {
                    let t = k.target.as_ref();
                    let app = t.and_then(|t| t.app.as_deref()).unwrap_or(&slot.focus_app).to_string();
                    ks.tracker.key(ev.seq, ev.ts, k, &app);
                    typed_any = true;
                }
                Body::Text(t) => {
                    ks.tracker.text(t.source, &t.text, t.element.as_deref(), t.role.as_deref());
                    let app = t.app.as_deref().unwrap_or(&slot.focus_app);
                    slot.field = Some(match (&t.element, t.source) {
                        // What was copied may have been pasted anywhere: every value counts.
                        (_, crate::capture::TextSource::Clipboard) => ("*".into(), None),
                        (Some(e), _) => (format!("e\0{e}"), Some(e.clone())),
                        (None, _) => (format!("a\0{app}"), None),
                    });
                }
                Body::Mouse(m) if matches!(m.action, MouseAction::Down | MouseAction::Click) => ks.tracker.click(),
                Body::Screenshot(s) => {
                    for n in s.nodes.iter().flatten() {
                        if let Some(id) = &n.id {
                            ks.tracker.node(id, &n.text, n.secure, n.role.as_deref());
                        }
                    }
                }
                _ => {}
            }
        }
        if !typed_any && ks.tracker.fields().is_empty() && !ks.tracker.elements_with_texts().any(|(_, t)| t.len() > 1) {
            return;
        }
        let full = |t: &str| self.detect(t).ok();
        let rules = |t: &str| self.detect_rules(t);
        let action_of = |e| self.policy.action(e);
        let plan = keys::plan(&ks.tracker, &Detect { full: &full, rules: &rules }, &action_of, &self.pseudo);
        for f in plan.findings {
            if !ks.reported.insert((f.entity, f.seq, f.start, f.end, f.keys)) {
                continue;
            }
            ks.findings.entry(f.seq).or_default().push(FindingReport {
                entity: f.entity,
                detector: f.detector,
                field: "keys".into(),
                start: f.start,
                end: f.end,
                action: f.action,
                keys: Some(f.keys),
            });
        }
        ks.rewrites = plan.rewrites;
        ks.values = plan.values;
    }

    /// Applies what the stream knows as an event leaves: a key event's rewrite (or drop), and
    /// for a text event its field's secure state and the pieces of values typed into the field.
    /// `field` is the text event's field (before its ids were hashed). Returns whether a key
    /// was rewritten.
    pub(crate) fn finalize(&self, event: &mut Option<Event>, report: &mut EventReport, field: Option<&(String, Option<String>)>, ks: &mut KeyState) -> bool {
        let Some(ev) = event.as_mut() else { return false };
        let mut rewritten = false;
        match &mut ev.body {
            Body::Key(k) => {
                report.findings.extend(ks.findings.remove(&ev.seq).unwrap_or_default());
                match ks.rewrites.remove(&ev.seq) {
                    Some(KeyRewrite::Drop(r)) => {
                        *event = None;
                        report.dropped = Some(r);
                        return false;
                    }
                    Some(KeyRewrite::Replace { key, text }) => {
                        k.key = key;
                        k.text = Some(text);
                        rewritten = true;
                    }
                    None => {}
                }
                keys::sanitise_key(k);
            }
            Body::Text(t) => {
                let Some((value_key, element)) = field else { return false };
                if element.as_deref().is_some_and(|e| ks.tracker.is_secure_element(e)) {
                    *event = None;
                    report.dropped = Some(DropReason::SecureInput);
                    return false;
                }
                if let Some(values) = ks.values.get(value_key) {
                    let found = crate::detect::pieces::find(&t.text, values, 4);
                    self.report_findings(&found, "text", &mut report.findings);
                    if !found.is_empty() {
                        t.text = crate::operators::apply(&t.text, &found, |e| self.policy.action(e), &self.pseudo);
                    }
                }
            }
            _ => {}
        }
        rewritten
    }
}
