//! Reading and writing capture archives: a directory, or a `.tar` of it (gzip optional).
//!
//! Reading keeps only the paths `capture/1` defines (`meta.json`, `events.jsonl`, `frames/*`);
//! a tar may hold them at its top level or under one top-level folder. A tar is read as a
//! stream: entries the format does not name are skipped unread, the ones it names are spooled
//! to a private temporary directory (never held all in memory), each capped at
//! [`ReadLimits::max_entry_bytes`] and all of them (skipped ones included: a gzip bomb is
//! bytes too) at [`ReadLimits::max_archive_bytes`]. Links are never followed, in a tar or in
//! a directory. Errors never name an entry of the archive (its names are captured data).
//! Writing produces the same layout, as a directory or, when the output path ends in
//! `.tar`/`.tar.gz`/`.tgz`, a tar.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};

use crate::capture::parse::DropReason;
use crate::error::{Error, Result};

/// Size limits on reading an archive (`[limits]` in the policy).
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// A larger file (a frame, `events.jsonl`) is not read: a frame naming it is dropped as
    /// `too_large`.
    pub max_entry_bytes: u64,
    /// A tar stream is read no further than this many (uncompressed) bytes.
    pub max_archive_bytes: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits { max_entry_bytes: 256 << 20, max_archive_bytes: 8 << 30 }
    }
}

/// The known fields of `meta.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<[u32; 2]>,
}

enum Source {
    Dir(PathBuf),
    /// A tar spooled to a private directory: archive path -> spooled file.
    Spool { _dir: tempfile::TempDir, files: HashMap<String, PathBuf>, too_large: HashSet<String>, truncated: bool },
}

/// A capture archive opened for reading.
pub struct ArchiveReader {
    path: PathBuf,
    source: Source,
    limits: ReadLimits,
}

/// The kind of archive a path names, judged by what it is on disk or by its name.
fn is_tar_name(p: &Path) -> Option<bool> {
    let name = p.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        Some(true)
    } else if name.ends_with(".tar") {
        Some(false)
    } else {
        None
    }
}

/// An IO error stripped of its message (which, for tar data, can quote an entry's name),
/// keeping its kind.
fn scrub(e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("unreadable archive data ({}; entry names withheld)", e.kind()))
}

impl ArchiveReader {
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, ReadLimits::default())
    }

    pub fn open_with(path: &Path, limits: ReadLimits) -> Result<Self> {
        let io = |source| Error::InputIo { path: path.to_owned(), source };
        let md = std::fs::metadata(path).map_err(io)?;
        let source = if md.is_dir() {
            if !plain_file(path, "events.jsonl") {
                return Err(Error::NoEvents { path: path.to_owned() });
            }
            Source::Dir(path.to_owned())
        } else {
            let Some(gz) = is_tar_name(path) else {
                return Err(Error::UnknownArchiveType { path: path.to_owned() });
            };
            let file = File::open(path).map_err(io)?;
            let reader: Box<dyn Read> = if gz { Box::new(GzDecoder::new(file)) } else { Box::new(file) };
            let spool = spool_tar(reader, &limits).map_err(|e| io(scrub(e)))?;
            if spool.too_large.contains("events.jsonl") {
                return Err(Error::InputTooLarge { path: path.to_owned() });
            }
            if !spool.files.contains_key("events.jsonl") {
                return Err(if spool.truncated { Error::InputTooLarge { path: path.to_owned() } } else { Error::NoEvents { path: path.to_owned() } });
            }
            Source::Spool { _dir: spool.dir, files: spool.files, too_large: spool.too_large, truncated: spool.truncated }
        };
        Ok(ArchiveReader { path: path.to_owned(), source, limits })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `meta.json`'s known fields; `None` when absent or unreadable (it is optional).
    pub fn meta(&self) -> Option<Meta> {
        let bytes = self.read_file("meta.json").ok()?;
        serde_json::from_slice::<Meta>(&bytes).ok()
    }

    /// A reader over `events.jsonl`.
    pub fn events(&self) -> Result<Box<dyn BufRead + '_>> {
        let file = match &self.source {
            Source::Dir(d) => d.join("events.jsonl"),
            Source::Spool { files, .. } => files["events.jsonl"].clone(),
        };
        let f = File::open(file).map_err(|source| Error::InputIo { path: self.path.clone(), source: scrub(source) })?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
    }

    /// The bytes of a file named by a (validated) relative path: `MissingImage` when it is
    /// absent, a link or not a plain file; `TooLarge` when over the entry limit.
    pub fn read_file(&self, rel: &str) -> std::result::Result<Vec<u8>, DropReason> {
        let file = match &self.source {
            Source::Dir(d) => {
                if !plain_file(d, rel) {
                    return Err(DropReason::MissingImage);
                }
                d.join(rel)
            }
            Source::Spool { files, too_large, truncated, .. } => match files.get(rel) {
                Some(f) => f.clone(),
                None if too_large.contains(rel) || *truncated => return Err(DropReason::TooLarge),
                None => return Err(DropReason::MissingImage),
            },
        };
        let f = File::open(file).map_err(|_| DropReason::MissingImage)?;
        let mut buf = Vec::new();
        f.take(self.limits.max_entry_bytes + 1).read_to_end(&mut buf).map_err(|_| DropReason::MissingImage)?;
        if buf.len() as u64 > self.limits.max_entry_bytes {
            return Err(DropReason::TooLarge);
        }
        Ok(buf)
    }
}

/// Is `root/rel` a plain file reached through no link at all (every component checked, the
/// root's own path excepted: the user chose it)?
fn plain_file(root: &Path, rel: &str) -> bool {
    let mut p = root.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() || *part == "." || *part == ".." {
            return false;
        }
        p.push(part);
        let Ok(md) = std::fs::symlink_metadata(&p) else { return false };
        let last = i + 1 == parts.len();
        if md.file_type().is_symlink() || (last && !md.is_file()) || (!last && !md.is_dir()) {
            return false;
        }
    }
    true
}

struct Spool {
    dir: tempfile::TempDir,
    files: HashMap<String, PathBuf>,
    too_large: HashSet<String>,
    truncated: bool,
}

/// Counts the bytes read through it and fails past a limit.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, "archive larger than max_archive_bytes"));
        }
        let n = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// Where an entry would sit in the capture layout, if the archive's root is the top level
/// (`top`) or its first folder (`nested`).
fn layout_names(path: &str) -> (Option<String>, Option<String>) {
    let known = |rel: &str| rel == "events.jsonl" || rel == "meta.json" || crate::capture::parse::is_safe_image_path(rel);
    let top = known(path).then(|| path.to_string());
    let nested = path.split_once('/').map(|(_, rest)| rest).filter(|r| known(r)).map(str::to_string);
    (top, nested)
}

/// Streams a tar: entries the layout can name are spooled (each to a file named by its index,
/// never by its name), the rest skipped unread.
fn spool_tar(reader: impl Read, limits: &ReadLimits) -> std::io::Result<Spool> {
    let dir = tempfile::Builder::new().prefix("veil-spool-").tempdir()?;
    let mut ar = tar::Archive::new(Capped { inner: reader, left: limits.max_archive_bytes });
    // Normalised entry path -> spooled file; entries over the limit.
    let mut raw: HashMap<String, PathBuf> = HashMap::new();
    let mut big: HashSet<String> = HashSet::new();
    let mut truncated = false;
    let entries = ar.entries()?;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                truncated = true;
                break;
            }
            Err(e) => return Err(e),
        };
        if !entry.header().entry_type().is_file() {
            continue; // links, directories, devices: never followed, never read
        }
        let Ok(p) = entry.path() else { continue };
        let mut parts = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::CurDir => {}
                _ => {
                    parts.clear();
                    break; // absolute or `..`: not part of the layout
                }
            }
        }
        let path = parts.join("/");
        let (top, nested) = layout_names(&path);
        if top.is_none() && nested.is_none() {
            continue; // skipped unread
        }
        if entry.size() > limits.max_entry_bytes {
            big.insert(path);
            continue;
        }
        let file = dir.path().join(raw.len().to_string());
        let mut out = File::create(&file)?;
        match std::io::copy(&mut (&mut entry).take(limits.max_entry_bytes + 1), &mut out) {
            Ok(n) if n > limits.max_entry_bytes => {
                big.insert(path);
                continue;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                truncated = true;
                break;
            }
            Err(e) => return Err(e),
        }
        raw.insert(path, file);
    }
    // The archive's root is where events.jsonl lies: the top level, or one folder down.
    let prefix = raw
        .keys()
        .chain(big.iter())
        .filter(|p| p.ends_with("events.jsonl") && p.matches('/').count() <= 1)
        .min_by_key(|p| p.len())
        .map(|p| p.trim_end_matches("events.jsonl").to_string())
        .unwrap_or_default();
    let under = |p: &str| p.strip_prefix(prefix.as_str()).filter(|r| layout_names(r).0.is_some()).map(str::to_string);
    let files = raw.iter().filter_map(|(p, f)| Some((under(p)?, f.clone()))).collect();
    let too_large = big.iter().filter_map(|p| under(p)).collect();
    Ok(Spool { dir, files, too_large, truncated })
}

/// One line from [`read_line_bounded`].
#[derive(Debug, PartialEq, Eq)]
pub enum LineRead {
    Line,
    TooLong,
    Eof,
}

/// How much of an over-long line is kept, so that what it claimed to be can still be read.
pub const LINE_HEAD: usize = 4096;

/// Reads one `\n`-terminated line into `buf` (without the newline), never holding more than
/// `max` bytes: a longer line is skipped to its end and reported as [`LineRead::TooLong`], with
/// `buf` holding its first [`LINE_HEAD`] bytes (at most).
pub fn read_line_bounded(r: &mut dyn BufRead, max: usize, buf: &mut Vec<u8>) -> std::io::Result<LineRead> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], Some(i + 1)),
            None => (avail, None),
        };
        if !too_long {
            if buf.len() + chunk.len() > max {
                too_long = true;
                let room = LINE_HEAD.min(max).saturating_sub(buf.len());
                buf.extend_from_slice(&chunk[..room.min(chunk.len())]);
                buf.truncate(LINE_HEAD.min(max));
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let consumed = done.unwrap_or(avail.len());
        r.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(LineRead::Eof);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(if too_long { LineRead::TooLong } else { LineRead::Line })
}

enum Sink {
    Dir(PathBuf),
    Tar(tar::Builder<Box<dyn Write + Send>>),
}

/// An output archive being written.
pub struct ArchiveWriter {
    path: PathBuf,
    sink: Sink,
}

impl ArchiveWriter {
    /// Creates the output. A directory must not exist or be empty unless `force`.
    pub fn create(path: &Path, force: bool) -> Result<Self> {
        let io = |source| Error::OutputIo { path: path.to_owned(), source };
        let sink = match is_tar_name(path) {
            Some(gz) => {
                if path.exists() && !force {
                    return Err(Error::OutputExists { path: path.to_owned() });
                }
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let f = File::create(path).map_err(io)?;
                let w: Box<dyn Write + Send> = if gz {
                    Box::new(flate2::write::GzEncoder::new(f, flate2::Compression::default()))
                } else {
                    Box::new(std::io::BufWriter::new(f))
                };
                let mut b = tar::Builder::new(w);
                b.mode(tar::HeaderMode::Deterministic);
                Sink::Tar(b)
            }
            None => {
                if path.exists() {
                    let non_empty = std::fs::read_dir(path).map_err(io)?.next().is_some();
                    if non_empty && !force {
                        return Err(Error::OutputExists { path: path.to_owned() });
                    }
                    if non_empty {
                        for sub in ["events.jsonl", "meta.json", "report.json"] {
                            let _ = std::fs::remove_file(path.join(sub));
                        }
                        let _ = std::fs::remove_dir_all(path.join("frames"));
                    }
                }
                std::fs::create_dir_all(path.join("frames")).map_err(io)?;
                Sink::Dir(path.to_owned())
            }
        };
        Ok(ArchiveWriter { path: path.to_owned(), sink })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one file at a relative path (already validated by the parser).
    pub fn write_file(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let io = |source| Error::OutputIo { path: self.path.clone(), source };
        match &mut self.sink {
            Sink::Dir(d) => {
                let p = d.join(rel);
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                std::fs::write(p, bytes).map_err(io)
            }
            Sink::Tar(b) => {
                let mut h = tar::Header::new_gnu();
                h.set_size(bytes.len() as u64);
                h.set_mode(0o644);
                h.set_entry_type(tar::EntryType::Regular);
                b.append_data(&mut h, rel, bytes).map_err(io)
            }
        }
    }

    pub fn finish(self) -> Result<()> {
        let path = self.path;
        match self.sink {
            Sink::Dir(_) => Ok(()),
            Sink::Tar(b) => {
                let mut w = b.into_inner().map_err(|source| Error::OutputIo { path: path.clone(), source })?;
                w.flush().map_err(|source| Error::OutputIo { path, source })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn lines(input: &[u8], max: usize) -> Vec<(LineRead, Vec<u8>)> {
        let mut r = Cursor::new(input);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        loop {
            let l = read_line_bounded(&mut r, max, &mut buf).unwrap();
            if l == LineRead::Eof {
                return out;
            }
            out.push((l, buf.clone()));
        }
    }

    #[test]
    fn bounded_lines() {
        let got = lines(b"ab\r\ncdefgh\nij", 4);
        assert_eq!(got[0], (LineRead::Line, b"ab".to_vec()));
        assert_eq!(got[1].0, LineRead::TooLong);
        assert_eq!(got[1].1, b"cdef", "the head is kept, up to the limit");
        assert_eq!(got[2], (LineRead::Line, b"ij".to_vec()));
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn tar_roundtrip_with_top_folder() {
        let dir = tempfile::tempdir().unwrap();
        let tar_path = dir.path().join("a.tar.gz");
        let mut w = ArchiveWriter::create(&tar_path, false).unwrap();
        w.write_file("events.jsonl", b"{}\n").unwrap();
        w.write_file("frames/1.png", b"x").unwrap();
        w.finish().unwrap();
        let r = ArchiveReader::open(&tar_path).unwrap();
        assert_eq!(r.read_file("frames/1.png").unwrap(), b"x");
        assert_eq!(r.read_file("frames/2.png"), Err(DropReason::MissingImage));

        // Same files one folder down.
        let mut b = tar::Builder::new(Vec::new());
        for (p, d) in [("cap/events.jsonl", &b"{}\n"[..]), ("cap/frames/f.png", b"y"), ("other.txt", b"z")] {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, p, d).unwrap();
        }
        let bytes = b.into_inner().unwrap();
        let spool = spool_tar(Cursor::new(bytes), &ReadLimits::default()).unwrap();
        assert_eq!(spool.files.len(), 2);
        assert_eq!(std::fs::read(&spool.files["frames/f.png"]).unwrap(), b"y");
    }

    #[test]
    fn missing_events_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(ArchiveReader::open(dir.path()), Err(Error::NoEvents { .. })));
        let f = dir.path().join("x.zip");
        std::fs::write(&f, b"").unwrap();
        assert!(matches!(ArchiveReader::open(&f), Err(Error::UnknownArchiveType { .. })));
    }
}
