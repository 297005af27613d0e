//! An output archive read back whole, as it would be uploaded: every entry listed (files,
//! folders, links, anything), the files of the output layout (`events.jsonl`, `meta.json`,
//! `report.json`, `frames/<engine-made name>`) readable by name. What checks and shows an
//! archive before upload ([`crate::verify`], [`crate::review`]) reads it through this, so both
//! see the same bytes.
//!
//! Like [`super::ArchiveReader`] it reads hostile input: links are never followed, a tar is
//! streamed to a private spool (layout files only; the rest is listed, never written), every
//! entry is capped. Unlike it, it hides nothing: an entry outside the layout is listed (by its
//! index, never its name, which could be anything) so that a check can refuse it. It never
//! names an entry outside the layout, in an error or anywhere else.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use flate2::read::GzDecoder;

use super::archive::{is_tar_name, scrub, Capped, ReadLimits};
use crate::error::{Error, Result};

/// The files an output archive may hold besides its frames.
pub const LAYOUT_FILES: [&str; 3] = ["events.jsonl", "meta.json", "report.json"];

/// Is `name` a path the engine writes into an output archive?
pub fn is_layout_name(name: &str) -> bool {
    LAYOUT_FILES.contains(&name) || crate::screenshot::is_frame_name(name)
}

/// What an entry is on disk or in the tar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    /// A symbolic or hard link: never followed.
    Link,
    /// A device, a fifo, anything else.
    Other,
}

/// One entry of the archive, in the order met.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its path when it is one the output layout names (a plain file) or the `frames` folder;
    /// `None` otherwise (its name is not repeated anywhere).
    pub name: Option<String>,
    pub kind: EntryKind,
    /// Larger than the entry limit: listed, not read.
    pub too_large: bool,
    /// The same layout name met before in this tar (extraction would keep only one).
    pub duplicate: bool,
}

enum Source {
    Dir(PathBuf),
    Spool { _dir: tempfile::TempDir, files: HashMap<String, PathBuf> },
}

/// An output archive opened for checking.
pub struct OutputArchive {
    path: PathBuf,
    source: Source,
    entries: Vec<Entry>,
    limits: ReadLimits,
    /// A tar stream cut short at `max_archive_bytes`.
    pub truncated: bool,
}

impl OutputArchive {
    pub fn open(path: &Path, limits: ReadLimits) -> Result<Self> {
        let io = |source| Error::InputIo { path: path.to_owned(), source };
        let md = std::fs::metadata(path).map_err(io)?;
        let mut entries = Vec::new();
        let (source, truncated) = if md.is_dir() {
            walk(path, "", &mut entries, &limits).map_err(|e| io(scrub(e)))?;
            (Source::Dir(path.to_owned()), false)
        } else {
            let Some(gz) = is_tar_name(path) else {
                return Err(Error::UnknownArchiveType { path: path.to_owned() });
            };
            let file = File::open(path).map_err(io)?;
            let reader: Box<dyn Read> = if gz { Box::new(GzDecoder::new(file)) } else { Box::new(file) };
            let (dir, files, truncated) = spool(reader, &limits, &mut entries).map_err(|e| io(scrub(e)))?;
            (Source::Spool { _dir: dir, files }, truncated)
        };
        Ok(OutputArchive { path: path.to_owned(), source, entries, limits, truncated })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry, in the order met (a folder walk is sorted by name).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Is a layout file present (a plain file, read or readable)?
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.kind == EntryKind::File && !e.too_large && e.name.as_deref() == Some(name))
    }

    /// The layout files present, in entry order (each once).
    pub fn files(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::File && !e.too_large)
            .filter_map(|e| e.name.as_deref())
            .filter(|n| is_layout_name(n) && seen.insert(*n))
            .collect()
    }

    /// The bytes of a layout file; `None` when absent, not a plain file or over the limit.
    pub fn read(&self, name: &str) -> Option<Vec<u8>> {
        if !self.has(name) {
            return None;
        }
        let file = match &self.source {
            Source::Dir(d) => d.join(name),
            Source::Spool { files, .. } => files.get(name)?.clone(),
        };
        // Re-checked at read time: a link swapped in after the walk is not followed.
        if std::fs::symlink_metadata(&file).ok().is_none_or(|m| !m.is_file()) {
            return None;
        }
        let mut buf = Vec::new();
        File::open(file).ok()?.take(self.limits.max_entry_bytes + 1).read_to_end(&mut buf).ok()?;
        (buf.len() as u64 <= self.limits.max_entry_bytes).then_some(buf)
    }
}

/// Lists a folder: sorted by name, links never followed; only `frames/` is entered (any other
/// folder is one entry, listed and not entered).
fn walk(root: &Path, rel: &str, out: &mut Vec<Entry>, limits: &ReadLimits) -> std::io::Result<()> {
    let dir = if rel.is_empty() { root.to_path_buf() } else { root.join(rel) };
    let mut names: Vec<_> = std::fs::read_dir(&dir)?.map(|e| e.map(|e| e.file_name())).collect::<std::io::Result<_>>()?;
    names.sort();
    for name in names {
        let Some(name) = name.to_str().map(str::to_owned) else {
            out.push(Entry { name: None, kind: EntryKind::Other, too_large: false, duplicate: false });
            continue;
        };
        let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        let md = std::fs::symlink_metadata(dir.join(&name))?;
        let ft = md.file_type();
        let kind = if ft.is_symlink() {
            EntryKind::Link
        } else if ft.is_dir() {
            EntryKind::Dir
        } else if ft.is_file() {
            EntryKind::File
        } else {
            EntryKind::Other
        };
        let known = match kind {
            EntryKind::File => is_layout_name(&path),
            EntryKind::Dir => path == "frames",
            _ => false,
        };
        out.push(Entry { name: known.then(|| path.clone()), kind, too_large: kind == EntryKind::File && md.len() > limits.max_entry_bytes, duplicate: false });
        if known && kind == EntryKind::Dir {
            walk(root, &path, out, limits)?;
        }
    }
    Ok(())
}

/// Streams a tar: every entry listed; layout files spooled (each to a file named by its
/// index), the rest skipped unread.
fn spool(reader: impl Read, limits: &ReadLimits, out: &mut Vec<Entry>) -> std::io::Result<(tempfile::TempDir, HashMap<String, PathBuf>, bool)> {
    let dir = tempfile::Builder::new().prefix("veil-check-").tempdir()?;
    let mut ar = tar::Archive::new(Capped { inner: reader, left: limits.max_archive_bytes });
    let mut files: HashMap<String, PathBuf> = HashMap::new();
    let mut truncated = false;
    for entry in ar.entries()? {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                truncated = true;
                break;
            }
            Err(e) => return Err(e),
        };
        let t = entry.header().entry_type();
        let kind = if t.is_file() {
            EntryKind::File
        } else if t.is_dir() {
            EntryKind::Dir
        } else if t.is_symlink() || t.is_hard_link() {
            EntryKind::Link
        } else {
            EntryKind::Other
        };
        // Only plain relative paths can be layout names (`./x` is `x`).
        let path = entry.path().ok().and_then(|p| {
            let mut parts = Vec::new();
            for c in p.components() {
                match c {
                    Component::Normal(s) => parts.push(s.to_str()?.to_owned()),
                    Component::CurDir => {}
                    _ => return None,
                }
            }
            Some(parts.join("/"))
        });
        let known = match (kind, path.as_deref()) {
            (EntryKind::File, Some(p)) => is_layout_name(p),
            (EntryKind::Dir, Some(p)) => p == "frames",
            _ => false,
        };
        let name = path.filter(|_| known);
        let duplicate = kind == EntryKind::File && name.as_ref().is_some_and(|n| files.contains_key(n) || out.iter().any(|e| e.name.as_ref() == Some(n)));
        let too_large = kind == EntryKind::File && entry.size() > limits.max_entry_bytes;
        if let (Some(n), EntryKind::File, false, false) = (&name, kind, too_large, duplicate) {
            let file = dir.path().join(out.len().to_string());
            let mut f = File::create(&file)?;
            match std::io::copy(&mut (&mut entry).take(limits.max_entry_bytes + 1), &mut f) {
                Ok(_) => {
                    files.insert(n.clone(), file);
                }
                Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                    truncated = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        out.push(Entry { name, kind, too_large, duplicate });
    }
    Ok((dir, files, truncated))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (p, d) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, p, *d).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn every_entry_is_listed_and_only_layout_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("a.tar");
        std::fs::write(&t, tar_of(&[("events.jsonl", b"{}\n"), ("frames/00000001.png", b"p"), ("notes.txt", b"x"), ("frames/1.png", b"q"), ("events.jsonl", b"swapped")])).unwrap();
        let a = OutputArchive::open(&t, ReadLimits::default()).unwrap();
        let names: Vec<Option<&str>> = a.entries().iter().map(|e| e.name.as_deref()).collect();
        assert_eq!(names, [Some("events.jsonl"), Some("frames/00000001.png"), None, None, Some("events.jsonl")]);
        assert!(a.entries()[4].duplicate, "a second events.jsonl is a duplicate");
        assert_eq!(a.read("events.jsonl").unwrap(), b"{}\n", "the first one is what was spooled");
        assert_eq!(a.files(), ["events.jsonl", "frames/00000001.png"]);
        assert!(a.read("notes.txt").is_none());
    }

    #[test]
    fn folders_are_walked_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join("frames")).unwrap();
        std::fs::create_dir_all(out.join("extra")).unwrap();
        std::fs::write(out.join("events.jsonl"), b"").unwrap();
        std::fs::write(out.join("extra/x"), b"").unwrap();
        std::fs::write(dir.path().join("secret.png"), b"s").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.png"), out.join("frames/00000001.png")).unwrap();
        let a = OutputArchive::open(&out, ReadLimits::default()).unwrap();
        let kinds: Vec<(Option<&str>, EntryKind)> = a.entries().iter().map(|e| (e.name.as_deref(), e.kind)).collect();
        assert_eq!(kinds, [(Some("events.jsonl"), EntryKind::File), (None, EntryKind::Dir), (Some("frames"), EntryKind::Dir), (None, EntryKind::Link)]);
        assert!(a.read("frames/00000001.png").is_none(), "a link is never read");
    }
}
