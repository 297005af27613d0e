//! The keys pass: groups key events by target, hands them to [`crate::keys::plan`], and
//! applies the plan (rewrites, drops, findings in the report) to the batch.

use crate::capture::{Body, Event};
use crate::keys::{self, KeyInput, KeyRewrite};
use crate::report::FindingReport;

use super::{Engine, Slot};

impl Engine {
    /// Rebuilds typed text, rewrites the keys that typed PII. Returns keys rewritten.
    pub(super) fn keys_pass(&self, slots: &mut [Slot]) -> usize {
        let mut inputs = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (i, slot) in slots.iter().enumerate() {
            let Some(Event { seq, body: Body::Key(k), .. }) = &slot.event else { continue };
            let t = k.target.as_ref();
            let app = t.and_then(|t| t.app.as_deref()).unwrap_or(&slot.focus_app);
            let group = match t.and_then(|t| t.element.as_deref()) {
                Some(el) => format!("e\0{app}\0{el}"),
                None => format!("a\0{app}"),
            };
            inputs.push(KeyInput { seq: *seq, key: k, group, secure: t.is_some_and(|t| t.secure) });
            index.insert(*seq, i);
        }
        let detect = |text: &str| self.detect(text).ok();
        let action_of = |e| self.policy.action(e);
        let plan = keys::plan(&inputs, &detect, &action_of, &self.pseudo);
        drop(inputs);
        for f in plan.findings {
            if let Some(&i) = index.get(&f.seq) {
                slots[i].report.findings.push(FindingReport {
                    entity: f.entity,
                    detector: f.detector,
                    field: "keys".into(),
                    start: f.start,
                    end: f.end,
                    action: f.action,
                    keys: Some(f.keys),
                });
            }
        }
        let mut rewritten = 0;
        for (seq, rw) in plan.rewrites {
            let Some(&i) = index.get(&seq) else { continue };
            match rw {
                KeyRewrite::Drop(r) => slots[i].drop(r),
                KeyRewrite::Replace { key, text } => {
                    if let Some(Event { body: Body::Key(k), .. }) = slots[i].event.as_mut() {
                        k.key = key;
                        k.text = Some(text);
                        rewritten += 1;
                    }
                }
            }
        }
        // Multi-character key names outside the known set could carry anything.
        for slot in slots.iter_mut() {
            if let Some(Event { body: Body::Key(k), .. }) = slot.event.as_mut() {
                if k.key.chars().count() > 1 && !keys::is_named_key(&k.key) {
                    k.key = "Unidentified".into();
                }
            }
        }
        rewritten
    }
}
