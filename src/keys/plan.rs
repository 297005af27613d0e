//! Planning key rewrites: find every value the typed keys could have built, under every
//! plausible reading of the stream, and rewrite every key that typed a character of one.
//!
//! Readings of one field ([`super::editor`]): the literal one and its snapshots and insertion
//! log (checked with every detector, NER included); Enter as a commit instead of a line break,
//! ctrl+z ignored, shortcuts with text typing it, and the keys typed after a mouse click put
//! at every position of the text (rules only: these are the structured values a typo fix
//! breaks). Across fields: everything typed, in order, whatever field it went to (an element
//! id that changed mid-value, a value split over two fields or apps); consecutive short fields
//! joined (a card in 4 boxes, an SSN in 3, a one-time code in 6). And what the stream showed
//! the field to hold (IME, autocomplete, accessibility and node text): keys that typed a run of
//! 4+ characters of a value found there are rewritten too.
//!
//! A finding is widened to the whole token (whitespace to whitespace) it sits in before its keys
//! are chosen, so no orphan piece of a value (`@example.com`) is left as plain keys. This must
//! never leave a key that typed part of a finding in any reading unchanged.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::editor::{self, render, Buf, Flags, Run};
use super::readings::{readings, widen, Reading};
use super::tracker::{Field, KeyTracker};
use super::{KeyFinding, KeyPlan, KeyRewrite};
use crate::capture::DropReason;
use crate::detect::{Entity, Finding};
use crate::operators::{self, Action, Pseudonymizer};

/// Provenance of a character no key typed (a separator put between joined fields).
const SEP: u64 = editor::NO_KEY;

/// The detectors the planner calls.
pub struct Detect<'a> {
    /// Every detector (rules and NER); `None`: the text could not be checked.
    pub full: &'a dyn Fn(&str) -> Option<Vec<Finding>>,
    /// The rules alone (cheap: used on the many alternative readings).
    pub rules: &'a dyn Fn(&str) -> Vec<Finding>,
}

/// One thing found in one reading: the buffer, the finding's span and its token-wide span
/// (char indices into the buffer).
struct Hit<'b> {
    buf: &'b Buf,
    span: (usize, usize),
    wide: (usize, usize),
    entity: Entity,
    detector: &'static str,
}

/// Char span of a byte span in a rendered buffer.
fn char_span(at: &[(usize, u64)], f: &Finding) -> Option<(usize, usize)> {
    let s = at.iter().position(|(b, _)| *b >= f.start)?;
    let e = at.iter().rposition(|(b, _)| *b < f.end)? + 1;
    (s < e).then_some((s, e))
}

/// Four-character pieces (lowercased) of the values found for a field.
fn grams(values: &[(String, Entity)]) -> HashMap<[char; 4], Entity> {
    let mut m = HashMap::new();
    for (v, e) in values {
        let cs: Vec<char> = v.to_lowercase().chars().collect();
        for w in cs.windows(4) {
            m.entry([w[0], w[1], w[2], w[3]]).or_insert(*e);
        }
    }
    m
}

/// Chars of `buf` inside runs of 4+ that are pieces of a value: `(start, end, entity)`.
fn pieces(buf: &[(char, u64)], grams: &HashMap<[char; 4], Entity>) -> Vec<(usize, usize, Entity)> {
    let lower: Vec<char> = buf.iter().map(|(c, _)| c.to_lowercase().next().unwrap_or(*c)).collect();
    let mut out: Vec<(usize, usize, Entity)> = Vec::new();
    for i in 0..lower.len().saturating_sub(3) {
        if let Some(&e) = grams.get(&[lower[i], lower[i + 1], lower[i + 2], lower[i + 3]]) {
            match out.last_mut() {
                Some(last) if last.1 >= i => last.1 = i + 4,
                _ => out.push((i, i + 4, e)),
            }
        }
    }
    out
}

/// Could this trailing, unfinished token be the start of a value? (An address before its
/// domain is typed, a card or phone half typed, a key's first characters.)
pub fn could_be_value_prefix(token: &str) -> bool {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    let b = token.as_bytes();
    let iban = b.len() >= 4 && b[0].is_ascii_alphabetic() && b[1].is_ascii_alphabetic() && b[2].is_ascii_digit() && b[3].is_ascii_digit();
    token.chars().count() >= 4
        && (token.contains('@') || digits >= 4 || iban || (token.len() >= 8 && crate::detect::validate::entropy(token) >= 3.0 && crate::detect::validate::char_classes(token) >= 2))
}

/// Plans rewrites for everything the tracker holds.
pub fn plan<'a>(t: &KeyTracker, d: &Detect, action_of: &dyn Fn(Entity) -> &'a Action, pseudo: &Pseudonymizer) -> KeyPlan {
    let mut plan = KeyPlan::default();
    let mut unchecked: Vec<u64> = Vec::new();
    // Readings per field (secure fields excluded: their keys are dropped whole).
    let mut per_field: Vec<(&Field, Vec<Reading>, Run)> = Vec::new();
    for f in t.fields() {
        if t.is_secure(f) {
            for seq in f.typing_keys() {
                plan.rewrites.insert(seq, KeyRewrite::Drop(DropReason::SecureInput));
            }
            continue;
        }
        let (r, lit, unplaced) = readings(f);
        unchecked.extend(unplaced);
        per_field.push((f, r, lit));
    }
    let mut hits: Vec<Hit> = Vec::new();
    let mut failed: Vec<u64> = Vec::new();
    // Readings across fields: everything typed in order, and consecutive short fields joined.
    // (buffer, whether it joins single-character boxes: a one-time code's shape)
    let mut joined: Vec<(Buf, bool)> = Vec::new();
    if per_field.len() > 1 {
        let mut all: Buf = per_field.iter().flat_map(|(_, _, lit)| lit.log.iter().copied().filter(|&(_, s)| s != SEP)).collect();
        all.sort_by_key(|&(_, s)| s);
        joined.push((all, false));
        joined.extend(boxes(&per_field));
    }
    let mut checked: HashSet<String> = HashSet::new();
    let mut values: HashMap<String, Vec<(String, Entity)>> = HashMap::new();
    for (f, readings, _) in &per_field {
        let vals = values.entry(value_key(f)).or_default();
        for r in readings {
            let (text, at) = render(&r.buf);
            if text.is_empty() || !checked.insert(format!("{}\0{}\0{text}", f.id, r.ner)) {
                continue;
            }
            let found = if r.ner { (d.full)(&text) } else { Some((d.rules)(&text)) };
            let Some(found) = found else {
                failed.extend(at.iter().map(|&(_, s)| s).filter(|&s| s != SEP));
                continue;
            };
            for fi in found {
                let Some(span) = char_span(&at, &fi) else { continue };
                if !r.touches(widen(&r.buf, span)) {
                    continue;
                }
                vals.push((text[fi.start..fi.end].to_string(), fi.entity));
                hits.push(Hit { buf: &r.buf, span, wide: widen(&r.buf, span), entity: fi.entity, detector: fi.detector });
            }
        }
        // What the stream showed the element to hold: alone, and after what was typed into it
        // (an IME commit or autocomplete after a typed label).
        let typed: String = readings[0].buf.iter().map(|(c, _)| c).collect();
        for text in f.element.as_deref().map_or(&[][..], |e| t.element_texts(e)) {
            for (offset, whole) in [(0, text.clone()), (typed.len(), format!("{typed}{text}"))] {
                if offset > 0 && typed.trim().is_empty() {
                    continue;
                }
                if let Some(found) = (d.full)(&whole) {
                    vals.extend(found.iter().filter(|fi| fi.end > offset).map(|fi| (whole[fi.start.max(offset)..fi.end].to_string(), fi.entity)));
                }
            }
        }
    }
    // Elements no key was typed into that showed several texts (IME compositions, an
    // autocomplete): what the last of them holds may make pieces of the others.
    let typed_elements: HashSet<&str> = per_field.iter().filter_map(|(f, _, _)| f.element.as_deref()).collect();
    for (el, texts) in t.elements_with_texts() {
        if texts.len() < 2 || typed_elements.contains(el) {
            continue;
        }
        let vals = values.entry(format!("e\0{el}")).or_default();
        for text in texts {
            if let Some(found) = (d.full)(text) {
                vals.extend(found.iter().map(|fi| (text[fi.start..fi.end].to_string(), fi.entity)));
            }
        }
    }
    for (buf, single_boxes) in &joined {
        let (text, at) = render(buf);
        for fi in (d.rules)(&text) {
            let Some(span) = char_span(&at, &fi) else { continue };
            hits.push(Hit { buf, span, wide: widen(buf, span), entity: fi.entity, detector: fi.detector });
        }
        if let Some(span) = one_time_code(buf).filter(|_| *single_boxes) {
            let code: String = buf.iter().map(|(c, _)| c).collect();
            values.entry("*".into()).or_default().push((code, Entity::Secret));
            hits.push(Hit { buf, span, wide: span, entity: Entity::Secret, detector: "one_time_code" });
        }
    }
    // What the policy keeps (a date, a URL) is no value to hide, and its pieces must not name
    // a real value's: `10.18.16` typed is a date until the stream shows `10.18.164.27`.
    for v in values.values_mut() {
        v.retain(|(_, e)| !matches!(action_of(*e), Action::Keep));
    }
    // Runs of 4+ characters of a value found for the field, in any of its readings.
    for (f, readings, _) in &per_field {
        let g = grams(&values[&value_key(f)]);
        if g.is_empty() {
            continue;
        }
        for r in readings {
            // Pieces that touch a focus lie within three chars of it.
            let (lo, hi) = r.focus.map_or((0, r.buf.len()), |(s, e)| (s.saturating_sub(3), (e + 3).min(r.buf.len())));
            for (s, e, entity) in pieces(&r.buf[lo..hi], &g) {
                let (s, e) = (s + lo, e + lo);
                hits.push(Hit { buf: &r.buf, span: (s, e), wide: widen(&r.buf, (s, e)), entity, detector: "join" });
            }
        }
    }
    // The same value is found in many overlapping readings: each distinct hit is applied once.
    type HitKey<'h> = (Entity, &'h [(char, u64)], usize, usize);
    let mut applied: HashSet<HitKey> = HashSet::new();
    for h in &hits {
        if applied.insert((h.entity, &h.buf[h.wide.0..h.wide.1], h.span.0 - h.wide.0, h.span.1 - h.wide.0)) {
            apply(&mut plan, h, action_of(h.entity), pseudo);
        }
    }
    for seq in failed {
        plan.rewrites.insert(seq, KeyRewrite::Drop(DropReason::ModelFailed));
    }
    for seq in unchecked {
        plan.rewrites.insert(seq, KeyRewrite::Drop(DropReason::UncheckedKeystroke));
    }
    // A key that only deleted rewritten characters would let a replay count them: it goes too.
    for (_, _, lit) in &per_field {
        for (seq, gone) in &lit.deletions {
            if !gone.is_empty() && gone.iter().all(|s| plan.rewrites.contains_key(s)) {
                plan.rewrites.insert(*seq, KeyRewrite::Drop(DropReason::RedactedKeystroke));
            }
        }
    }
    // Every value, for text that went anywhere (the clipboard).
    let all: Vec<(String, Entity)> = values.values().flatten().cloned().collect();
    values.entry("*".into()).or_default().extend(all);
    plan.values = values
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            v.dedup();
            (k, v)
        })
        .collect();
    plan
}

/// Where a field's found values are kept for text events: by element, else by app.
pub fn value_key(f: &Field) -> String {
    match &f.element {
        Some(e) => format!("e\0{e}"),
        None => format!("a\0{}", f.app),
    }
}

/// Consecutive short fields of one app (in the order they were first typed into), joined with
/// nothing, a dash or a space: a value typed box by box. A box's text is what it holds less
/// whitespace (the Tab or Enter that moved to the next box). Each join comes with whether its
/// boxes hold one character each (the shape of a one-time code).
fn boxes(fields: &[(&Field, Vec<Reading>, Run)]) -> Vec<(Buf, bool)> {
    let mut ordered: Vec<(&Field, Buf)> = fields.iter().map(|(f, _, lit)| (*f, lit.text.iter().copied().filter(|(c, _)| !c.is_whitespace()).collect())).collect();
    ordered.sort_by_key(|(f, _)| f.first_seq);
    let short = |b: &Buf| (1..=8).contains(&b.len());
    let mut out = Vec::new();
    let mut i = 0;
    while i < ordered.len() {
        let mut j = i;
        while j < ordered.len() && short(&ordered[j].1) && ordered[j].0.app == ordered[i].0.app {
            j += 1;
        }
        let run = &ordered[i..j];
        for len in 2..=run.len().min(8) {
            for w in run.windows(len) {
                let singles = w.iter().all(|(_, b)| b.len() == 1);
                for sep in ["", "-", " "] {
                    let mut buf: Buf = Vec::new();
                    for (k, (_, b)) in w.iter().enumerate() {
                        if k > 0 {
                            buf.extend(sep.chars().map(|c| (c, SEP)));
                        }
                        buf.extend_from_slice(b);
                    }
                    out.push((buf, singles && sep.is_empty()));
                }
            }
        }
        i = j.max(i + 1);
    }
    out
}

/// Four to eight single-character boxes in a row (joined with nothing): a one-time code.
fn one_time_code(buf: &Buf) -> Option<(usize, usize)> {
    // Only the plain joins of boxes: each char from another key, all alphanumeric.
    let n = buf.len();
    let ok = (4..=8).contains(&n) && buf.iter().all(|(c, s)| c.is_alphanumeric() && *s != SEP) && buf.windows(2).all(|w| w[0].1 != w[1].1);
    (ok && buf.iter().any(|(c, _)| c.is_ascii_digit())).then_some((0, n))
}

/// Adds one hit's rewrites (a drop wins over a replacement; the first replacement stays).
fn apply(plan: &mut KeyPlan, h: &Hit, action: &Action, pseudo: &Pseudonymizer) {
    let wide = &h.buf[h.wide.0..h.wide.1];
    let mut seqs: Vec<u64> = wide.iter().map(|&(_, s)| s).filter(|&s| s != SEP).collect();
    seqs.dedup();
    let mut uniq = seqs.clone();
    uniq.sort_unstable();
    uniq.dedup();
    if uniq.is_empty() {
        return;
    }
    let key = (h.entity, uniq.clone());
    if plan.seen.insert(key) {
        let value: String = h.buf[h.span.0..h.span.1].iter().map(|(c, _)| c).collect();
        let text: String = h.buf[..h.span.0].iter().map(|(c, _)| c).collect();
        plan.findings.push(KeyFinding {
            seq: seqs[0],
            entity: h.entity,
            detector: h.detector,
            start: text.len(),
            end: text.len() + value.len(),
            keys: uniq.len(),
            action: action.name(),
        });
    }
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
            let original: String = wide.iter().map(|(c, _)| c).collect();
            let masked: Vec<char> = operators::replacement(action, h.entity, &original, pseudo).chars().collect();
            let mut per_key: BTreeMap<u64, (String, String)> = BTreeMap::new();
            for (i, &(c, seq)) in wide.iter().enumerate() {
                if seq != SEP {
                    let e = per_key.entry(seq).or_default();
                    e.0.push(masked.get(i).copied().unwrap_or('*'));
                    e.1.push(c);
                }
            }
            // Keys whose characters the mask keeps (separators, the kept tail) stay.
            for (seq, (text, _)) in per_key.into_iter().filter(|(_, (m, o))| m != o) {
                let key = if text.chars().count() == 1 { text.clone() } else { "Unidentified".into() };
                put(seq, KeyRewrite::Replace { key, text });
            }
        }
        Action::Tag | Action::Pseudonym => {
            let value: String = h.buf[h.span.0..h.span.1].iter().map(|(c, _)| c).collect();
            let r = operators::replacement(action, h.entity, &value, pseudo);
            put(seqs[0], KeyRewrite::Replace { key: "Unidentified".into(), text: r });
            uniq.iter().filter(|&&s| s != seqs[0]).for_each(|&s| put(s, KeyRewrite::Drop(DropReason::RedactedKeystroke)));
        }
    }
}

/// Keys of unfinished trailing tokens that could be the start of a value, per field: what a
/// session releases only if it must (memory) before the value is complete.
pub fn open_prefix_keys(t: &KeyTracker) -> HashSet<u64> {
    let mut out = HashSet::new();
    for f in t.fields() {
        let lit = editor::run(&f.ops, Flags::LITERAL);
        let end = lit.text.len();
        let start = lit.text.iter().rposition(|(c, _)| c.is_whitespace()).map_or(0, |i| i + 1);
        let token: String = lit.text[start..end].iter().map(|(c, _)| c).collect();
        if could_be_value_prefix(&token) {
            out.extend(lit.text[start..end].iter().map(|&(_, s)| s));
        }
    }
    out
}
