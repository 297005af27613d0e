//! The NER pass: every distinct text field of a batch goes through the model at once, and a
//! memo (by keyed hash, never the text) remembers recent texts' findings.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::capture::Body;
use crate::detect::ner::NerDetector;
use crate::detect::Finding;
use crate::runtime::ModelError;

use super::{Engine, Slot};

impl Engine {
    /// NER findings for every text field of a batch at once: deduplicated (UI text repeats
    /// frame after frame) and run in batches of similar length. A failed run leaves the cache
    /// empty; each field then tries alone and is dropped if that fails too.
    pub(crate) fn ner_pass(&self, slots: &[Slot]) -> NerCache {
        let Some(ner) = &self.ner else { return NerCache::default() };
        let mut all: Vec<&str> = Vec::new();
        let mut urls: Vec<&str> = Vec::new();
        for ev in slots.iter().filter_map(|s| s.event.as_ref()) {
            match &ev.body {
                Body::Window(w) => {
                    all.extend([w.title.as_str(), w.app.as_str()]);
                    urls.extend(w.url.as_deref());
                }
                Body::Text(t) => all.extend([Some(t.text.as_str()), t.app.as_deref()].into_iter().flatten()),
                Body::Key(k) => all.extend(k.target.as_ref().and_then(|t| t.app.as_deref())),
                Body::Screenshot(s) => {
                    all.extend(s.app.as_deref());
                    all.extend(s.windows.iter().flatten().flat_map(|w| [w.title.as_str(), w.app.as_str()]));
                    for n in s.nodes.iter().flatten().filter(|n| !n.secure) {
                        all.push(&n.text);
                        all.extend(n.lines.iter().flatten().map(|l| l.text.as_str()));
                    }
                }
                _ => {}
            }
        }
        // URLs are read through their views (decoded words), never raw.
        let views: Vec<String> = all.iter().chain(&urls).flat_map(|t| crate::detect::url::views(t)).map(|v| v.text).collect();
        let mut seen = HashSet::new();
        let texts: Vec<&str> = all.into_iter().chain(views.iter().map(String::as_str)).filter(|t| wants_ner(t) && seen.insert(*t)).collect();
        match self.ner_run(ner, &texts) {
            Ok(found) => NerCache { ner: texts.into_iter().map(str::to_owned).zip(found).collect(), ..Default::default() },
            Err(_) => NerCache::default(),
        }
    }

    /// NER findings per text: from the memo where it knows the text, the rest run in one batch
    /// and remembered.
    pub(crate) fn ner_run(&self, ner: &NerDetector, texts: &[&str]) -> Result<Vec<Vec<Finding>>, ModelError> {
        let mut out: Vec<Option<Vec<Finding>>> = texts.iter().map(|t| self.ner_memo.get(t)).collect();
        let missing: Vec<usize> = (0..texts.len()).filter(|&i| out[i].is_none()).collect();
        let found = ner.detect_batch(&missing.iter().map(|&i| texts[i]).collect::<Vec<_>>())?;
        for (i, f) in missing.into_iter().zip(found) {
            self.ner_memo.put(texts[i], &f);
            out[i] = Some(f);
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }
}

/// What the text pass knows ahead for a batch: NER findings by text, and the rules' findings
/// with repeats ([`super::repeats_pass`]).
#[derive(Default)]
pub(crate) struct NerCache {
    pub(crate) ner: HashMap<String, Vec<Finding>>,
    pub(crate) rules: super::repeats_pass::RuleCache,
}

/// NER findings of recent texts, by a keyed 128-bit hash of the text (never the text itself):
/// UI text repeats frame after frame, window titles event after event. Bounded: emptied when
/// it holds `cap` texts. `cap` 0: off.
pub(crate) struct NerMemo {
    keys: (std::hash::RandomState, std::hash::RandomState),
    map: Mutex<HashMap<u128, Vec<Finding>>>,
    cap: usize,
}

impl NerMemo {
    pub(crate) fn new(cap: usize) -> NerMemo {
        NerMemo { keys: Default::default(), map: Mutex::new(HashMap::new()), cap }
    }

    fn key(&self, text: &str) -> u128 {
        use std::hash::BuildHasher;
        ((self.keys.0.hash_one(text) as u128) << 64) | self.keys.1.hash_one(text) as u128
    }

    pub(crate) fn get(&self, text: &str) -> Option<Vec<Finding>> {
        if self.cap == 0 {
            return None;
        }
        self.map.lock().ok()?.get(&self.key(text)).cloned()
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut m) = self.map.lock() {
            m.clear();
        }
    }

    pub(crate) fn put(&self, text: &str, found: &[Finding]) {
        if self.cap == 0 {
            return;
        }
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= self.cap {
                m.clear();
            }
            m.insert(self.key(text), found.to_vec());
        }
    }
}

/// Texts the NER model can find nothing in (no letter at all) are not run.
pub(crate) fn wants_ner(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
}
