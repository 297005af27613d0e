//! The manifest of an output archive: the SHA-256 of every file in it (events, meta, report,
//! frames), so that the archive uploaded can be shown to be the one reviewed. Written in
//! `sha256sum` format (`<64 hex>  <path>`, sorted by path), so that a directory archive can
//! also be checked with `sha256sum -c` from inside it; its fingerprint is the first 16 hex
//! digits of the SHA-256 of that text, short enough for a person to compare.
//!
//! A manifest names layout files only ([`crate::capture::output::is_layout_name`]); parsing
//! refuses anything else, and a comparison never repeats a name that is not one.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::problem::{Problem, ProblemKind};
use crate::capture::output::is_layout_name;

/// File path -> SHA-256.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub files: BTreeMap<String, [u8; 32]>,
}

/// A manifest text that is not one (the line number, 1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("manifest line {line} is not `<64 hex digits>  <layout path>`; write manifests with `veil verify --write-manifest` or `veil review --write-manifest`")]
pub struct ManifestError {
    pub line: usize,
}

fn hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

impl Manifest {
    /// Adds a file's bytes.
    pub fn add(&mut self, name: &str, bytes: &[u8]) {
        self.files.insert(name.to_string(), Sha256::digest(bytes).into());
    }

    /// The `sha256sum` text.
    pub fn to_text(&self) -> String {
        self.files.iter().map(|(n, d)| format!("{}  {n}\n", hex(d))).collect()
    }

    /// First 16 hex digits of the SHA-256 of [`Manifest::to_text`].
    pub fn fingerprint(&self) -> String {
        let d: [u8; 32] = Sha256::digest(self.to_text().as_bytes()).into();
        hex(&d)[..16].to_string()
    }

    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let mut m = Manifest::default();
        for (i, line) in text.lines().enumerate() {
            let bad = || ManifestError { line: i + 1 };
            if line.is_empty() {
                continue;
            }
            let (h, name) = line.split_once("  ").ok_or_else(bad)?;
            if h.len() != 64 || !is_layout_name(name) || m.files.contains_key(name) {
                return Err(bad());
            }
            let mut d = [0u8; 32];
            for (k, byte) in d.iter_mut().enumerate() {
                *byte = u8::from_str_radix(h.get(2 * k..2 * k + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
            }
            m.files.insert(name.to_string(), d);
        }
        Ok(m)
    }

    /// Where this archive's manifest differs from the `reviewed` one: files changed, added or
    /// missing (paths are layout names: safe to show).
    pub fn compare(&self, reviewed: &Manifest) -> Vec<Problem> {
        let mut out = Vec::new();
        for (name, d) in &self.files {
            match reviewed.files.get(name) {
                Some(r) if r == d => {}
                Some(_) => out.push(Problem::new(ProblemKind::ManifestMismatch, format!("{name} (changed since review)"))),
                None => out.push(Problem::new(ProblemKind::ManifestMismatch, format!("{name} (not in the reviewed archive)"))),
            }
        }
        for name in reviewed.files.keys().filter(|n| !self.files.contains_key(*n)) {
            out.push(Problem::new(ProblemKind::ManifestMismatch, format!("{name} (reviewed, now missing)")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_compares() {
        let mut m = Manifest::default();
        m.add("events.jsonl", b"{}\n");
        m.add("frames/00000002.png", b"png");
        let text = m.to_text();
        assert!(text.starts_with("ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356  events.jsonl\n"), "{text}");
        let back = Manifest::parse(&text).unwrap();
        assert_eq!(back, m);
        assert!(m.compare(&back).is_empty());
        assert_eq!(m.fingerprint().len(), 16);

        let mut swapped = m.clone();
        swapped.add("frames/00000002.png", b"other");
        swapped.add("report.json", b"{}");
        swapped.files.remove("events.jsonl");
        let kinds: Vec<String> = swapped.compare(&m).into_iter().map(|p| p.location).collect();
        assert_eq!(kinds, ["frames/00000002.png (changed since review)", "report.json (not in the reviewed archive)", "events.jsonl (reviewed, now missing)"]);
        assert_ne!(swapped.fingerprint(), m.fingerprint());
    }

    #[test]
    fn foreign_lines_are_refused() {
        let h = "0".repeat(64);
        assert_eq!(Manifest::parse(&format!("{h}  notes.txt\n")), Err(ManifestError { line: 1 }));
        assert_eq!(Manifest::parse(&format!("{h}  events.jsonl\nxyz  meta.json\n")), Err(ManifestError { line: 2 }));
        assert_eq!(Manifest::parse(&format!("{h}  events.jsonl\n{h}  events.jsonl\n")), Err(ManifestError { line: 2 }));
        assert!(Manifest::parse(&format!("{}  events.jsonl\n", "é".repeat(32))).is_err(), "no panic on multi-byte digits");
    }
}
