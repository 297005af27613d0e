//! The readings of one field: every text the keys typed into it could have made, for the
//! planner ([`super::plan`]) to run the detectors over. The literal run of the editor model, its
//! snapshots before each edit (read only around what later changed, so a long field costs what
//! its edits touch) and its insertion log; the alternative runs (Enter as a commit, ctrl+z
//! ignored, a shortcut's text typed); and each block of keys typed after a mouse click put at
//! every place it could have gone (in a long field, the places a value could be completed),
//! within a per-field budget past which the block's keys are reported unchecked.
//!
//! It must never leave out a reading in which a value could hold a key: a block it cannot place
//! within the budget is returned as unchecked, for the planner to drop.

use std::collections::{HashMap, HashSet};

use super::editor::{self, Buf, Flags, Op, Run};
use super::tracker::Field;
use crate::capture::Mod;

/// A reading to check: a buffer, and whether the NER model runs on it.
pub(super) struct Reading {
    pub(super) buf: Buf,
    pub(super) ner: bool,
    /// For a block of keys read at one of the places it could have gone: the block's chars in
    /// `buf`. Only what touches them is new; the rest is read whole elsewhere.
    pub(super) focus: Option<(usize, usize)>,
}

impl Reading {
    fn whole(buf: Buf, ner: bool) -> Reading {
        Reading { buf, ner, focus: None }
    }

    /// Whether a span of `buf` is worth a hit: any span, or one touching the focus.
    pub(super) fn touches(&self, (s, e): (usize, usize)) -> bool {
        self.focus.is_none_or(|(fs, fe)| s < fe && fs < e)
    }
}

/// The interpretations worth running for a field: the literal one, each single alternative
/// the field's keys make possible, and all of them at once.
fn flag_sets(f: &Field) -> Vec<Flags> {
    let keys = || f.ops.iter().filter_map(|op| if let Op::Key { key, .. } = op { Some(key) } else { None });
    let shortcut = |k: &crate::capture::Key| k.mods.iter().any(|m| matches!(m, Mod::Ctrl | Mod::Meta));
    let has_undo = keys().any(|k| shortcut(k) && matches!(k.key.to_ascii_lowercase().as_str(), "z" | "y"));
    let has_enter = keys().any(|k| matches!(k.key.as_str(), "Enter" | "Return" | "Tab") || matches!(k.text.as_deref(), Some("\n" | "\r" | "\t" | "\r\n")));
    let has_shortcut_text = keys().any(|k| shortcut(k) && !k.mods.contains(&Mod::Alt) && k.text.as_deref().is_some_and(|t| t.chars().any(|c| !c.is_control()) && !t.eq_ignore_ascii_case(&k.key)));
    let l = Flags::LITERAL;
    let mut out = vec![l];
    let flips: Vec<Flags> = [
        has_undo.then_some(Flags { undo: false, ..l }),
        has_enter.then_some(Flags { enter_inserts: false, ..l }),
        has_shortcut_text.then_some(Flags { shortcuts_type: true, ..l }),
    ]
    .into_iter()
    .flatten()
    .collect();
    if flips.len() > 1 {
        out.push(Flags { undo: !has_undo, enter_inserts: !has_enter, shortcuts_type: has_shortcut_text });
    }
    out.extend(flips);
    out
}

/// Characters of context kept around what changed, on each side (then out to whole tokens):
/// more than any value the detectors look for spans.
const CONTEXT: usize = 64;

/// Windows of `buf` around `[lo, hi]` char ranges, each grown by [`CONTEXT`] and then to token
/// boundaries, overlapping ones merged.
fn windows_around(buf: &Buf, mut ranges: Vec<(usize, usize)>) -> Vec<Buf> {
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (lo, hi) in ranges {
        let (s, e) = widen(buf, (lo.saturating_sub(CONTEXT), (hi + CONTEXT).min(buf.len())));
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged.into_iter().map(|(s, e)| buf[s..e].to_vec()).collect()
}

/// What a snapshot holds that the field's final text under the same reading (its [`Places`]) does not:
/// windows around characters later deleted and around neighbours later pulled apart. A value
/// must lie there to be in the snapshot and not in the final text; the rest is checked with
/// the final text already, so long edited fields cost what their edits touch.
fn novel_windows(snapshot: &Buf, places: &Places) -> Vec<Buf> {
    let mut rank: HashMap<u64, usize> = HashMap::new();
    let mut prev: Option<Option<usize>> = None;
    let mut novel: Vec<(usize, usize)> = Vec::new();
    for (i, &(_, s)) in snapshot.iter().enumerate() {
        let r = rank.entry(s).or_default();
        let here = places.get(&(s, *r)).copied();
        *r += 1;
        let broken = match (prev, here) {
            (_, None) => true,
            (Some(Some(p)), Some(q)) => q != p + 1,
            _ => false,
        };
        if broken {
            novel.push((i.saturating_sub(1), i + 1));
        }
        prev = Some(here);
    }
    windows_around(snapshot, novel)
}

/// Where each character of a field's final text stands, by the key that typed it and its rank
/// among that key's characters (a paste types several).
type Places = HashMap<(u64, usize), usize>;

/// [`Places`] of a text: built once per run, shared by all its snapshots.
fn places(text: &Buf) -> Places {
    let mut rank: HashMap<u64, usize> = HashMap::new();
    let mut at = Places::new();
    for (i, &(_, s)) in text.iter().enumerate() {
        let r = rank.entry(s).or_default();
        at.insert((s, *r), i);
        *r += 1;
    }
    at
}

/// Token edges, and every position inside tokens that could hold a structured value (a digit,
/// an `@`, a mix of letters and digits): where a few keys typed after a click could have gone
/// to complete one.
fn insertion_points(base: &Buf) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i <= base.len() {
        if i == base.len() || base[i].0.is_whitespace() {
            out.push(i);
            i += 1;
            continue;
        }
        let start = i;
        while i < base.len() && !base[i].0.is_whitespace() {
            i += 1;
        }
        let tok = &base[start..i];
        let valueish = tok.iter().any(|(c, _)| c.is_ascii_digit() || matches!(c, '@' | '.' | ':' | '/' | '-' | '=')) || tok.len() >= 12;
        if valueish {
            out.extend(start..=i);
        } else {
            out.extend([start, i]);
        }
    }
    out.dedup();
    out
}

/// Context around a place a block of keys could have gone, each side (then out to whole
/// tokens): a label and the longest spaced value fit in it.
const PLACE_CONTEXT: usize = 40;

/// Characters of readings per field spent on keys typed at unknown places (about 0.1 s of the
/// rules). A field edited past it (thousands of characters, dozens of clicks) has the keys of
/// its remaining blocks dropped: they could complete a value anywhere in it.
const PLACEMENT_BUDGET: usize = 1 << 20;

/// The readings of one field, its literal run, and the keys typed at unknown places that the
/// placement budget left unchecked.
pub(super) fn readings(f: &Field) -> (Vec<Reading>, Run, Vec<u64>) {
    let sets = flag_sets(f);
    let runs: Vec<Run> = sets.iter().map(|&fl| editor::run(&f.ops, fl)).collect();
    let lit = runs[0].clone();
    let mut out: Vec<Reading> = Vec::new();
    out.push(Reading::whole(lit.text.clone(), true));
    let at = places(&lit.text);
    for s in &lit.snapshots {
        out.extend(novel_windows(s, &at).into_iter().map(|buf| Reading::whole(buf, true)));
    }
    out.push(Reading::whole(lit.log.clone(), true));
    for r in &runs[1..] {
        out.push(Reading::whole(r.text.clone(), false));
        let at = places(&r.text);
        for s in &r.snapshots {
            out.extend(novel_windows(s, &at).into_iter().map(|buf| Reading::whole(buf, false)));
        }
    }
    // Keys typed after the cursor became unknown: at every position they could have gone, each
    // read with the context around that position.
    let mut spent = 0;
    let mut unchecked = Vec::new();
    for seg in &lit.segments {
        let seg: HashSet<u64> = seg.iter().copied().collect();
        let (block, base): (Buf, Buf) = lit.text.iter().partition(|(_, s)| seg.contains(s));
        if block.is_empty() {
            continue;
        }
        // A short field: every place (a label's missing letter counts too); a long one: the
        // places a value could be completed.
        let points: Vec<usize> = if base.len() <= 256 { (0..=base.len()).collect() } else { insertion_points(&base) };
        let cost = points.len() * (2 * PLACE_CONTEXT + block.len());
        if spent + cost > PLACEMENT_BUDGET && base.len() > 2 * PLACE_CONTEXT {
            unchecked.extend(block.iter().map(|&(_, s)| s));
            continue;
        }
        spent += cost;
        for p in points {
            let (s, e) = widen(&base, (p.saturating_sub(PLACE_CONTEXT), (p + PLACE_CONTEXT).min(base.len())));
            let mut buf = base[s..p].to_vec();
            buf.extend_from_slice(&block);
            buf.extend_from_slice(&base[p..e]);
            out.push(Reading { buf, ner: false, focus: Some((p - s, p - s + block.len())) });
        }
        // The rest without the block: what the block's guessed place split.
        out.push(Reading::whole(base, false));
    }
    (out, lit, unchecked)
}

/// Widens a char span to the whitespace-delimited token around it.
pub(super) fn widen(buf: &Buf, (mut s, mut e): (usize, usize)) -> (usize, usize) {
    while s > 0 && !buf[s - 1].0.is_whitespace() {
        s -= 1;
    }
    while e < buf.len() && !buf[e].0.is_whitespace() {
        e += 1;
    }
    (s, e)
}

