//! Pieces of known values in a text: runs of `min`+ characters (case-insensitive) that also
//! occur inside a value found elsewhere in the stream, such as an IME composition or an
//! autocomplete prefix (`jane.doe@example.c`) of an address typed key by key.
//!
//! A detector of its own (`join`): it finds only what another detector found first, and never
//! keeps a value beyond the call.

use std::collections::HashMap;

use super::{Entity, Finding};

/// Findings for the runs of `min`+ characters of `text` that are pieces of one of `values`.
/// Spans are byte spans on char boundaries, disjoint and sorted.
pub fn find(text: &str, values: &[(String, Entity)], min: usize) -> Vec<Finding> {
    let min = min.max(1);
    let mut grams: HashMap<Vec<char>, Entity> = HashMap::new();
    for (v, e) in values {
        let cs: Vec<char> = v.chars().flat_map(char::to_lowercase).collect();
        for w in cs.windows(min) {
            grams.entry(w.to_vec()).or_insert(*e);
        }
    }
    if grams.is_empty() {
        return Vec::new();
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let lower: Vec<char> = chars.iter().map(|&(_, c)| c.to_lowercase().next().unwrap_or(c)).collect();
    let mut out: Vec<Finding> = Vec::new();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    for i in 0..lower.len().saturating_sub(min - 1) {
        let Some(&entity) = grams.get(&lower[i..i + min]) else { continue };
        let (s, e) = (chars[i].0, end_of(i + min));
        match out.last_mut() {
            Some(last) if last.end >= s => last.end = e,
            _ => out.push(Finding { start: s, end: e, entity, detector: "join", score: 0.9 }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_pieces_are_found() {
        let values = vec![("jane.doe@example.com".to_string(), Entity::EmailAddress)];
        let f = find("composing: Jane.Doe@Example.c", &values, 4);
        assert_eq!(f.len(), 1);
        assert_eq!(&"composing: Jane.Doe@Example.c"[f[0].start..f[0].end], "Jane.Doe@Example.c");
        assert!(find("a plain sentence", &values, 4).is_empty());
        assert!(find("exa", &values, 4).is_empty(), "shorter than min");
        let f = find("é jane.doe👍", &values, 4);
        assert_eq!(&"é jane.doe👍"[f[0].start..f[0].end], "jane.doe");
    }
}
