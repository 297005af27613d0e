//! Names, places and organisations: a token classifier over MiniLM-L6 (`models/ner.onnx`,
//! int8; `models/ner_tokenizer.json`), fine-tuned by `train/ner/` on synthetic data.
//!
//! Texts are tokenised with byte offsets (`tokenizers`), cut into windows of at most
//! [`MAX_TOKENS`] tokens that overlap by [`OVERLAP`] or more (each token takes its
//! probabilities from the window where it sits furthest from an edge; a long text's windows are
//! all of one length, see `windows_of`); each window is one inference run.
//! Token probabilities (softmax over `O`, `B-`/`I-` of each entity) are decoded into byte spans
//! by [`decode`], the same rules as `train/ner/common.py`, whose figures are in MODELS.md.
//!
//! Sessions are loaded once and pooled (ORT's `run` needs exclusive access): windows go to a
//! free session, so several threads infer at once.

use std::path::Path;

use rayon::prelude::*;
use tokenizers::Tokenizer;

use super::{Entity, Finding};
use crate::runtime::{self, ModelError};

/// Labels of the model's output, in order; checked against the model's `labels` metadata.
pub const LABELS: [&str; 7] = ["O", "B-PERSON", "I-PERSON", "B-LOCATION", "I-LOCATION", "B-ORGANIZATION", "I-ORGANIZATION"];
/// Entities in label order (`B-`/`I-` of entity `k` are labels `1 + 2k` and `2 + 2k`).
pub const ENTITIES: [Entity; 3] = [Entity::Person, Entity::Location, Entity::Organization];
/// Tokens per window, `[CLS]` and `[SEP]` included (the length the model was trained at).
pub const MAX_TOKENS: usize = 128;
/// Tokens neighbouring windows share, at least.
pub const OVERLAP: usize = 24;
const CLS: i64 = 101;
const SEP: i64 = 102;

/// The NER model: tokenizer, pooled sessions, per-entity thresholds.
pub struct NerDetector {
    tokenizer: Tokenizer,
    sessions: runtime::Pool,
    /// Minimum B+I probability for a token to belong to each entity of [`ENTITIES`].
    pub thresholds: [f32; 3],
}

/// One window of one text: token ids, and which tokens of the text it decides.
struct Window {
    text: usize,
    ids: Vec<i64>,
    /// First token (index into the text's tokens) in the window.
    first: usize,
    /// Range of the text's tokens whose probabilities this window provides.
    keep: (usize, usize),
}

struct Tokens {
    ids: Vec<i64>,
    offsets: Vec<(usize, usize)>,
}

impl NerDetector {
    /// Loads the model and tokenizer: `pool` sessions of `threads` intra-op threads each.
    pub fn load(model: &Path, tokenizer: &Path, pool: usize, threads: usize, thresholds: [f32; 3]) -> Result<Self, ModelError> {
        let mut tok = Tokenizer::from_file(tokenizer).map_err(|e| ModelError::Load { path: tokenizer.to_owned(), reason: e.to_string() })?;
        tok.with_truncation(None).map_err(|e| ModelError::Load { path: tokenizer.to_owned(), reason: e.to_string() })?;
        tok.with_padding(None);
        let sessions = runtime::Pool::load(model, pool, threads)?;
        sessions.each(|s| {
            let labels = s.metadata().ok().and_then(|m| m.custom("labels"));
            if labels.as_deref() != Some(LABELS.join(",").as_str()) {
                return Err(ModelError::Load { path: model.to_owned(), reason: format!("its labels are {labels:?}, the engine expects {}; rebuild it with `make ner-model`", LABELS.join(",")) });
            }
            Ok(())
        })?;
        let d = NerDetector { tokenizer: tok, sessions, thresholds };
        // The first run allocates and plans: pay it at load, not on the first text.
        d.detect_batch(&["warm up"])?;
        Ok(d)
    }

    /// Findings for each text, in order.
    pub fn detect_batch(&self, texts: &[&str]) -> Result<Vec<Vec<Finding>>, ModelError> {
        let tokens: Vec<Tokens> = texts.iter().map(|t| self.tokenize(t)).collect::<Result<_, _>>()?;
        let mut windows = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            windows_of(i, &t.ids, self.sessions.len(), &mut windows);
        }
        // One window per run: the int8 model quantises activations per tensor, over the whole
        // run (padding included), so a window run beside others could be labelled differently
        // than alone. Alone, a window's probabilities depend on its own tokens and nothing else.
        // Small runs are also cheapest this way: the pool's sessions are single-threaded on
        // small machines, and windows spread over them (see `runtime::pool_shape`).
        let run = |w: &Window| self.run(w);
        let probs: Vec<Vec<[f32; 7]>> =
            if windows.len() > 1 { windows.par_iter().map(run).collect::<Result<_, _>>()? } else { windows.iter().map(run).collect::<Result<_, _>>()? };
        let mut per_text: Vec<Vec<[f32; 7]>> = tokens.iter().map(|t| vec![[0.0; 7]; t.ids.len()]).collect();
        for (w, wp) in windows.iter().zip(probs) {
            for tok in w.keep.0..w.keep.1 {
                // +1: the window's [CLS]
                per_text[w.text][tok] = wp[tok - w.first + 1];
            }
        }
        Ok(texts
            .iter()
            .zip(&tokens)
            .zip(&per_text)
            .map(|((text, t), p)| {
                let mut found = decode(text, &t.offsets, p, &self.thresholds);
                shape(text, &mut found);
                found
            })
            .collect())
    }

    fn tokenize(&self, text: &str) -> Result<Tokens, ModelError> {
        let enc = self.tokenizer.encode(text, false).map_err(|e| ModelError::Run(format!("tokenizer: {e}")))?;
        Ok(Tokens { ids: enc.get_ids().iter().map(|&i| i as i64).collect(), offsets: enc.get_offsets().to_vec() })
    }

    /// Runs one window alone; per position (with [CLS] and [SEP]), the label probabilities.
    fn run(&self, w: &Window) -> Result<Vec<[f32; 7]>, ModelError> {
        let len = w.ids.len() + 2;
        let mut ids = Vec::with_capacity(len);
        ids.push(CLS);
        ids.extend_from_slice(&w.ids);
        ids.push(SEP);
        let err = |e: ort::Error| ModelError::Run(e.to_string());
        let shape = [1, len];
        let ids = ort::value::Tensor::from_array((shape, ids)).map_err(err)?;
        let mask = ort::value::Tensor::from_array((shape, vec![1i64; len])).map_err(err)?;
        let mut session = self.sessions.get()?;
        let out = session.run(ort::inputs!["input_ids" => ids, "attention_mask" => mask]).map_err(err)?;
        let (_, data) = out["probs"].try_extract_tensor::<f32>().map_err(err)?;
        if data.len() != len * LABELS.len() {
            return Err(ModelError::Run(format!("model returned {} values, expected {}", data.len(), len * LABELS.len())));
        }
        Ok(data.chunks_exact(LABELS.len()).map(|p| p.try_into().expect("LABELS.len() values")).collect())
    }
}

/// Cuts a text's tokens into windows of at most `MAX_TOKENS - 2` that overlap by at least
/// `OVERLAP`; each token is decided by the window in which it sits furthest from a cut edge
/// (neighbours hand over at the middle of their overlap). A long text gets the fewest windows
/// that cover it, all of one length and evenly spaced: a window costs what its tokens cost, and
/// windows run side by side, so a text's time is its longest window's times the rounds. (A
/// last window of full length would repeat up to a whole window of tokens.) The count is
/// rounded up to a multiple of `sessions` where that adds at most half as many windows again:
/// the same rounds, of shorter windows, for ~24 tokens more work per window added.
fn windows_of(text: usize, ids: &[i64], sessions: usize, out: &mut Vec<Window>) {
    let w = MAX_TOKENS - 2;
    let n_ids = ids.len();
    if n_ids == 0 {
        return;
    }
    if n_ids <= w {
        out.push(Window { text, ids: ids.to_vec(), first: 0, keep: (0, n_ids) });
        return;
    }
    // The fewest windows of at most `w` tokens overlapping by `OVERLAP`, then their common
    // length: n * len >= n_ids + (n - 1) * OVERLAP, so neighbours overlap by OVERLAP or more.
    let fewest = 1 + (n_ids - w).div_ceil(w - OVERLAP);
    let n = Some(fewest.next_multiple_of(sessions.max(1))).filter(|&n| n - fewest <= fewest / 2).unwrap_or(fewest);
    let len = (n_ids + (n - 1) * OVERLAP).div_ceil(n);
    debug_assert!(len <= w);
    let start = |k: usize| k * (n_ids - len) / (n - 1);
    for k in 0..n {
        let first = start(k);
        // Hand-over points: the middle of the overlap with each neighbour.
        let keep_from = if k == 0 { 0 } else { (first + start(k - 1) + len) / 2 };
        let keep_to = if k + 1 == n { n_ids } else { (start(k + 1) + first + len) / 2 };
        out.push(Window { text, ids: ids[first..first + len].to_vec(), first, keep: (keep_from, keep_to) });
    }
}

/// The engine's rules over the decoded spans ([`decode`] stays the rules `train/ner/common.py`
/// measures): ends no name or place has are cut ([`super::ner_words::trim_ends`]), a person's
/// span grows over surnames ([`grow_surnames`]), and the words UI text shows are tidied
/// ([`super::ner_words::tidy`]).
pub fn shape(text: &str, found: &mut Vec<Finding>) {
    super::ner_words::trim_ends(text, found);
    grow_surnames(text, found);
    super::ner_words::tidy(text, found);
}

/// A person's span goes on over the capitalised words right after it on the same line (at
/// most two): the model often stops after a first name at the start of a chat line ("Jane"
/// of "Jane Doe 10:14 …"), leaving the surname readable. Engine-side only: `decode` stays
/// the rules `train/ner/common.py` measures.
pub fn grow_surnames(text: &str, found: &mut [Finding]) {
    for i in 0..found.len() {
        if found[i].entity != Entity::Person {
            continue;
        }
        let limit = found.get(i + 1).map_or(text.len(), |n| n.start);
        let mut end = found[i].end;
        for _ in 0..2 {
            let rest = &text[end..limit];
            let Some(word) = rest.strip_prefix(' ') else { break };
            let w: &str = word.split(|c: char| !(c.is_alphabetic() || c == '-' || c == '\'')).next().unwrap_or("");
            // Capitalised, the rest lower case but after a hyphen or apostrophe (`Schmidt-Ruiz`).
            let cs: Vec<char> = w.chars().collect();
            let name_like = cs.len() >= 2 && cs[0].is_uppercase() && cs.windows(2).all(|p| p[1].is_lowercase() || matches!(p[1], '-' | '\'') || (matches!(p[0], '-' | '\'') && p[1].is_uppercase()));
            if !name_like {
                break;
            }
            end += 1 + w.len();
        }
        found[i].end = end;
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Not part of a name at either end of a span (a `.` is: "Co.", "S.A.").
fn is_trim(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | ',' | ';' | ':' | '-' | '\u{2013}' | '\u{2014}' | '|' | '/' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | '"' | '\'')
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn char_at(text: &str, at: usize) -> Option<char> {
    text[at..].chars().next()
}

/// Byte spans from token probabilities. A token is inside an entity when its best entity's
/// B+I probability reaches that entity's threshold. A span goes on through inside tokens unless
/// B beats I at a word start, or a line break comes first (a line of UI text is a field of its
/// own); a token whose best guess is I continues the span even when its entity differs (one
/// name, two guesses about its type); the span's entity is the one with the most probability
/// summed over its tokens. Spans grow to whole words (a hit inside a word covers the word) and
/// lose punctuation at their ends; a span left without a letter or digit is dropped; spans that
/// then overlap merge. Score: mean of the tokens'
/// best B+I probability. The same rules as `train/ner/common.py`.
pub fn decode(text: &str, offsets: &[(usize, usize)], probs: &[[f32; 7]], thresholds: &[f32; 3]) -> Vec<Finding> {
    struct Span {
        start: usize,
        end: usize,
        sums: [f32; 3],
        score: f32,
        n: u32,
    }
    let best = |v: &[f32; 3]| (0..3).fold(0, |b, k| if v[k] > v[b] { k } else { b });
    let mut spans: Vec<Span> = Vec::new();
    let mut open = false;
    let mut prev_end: Option<usize> = None;
    for (&(s, e), p) in offsets.iter().zip(probs) {
        let ent: [f32; 3] = std::array::from_fn(|k| p[1 + 2 * k] + p[2 + 2 * k]);
        let k = best(&ent);
        let inside = ent[k] >= thresholds[k];
        let joined = prev_end.is_some_and(|pe| s <= pe) && s > 0 && char_at(text, s).is_some_and(is_word) && char_before(text, s).is_some_and(is_word);
        if prev_end.is_some_and(|pe| pe < s && text[pe..s].contains('\n')) {
            open = false;
        }
        if inside {
            let is_b = p[1 + 2 * k] > p[2 + 2 * k];
            match spans.last_mut() {
                Some(last) if open && (joined || !is_b) && (best(&last.sums) == k || !is_b) => {
                    last.end = e;
                    (0..3).for_each(|j| last.sums[j] += ent[j]);
                    last.score += ent[k];
                    last.n += 1;
                }
                _ => spans.push(Span { start: s, end: e, sums: ent, score: ent[k], n: 1 }),
            }
            open = true;
        } else {
            open = false;
        }
        prev_end = Some(e);
    }
    let mut out: Vec<Finding> = Vec::with_capacity(spans.len());
    for sp in spans {
        let (mut s, mut e) = (sp.start, sp.end);
        while char_before(text, s).is_some_and(is_word) && char_at(text, s).is_some_and(is_word) {
            s -= char_before(text, s).map_or(1, char::len_utf8);
        }
        while char_at(text, e).is_some_and(is_word) && char_before(text, e).is_some_and(is_word) {
            e += char_at(text, e).map_or(1, char::len_utf8);
        }
        while let Some(c) = char_at(text, s).filter(|&c| s < e && is_trim(c)) {
            s += c.len_utf8();
        }
        while let Some(c) = char_before(text, e).filter(|&c| e > s && is_trim(c)) {
            e -= c.len_utf8();
        }
        // A name, place or organisation holds a letter or a digit: a span of punctuation alone
        // (the `.` between `co` and `il` of a domain) names nothing.
        if s >= e || !text[s..e].chars().any(char::is_alphanumeric) {
            continue;
        }
        let score = sp.score / sp.n as f32;
        match out.last_mut() {
            Some(last) if s < last.end => {
                last.end = last.end.max(e);
                last.score = last.score.max(score);
            }
            _ => out.push(Finding { start: s, end: e, entity: ENTITIES[best(&sp.sums)], detector: "ner", score }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(label: usize, conf: f32) -> [f32; 7] {
        let mut v = [(1.0 - conf) / 6.0; 7];
        v[label] = conf;
        v
    }

    #[test]
    fn spans_of_punctuation_alone_are_dropped() {
        // google.co.il: the model tags the second dot alone, and `il` as a place.
        let text = "google.co.il";
        let offsets = [(0, 6), (6, 7), (7, 9), (9, 10), (10, 12)];
        let o = p(0, 0.9);
        let found = decode(text, &offsets, &[o, o, o, p(5, 0.9), p(3, 0.9)], &[0.5; 3]);
        let got: Vec<(&str, Entity)> = found.iter().map(|f| (&text[f.start..f.end], f.entity)).collect();
        assert_eq!(got, [("il", Entity::Location)]);
    }

    #[test]
    fn person_spans_grow_over_surnames() {
        let text = "Jane Doe 10:14 card, ping Amelia Schmidt-Ruiz too. Jane Please";
        let f = |s: usize, e: usize| Finding { start: s, end: e, entity: Entity::Person, detector: "ner", score: 0.9 };
        let mut found = vec![f(0, 4), f(26, 32), f(51, 55)];
        grow_surnames(text, &mut found);
        let got: Vec<&str> = found.iter().map(|f| &text[f.start..f.end]).collect();
        assert_eq!(got, ["Jane Doe", "Amelia Schmidt-Ruiz", "Jane Please"]);
    }

    /// What [`shape`] leaves of spans of `entity` the model found in `text` (given as strings).
    fn shaped(text: &str, spans: &[(&str, Entity)]) -> Vec<(String, Entity)> {
        let mut found: Vec<Finding> = spans
            .iter()
            .map(|(s, entity)| {
                let start = text.find(s).unwrap();
                Finding { start, end: start + s.len(), entity: *entity, detector: "ner", score: 0.9 }
            })
            .collect();
        shape(text, &mut found);
        found.iter().map(|f| (text[f.start..f.end].to_string(), f.entity)).collect()
    }

    #[test]
    fn a_time_after_a_name_is_not_the_name() {
        use Entity::*;
        let own = |v: &[(&str, Entity)]| v.iter().map(|(s, e)| (s.to_string(), *e)).collect::<Vec<_>>();
        assert_eq!(shaped("Jane Doe 10:10 Please find the roadmap", &[("Jane Doe 10:10", Person)]), own(&[("Jane Doe", Person)]));
        // Typed a place, the name still goes; the time stays.
        assert_eq!(shaped("Kwame Okafor 10:10 Please find", &[("Kwame Okafor 10:10", Location)]), own(&[("Kwame Okafor", Location)]));
        // The model cuts a time in two: `10` ends the name, `16` is a "place".
        assert_eq!(shaped("Chloe Rossi 10:16 mail me", &[("Chloe Rossi 10", Person), ("16", Location)]), own(&[("Chloe Rossi", Person)]));
        assert_eq!(shaped("at 9:05:30 Anna Berg said", &[("9:05:30 Anna Berg", Person)]), own(&[("Anna Berg", Person)]));
        // A number ends an address, never a name.
        assert_eq!(shaped("Jane Doe 42 replied", &[("Jane Doe 42", Person)]), own(&[("Jane Doe", Person)]));
        assert_eq!(shaped("near 74292 Lopez Viaduct Apt. 895?", &[("74292 Lopez Viaduct Apt. 895", Location)]), own(&[("74292 Lopez Viaduct Apt. 895", Location)]));
        assert_eq!(shaped("in Area 51 today", &[("Area 51", Location)]), own(&[("Area 51", Location)]));
        assert_eq!(shaped("user jdoe42 logged in", &[("jdoe42", Person)]), own(&[("jdoe42", Person)]));
        // An IPv6 address or a clock of 3 digits is no time of day.
        assert_eq!(shaped("Suite 2001:db8 Berlin", &[("Suite 2001:db8 Berlin", Location)]), own(&[("Suite 2001:db8 Berlin", Location)]));
    }

    #[test]
    fn a_name_ending_a_sentence_does_not_take_the_next_word() {
        use Entity::*;
        let own = |v: &[(&str, Entity)]| v.iter().map(|(s, e)| (s.to_string(), *e)).collect::<Vec<_>>();
        assert_eq!(shaped("Reported by Mei Nilsen. Design review: onboarding", &[("Mei Nilsen.", Person)]), own(&[("Mei Nilsen", Person)]));
        // An initial, a title or a degree keeps its dot (and a span goes on over a surname).
        assert_eq!(shaped("reviewed by Perry Moreno Jr. today", &[("Perry Moreno Jr.", Person)]), own(&[("Perry Moreno Jr.", Person)]));
        assert_eq!(shaped("Reported-by: Franziska Loos B.Sc. <x>", &[("Franziska Loos B.Sc.", Person)]), own(&[("Franziska Loos B.Sc.", Person)]));
        assert_eq!(shaped("Recipient Zsolt B. Szabó", &[("Zsolt B.", Person)]), own(&[("Zsolt B. Szabó", Person)]));
        // An organisation keeps its `S.A.` and its `of`.
        assert_eq!(shaped("Supplier: Grupa Fidos S.A.", &[("Grupa Fidos S.A.", Organization)]), own(&[("Grupa Fidos S.A.", Organization)]));
        assert_eq!(shaped("Hvalsø Chamber of Commerce | Contracts", &[("Hvalsø Chamber of", Person)]), own(&[("Hvalsø Chamber of Commerce", Person)]));
        // A place does not end with `and the`.
        let t = "residing at 73 Mill Road, Lyon, and the";
        assert_eq!(shaped(t, &[("73 Mill Road, Lyon, and the", Location)]), own(&[("73 Mill Road, Lyon", Location)]));
    }

    #[test]
    fn decodes_bio_to_word_spans() {
        // "met Anna Berg-Lind in Oslo": tokens met | anna | berg | - | lind | in | oslo
        let text = "met Anna Berg-Lind in Oslo";
        let offs = [(0, 3), (4, 8), (9, 13), (13, 14), (14, 18), (19, 21), (22, 26)];
        let probs = [p(0, 0.9), p(1, 0.9), p(2, 0.8), p(2, 0.7), p(2, 0.8), p(0, 0.9), p(3, 0.9)];
        let got = decode(text, &offs, &probs, &[0.5; 3]);
        let spans: Vec<_> = got.iter().map(|f| (&text[f.start..f.end], f.entity)).collect();
        assert_eq!(spans, vec![("Anna Berg-Lind", Entity::Person), ("Oslo", Entity::Location)]);
    }

    #[test]
    fn b_at_word_start_splits_and_subword_hits_grow_to_the_word() {
        let text = "Anna Bob Jonesson";
        // anna | bob | jones | ##son: B at "bob" starts a second person; only "##son" is a hit
        // in the last word but the whole word is taken.
        let offs = [(0, 4), (5, 8), (9, 14), (14, 17)];
        let probs = [p(1, 0.9), p(1, 0.9), p(0, 0.9), p(2, 0.6)];
        let got = decode(text, &offs, &probs, &[0.5; 3]);
        let spans: Vec<_> = got.iter().map(|f| &text[f.start..f.end]).collect();
        assert_eq!(spans, vec!["Anna", "Bob", "Jonesson"]);
    }

    #[test]
    fn line_breaks_split_and_punctuation_is_trimmed() {
        let text = "Anna Berg\nAcme Ltd, -";
        let offs = [(0, 4), (5, 9), (10, 14), (15, 18), (18, 19), (20, 21)];
        let probs = [p(1, 0.9), p(2, 0.9), p(2, 0.9), p(2, 0.9), p(2, 0.9), p(2, 0.9)];
        let got = decode(text, &offs, &probs, &[0.5; 3]);
        let spans: Vec<_> = got.iter().map(|f| &text[f.start..f.end]).collect();
        assert_eq!(spans, vec!["Anna Berg", "Acme Ltd"]);
    }

    #[test]
    fn a_continuation_of_another_type_joins_and_the_summed_type_wins() {
        // "Brightwater Logistics": B-LOC (0.5) then I-ORG (0.9): one span, ORGANIZATION.
        let text = "at Brightwater Logistics today";
        let offs = [(0, 2), (3, 14), (15, 24), (25, 30)];
        let probs = [p(0, 0.9), p(3, 0.5), p(6, 0.9), p(0, 0.9)];
        let got = decode(text, &offs, &probs, &[0.5; 3]);
        assert_eq!(got.len(), 1);
        assert_eq!((&text[got[0].start..got[0].end], got[0].entity), ("Brightwater Logistics", Entity::Organization));
        // A B of another type starts a new span.
        let probs = [p(0, 0.9), p(3, 0.9), p(5, 0.9), p(0, 0.9)];
        assert_eq!(decode(text, &offs, &probs, &[0.5; 3]).len(), 2);
    }

    #[test]
    fn thresholds_are_per_entity() {
        let text = "Oslo Acme";
        let offs = [(0, 4), (5, 9)];
        let probs = [p(3, 0.6), p(5, 0.6)];
        let got = decode(text, &offs, &probs, &[0.5, 0.7, 0.5]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].entity, Entity::Organization);
    }

    #[test]
    fn multibyte_words_grow_on_char_boundaries() {
        let text = "Jürgen Öberg";
        // a hit on the middle of "Öberg" only
        let offs = [(0, 7), (8, 10), (10, 13)];
        let probs = [p(0, 0.9), p(0, 0.9), p(2, 0.9)];
        let got = decode(text, &offs, &probs, &[0.5; 3]);
        assert_eq!(got.len(), 1);
        assert_eq!(&text[got[0].start..got[0].end], "Öberg");
    }

    #[test]
    fn windows_cover_every_token_once() {
        for (n, sessions) in (1usize..=2500).flat_map(|n| [1, 2, 3, 4].map(|s| (n, s))) {
            let ids: Vec<i64> = (0..n as i64).collect();
            let mut w = Vec::new();
            windows_of(0, &ids, sessions, &mut w);
            let mut covered = vec![0; n];
            for win in &w {
                assert!(win.ids.len() <= MAX_TOKENS - 2);
                assert!(win.keep.0 >= win.first && win.keep.1 <= win.first + win.ids.len());
                (win.keep.0..win.keep.1).for_each(|t| covered[t] += 1);
                assert_eq!(win.ids[0], win.first as i64);
            }
            assert!(covered.iter().all(|&c| c == 1), "n={n}: {covered:?}");
            // Neighbours overlap by OVERLAP or more, and a kept token is at least OVERLAP / 2
            // tokens from its window's cut edges (the text's own ends are no cut).
            for pair in w.windows(2) {
                assert!(pair[0].first + pair[0].ids.len() >= pair[1].first + OVERLAP, "n={n}");
            }
            for win in &w {
                let (lo, hi) = (win.first, win.first + win.ids.len());
                if lo > 0 {
                    assert!(win.keep.0 >= lo + OVERLAP / 2, "n={n}");
                }
                if hi < n {
                    assert!(win.keep.1 + OVERLAP / 2 <= hi, "n={n}");
                }
            }
            // The fewest windows, or a multiple of the sessions up to half as many again; all of
            // one length.
            let fewest = if n <= MAX_TOKENS - 2 { 1 } else { 1 + (n - (MAX_TOKENS - 2)).div_ceil(MAX_TOKENS - 2 - OVERLAP) };
            let rounded = fewest.next_multiple_of(sessions);
            let expect = if fewest > 1 && rounded - fewest <= fewest / 2 { rounded } else { fewest };
            assert_eq!(w.len(), expect, "n={n} sessions={sessions}");
            assert!(w.iter().all(|x| x.ids.len() == w[0].ids.len()), "n={n}");
        }
    }
}
