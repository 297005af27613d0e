//! The repeats pass: the rules run once over every text field of a batch (in parallel), the
//! values they find with confidence are learned ([`crate::detect::repeats`]: keyed hashes in
//! the stream's state, carried to the next chunk), and every field is then swept for them.
//! The text pass takes each field's findings from here instead of running the rules again.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use rayon::prelude::*;

use crate::capture::Body;
use crate::detect::repeats::Repeats;
use crate::detect::Finding;

use super::{Engine, Slot};

/// Rule findings (repeats included) of a batch's text fields, by a keyed hash of the text.
#[derive(Default)]
pub(crate) struct RuleCache {
    key: RandomState,
    found: HashMap<u64, Vec<Finding>>,
}

impl RuleCache {
    pub(crate) fn get(&self, text: &str) -> Option<&[Finding]> {
        self.found.get(&self.key.hash_one(text)).map(Vec::as_slice)
    }
}

/// Every text field of the batch the text pass will redact (app names included).
fn text_fields(slots: &[Slot]) -> Vec<&str> {
    let mut all: Vec<&str> = Vec::new();
    for ev in slots.iter().filter_map(|s| s.event.as_ref()) {
        match &ev.body {
            Body::Window(w) => {
                all.extend([w.title.as_str(), w.app.as_str()]);
                all.extend(w.url.as_deref());
            }
            Body::Text(t) => all.extend([Some(t.text.as_str()), t.app.as_deref()].into_iter().flatten()),
            Body::Key(k) => all.extend(k.target.as_ref().and_then(|t| t.app.as_deref())),
            Body::Screenshot(s) => {
                all.extend(s.app.as_deref());
                all.extend(s.windows.iter().flatten().flat_map(|w| [w.title.as_str(), w.app.as_str()]));
                for n in s.nodes.iter().flatten() {
                    all.push(&n.text);
                    all.extend(n.lines.iter().flatten().map(|l| l.text.as_str()));
                }
            }
            _ => {}
        }
    }
    all.retain(|t| !t.is_empty());
    all
}

impl Engine {
    /// Finds, learns, sweeps: see the module doc. `repeats` holds what earlier chunks of the
    /// stream learned and gains what this one finds.
    pub(crate) fn repeats_pass(&self, slots: &[Slot], repeats: &mut Repeats) -> RuleCache {
        let key = RandomState::new();
        // Distinct texts, each hashed once (UI text repeats frame after frame).
        let fields = text_fields(slots);
        let mut index: HashMap<u64, usize> = HashMap::with_capacity(fields.len());
        let mut texts: Vec<(u64, &str)> = Vec::with_capacity(fields.len());
        for t in fields {
            let h = key.hash_one(t);
            index.entry(h).or_insert_with(|| {
                texts.push((h, t));
                texts.len() - 1
            });
        }
        let mut found: Vec<Vec<Finding>> = texts.par_iter().map(|(_, t)| self.rule_findings(t)).collect();
        for ((_, t), f) in texts.iter().zip(&found) {
            repeats.learn(t, f);
        }
        if !repeats.is_empty() {
            let r = &*repeats;
            texts.par_iter().zip(found.par_iter_mut()).for_each(|((_, t), f)| r.sweep(t, f));
        }
        let found = texts.iter().map(|(h, _)| *h).zip(found).collect();
        RuleCache { key, found }
    }
}
