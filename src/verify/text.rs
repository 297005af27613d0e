//! Every string that leaves, through every detector: each text field of each output event
//! (titles, URLs, text, app names, node and line texts, key texts, ...) and `meta.json`'s
//! client. A finding is a problem unless the policy keeps that entity, or nothing in it but the
//! engine's own tokens ([`crate::operators::token_spans`]), mask characters, spaces and
//! punctuation: one letter or digit of it outside them and the value may be a leak.
//!
//! The detectors run as the redaction ran them: URLs and secure nodes with the rules alone,
//! the rest with the NER model too (one batch over all distinct texts). It must never report a
//! matched value: only where it is, the entity and the detector.

use std::collections::HashSet;

use super::problem::{Problem, ProblemKind};
use crate::capture::{Body, Event};
use crate::detect::Finding;
use crate::operators::{token_spans, Action};
use crate::pipeline::{wants_ner, Engine, NerCache};

/// One string to check: where it is, and whether the NER model is for it.
pub(crate) struct Field<'a> {
    pub location: String,
    pub text: &'a str,
    pub ner: bool,
}

fn push<'a>(out: &mut Vec<Field<'a>>, line: usize, path: impl std::fmt::Display, text: &'a str, ner: bool) {
    if !text.is_empty() {
        out.push(Field { location: format!("events.jsonl:{line} {path}"), text, ner });
    }
}

/// The string fields of an event at `line` of `events.jsonl`.
pub(crate) fn fields_of(line: usize, ev: &Event) -> Vec<Field<'_>> {
    let mut out = Vec::new();
    let o = &mut out;
    match &ev.body {
        Body::Window(w) => {
            push(o, line, "app", &w.app, true);
            push(o, line, "title", &w.title, true);
            if let Some(u) = &w.url {
                push(o, line, "url", u, false);
            }
        }
        Body::Key(k) => {
            // One key's text is a character or a replacement: the model reads typed text as
            // the keys build it (`super::keys`), not key by key.
            push(o, line, "key", &k.key, false);
            if let Some(t) = &k.text {
                push(o, line, "text", t, false);
            }
            if let Some(a) = k.target.as_ref().and_then(|t| t.app.as_deref()) {
                push(o, line, "target.app", a, true);
            }
        }
        Body::Text(t) => {
            push(o, line, "text", &t.text, true);
            if let Some(a) = &t.app {
                push(o, line, "app", a, true);
            }
        }
        Body::Screenshot(s) => {
            if let Some(a) = &s.app {
                push(o, line, "app", a, true);
            }
            for (i, w) in s.windows.iter().flatten().enumerate() {
                push(o, line, format_args!("windows[{i}].app"), &w.app, true);
                push(o, line, format_args!("windows[{i}].title"), &w.title, true);
            }
            for (i, n) in s.nodes.iter().flatten().enumerate() {
                push(o, line, format_args!("nodes[{i}].text"), &n.text, !n.secure);
                for (j, l) in n.lines.iter().flatten().enumerate() {
                    push(o, line, format_args!("nodes[{i}].lines[{j}].text"), &l.text, !n.secure);
                }
            }
        }
        Body::Mouse(_) | Body::Control(_) => {}
    }
    out
}

/// How many letters and digits of a finding are its own: not inside an engine token, not a
/// mask character.
pub(crate) fn own_chars(text: &str, f: &Finding, masks: &HashSet<char>) -> usize {
    let tokens = token_spans(text);
    let inside = |at: usize| tokens.iter().any(|&(s, e)| at >= s && at < e);
    text[f.start..f.end].char_indices().filter(|&(i, c)| c.is_alphanumeric() && !masks.contains(&c) && !inside(f.start + i)).count()
}

impl Engine {
    /// The mask characters the policy writes.
    pub(crate) fn mask_chars(&self) -> HashSet<char> {
        crate::detect::Entity::ALL
            .iter()
            .filter_map(|e| match self.policy.action(*e) {
                Action::Mask { mask_char, .. } => Some(*mask_char),
                _ => None,
            })
            .collect()
    }

    /// Is a finding in `text` allowed to stand: an entity the policy keeps, or nothing of it
    /// but engine tokens, mask characters, spaces and punctuation?
    pub(crate) fn excused(&self, text: &str, f: &Finding, masks: &HashSet<char>) -> bool {
        if matches!(self.policy.action(f.entity), Action::Keep) {
            return true;
        }
        own_chars(text, f, masks) == 0
    }

    /// The NER model's view of an output text: mask characters stand for what they hid, so
    /// they are shown to the model as the digits most masks hide (the model, trained on
    /// unmasked text, reads a run of `*` after a label as a name). Same byte length, so spans
    /// stay where they are.
    fn ner_view(&self, text: &str, masks: &HashSet<char>) -> String {
        text.chars().map(|c| if masks.contains(&c) { "0".repeat(c.len_utf8()) } else { c.to_string() }).collect()
    }

    /// NER findings for every NER-bound field at once, as the redaction's NER pass does
    /// (empty when the model is off or the batch failed: each field then runs alone).
    pub(crate) fn ner_batch(&self, fields: &[Field]) -> NerCache {
        let Some(ner) = &self.ner else { return NerCache::default() };
        let masks = self.mask_chars();
        let mut seen = HashSet::new();
        let texts: Vec<&str> = fields.iter().filter(|f| f.ner && wants_ner(f.text) && seen.insert(f.text)).map(|f| f.text).collect();
        let views: Vec<String> = texts.iter().map(|t| self.ner_view(t, &masks)).collect();
        match self.ner_run(ner, &views.iter().map(String::as_str).collect::<Vec<_>>()) {
            Ok(found) => NerCache { ner: texts.into_iter().map(str::to_owned).zip(found).collect(), ..NerCache::default() },
            Err(_) => NerCache::default(),
        }
    }

    /// Every detector over an output text: the rules (and the embedder's detectors) as the
    /// text stands, the NER model (with `ner`: from the batch, else run now) over its
    /// [`Self::ner_view`]. Disjoint, sorted.
    pub(crate) fn detect_output(&self, text: &str, ner: Option<&NerCache>, masks: &HashSet<char>) -> Result<Vec<Finding>, crate::runtime::ModelError> {
        let mut v = self.detect_with(text, None)?;
        if let (Some(model), Some(cache)) = (self.ner.as_ref().filter(|_| wants_ner(text)), ner) {
            match cache.ner.get(text) {
                Some(found) => v.extend_from_slice(found),
                None => v.extend(self.ner_run(model, &[&self.ner_view(text, masks)])?.into_iter().flatten()),
            }
        }
        Ok(crate::detect::resolve_in(text, v))
    }

    /// Problems in `fields`: findings not excused, and fields that could not be checked.
    pub(crate) fn check_fields(&self, fields: &[Field], cache: &NerCache) -> Vec<Problem> {
        let masks = self.mask_chars();
        let mut out = Vec::new();
        for f in fields {
            let found = crate::guard::catch(|| self.detect_output(f.text, f.ner.then_some(cache), &masks));
            match found {
                Ok(Ok(found)) => {
                    for x in found.iter().filter(|x| !self.excused(f.text, x, &masks)) {
                        out.push(Problem::found(ProblemKind::DetectedValue, f.location.clone(), x.entity, x.detector));
                    }
                }
                _ => out.push(Problem::new(ProblemKind::Unchecked, format!("{} (the detectors failed on it)", f.location))),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Entity;

    fn regex_only() -> Engine {
        Engine::new(crate::Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false").unwrap()).unwrap()
    }

    fn problems(e: &Engine, text: &str) -> Vec<Entity> {
        let f = [Field { location: "x".into(), text, ner: false }];
        e.check_fields(&f, &NerCache::default()).into_iter().map(|p| p.entity.unwrap()).collect()
    }

    #[test]
    fn engine_tokens_pass_and_values_do_not() {
        let e = regex_only();
        let token = e.pseudo.token(Entity::EmailAddress, "jane@example.com");
        assert!(problems(&e, &format!("mail {token} now")).is_empty(), "a pseudonym is the engine's own");
        assert!(problems(&e, "card **** **** **** 1111 and <EMAIL_ADDRESS>").is_empty());
        assert_eq!(problems(&e, "mail jane.doe@example.com"), [Entity::EmailAddress]);
        // A token with a value glued to it is not a token.
        assert_eq!(problems(&e, &format!("jane.{token}")), [Entity::EmailAddress]);
        assert_eq!(problems(&e, "user_0123456789abcdef@example.com"), [Entity::EmailAddress], "only example.invalid is the engine's");
    }

    #[test]
    fn kept_entities_are_the_policys_choice() {
        let e = Engine::new(crate::Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false\n[actions]\nEMAIL_ADDRESS = \"keep\"").unwrap()).unwrap();
        assert!(problems(&e, "mail jane.doe@example.com").is_empty());
        assert_eq!(problems(&e, "call +1 415-555-2671"), [Entity::PhoneNumber]);
    }
}
