//! Reading and writing capture archives: a directory, or a `.tar` of it (gzip optional).
//!
//! Reading keeps only the paths `capture/1` defines (`meta.json`, `events.jsonl`, `frames/*`);
//! a tar may hold them at its top level or under one top-level folder. Writing produces the
//! same layout, as a directory or, when the output path ends in `.tar`/`.tar.gz`/`.tgz`, a tar.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Files larger than this inside an archive are not read (counted as a bad/missing image).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

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
    /// A tar read into memory, keyed by normalised path (`events.jsonl`, `frames/x.png`, ...).
    Mem(HashMap<String, Vec<u8>>),
}

/// A capture archive opened for reading.
pub struct ArchiveReader {
    path: PathBuf,
    source: Source,
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

impl ArchiveReader {
    pub fn open(path: &Path) -> Result<Self> {
        let io = |source| Error::InputIo { path: path.to_owned(), source };
        let md = std::fs::metadata(path).map_err(io)?;
        let source = if md.is_dir() {
            if !path.join("events.jsonl").is_file() {
                return Err(Error::NoEvents { path: path.to_owned() });
            }
            Source::Dir(path.to_owned())
        } else {
            let Some(gz) = is_tar_name(path) else {
                return Err(Error::UnknownArchiveType { path: path.to_owned() });
            };
            let file = File::open(path).map_err(io)?;
            let reader: Box<dyn Read> = if gz { Box::new(GzDecoder::new(file)) } else { Box::new(file) };
            let files = read_tar(reader).map_err(io)?;
            if !files.contains_key("events.jsonl") {
                return Err(Error::NoEvents { path: path.to_owned() });
            }
            Source::Mem(files)
        };
        Ok(ArchiveReader { path: path.to_owned(), source })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `meta.json`'s known fields; `None` when absent or unreadable (it is optional).
    pub fn meta(&self) -> Option<Meta> {
        let bytes = self.read_file("meta.json")?;
        serde_json::from_slice::<Meta>(&bytes).ok()
    }

    /// A reader over `events.jsonl`.
    pub fn events(&self) -> Result<Box<dyn BufRead + '_>> {
        match &self.source {
            Source::Dir(d) => {
                let f = File::open(d.join("events.jsonl"))
                    .map_err(|source| Error::InputIo { path: self.path.clone(), source })?;
                Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
            }
            Source::Mem(m) => Ok(Box::new(Cursor::new(m["events.jsonl"].as_slice()))),
        }
    }

    /// The bytes of a file named by a (validated) relative path, or `None` if it is missing,
    /// not a plain file, or larger than [`MAX_FILE_BYTES`].
    pub fn read_file(&self, rel: &str) -> Option<Vec<u8>> {
        match &self.source {
            Source::Dir(d) => {
                let p = d.join(rel);
                let md = std::fs::symlink_metadata(&p).ok()?;
                if !md.is_file() || md.len() > MAX_FILE_BYTES {
                    return None;
                }
                std::fs::read(p).ok()
            }
            Source::Mem(m) => m.get(rel).cloned(),
        }
    }
}

/// Reads the capture/1 files of a tar stream into memory.
fn read_tar(reader: impl Read) -> std::io::Result<HashMap<String, Vec<u8>>> {
    let mut ar = tar::Archive::new(reader);
    let mut raw: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in ar.entries()? {
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() || entry.size() > MAX_FILE_BYTES {
            continue;
        }
        let path = entry.path()?.to_string_lossy().replace('\\', "/");
        let path = path.trim_start_matches("./").to_string();
        let mut buf = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut buf)?;
        raw.push((path, buf));
    }
    // The archive's root is where events.jsonl lies: the top level, or one folder down.
    let prefix = raw
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| p.ends_with("events.jsonl") && p.matches('/').count() <= 1)
        .min_by_key(|p| p.len())
        .map(|p| p.trim_end_matches("events.jsonl").to_string())
        .unwrap_or_default();
    Ok(raw
        .into_iter()
        .filter_map(|(p, b)| {
            let rel = p.strip_prefix(&prefix)?.to_string();
            let keep = rel == "events.jsonl" || rel == "meta.json" || rel.starts_with("frames/");
            keep.then_some((rel, b))
        })
        .collect())
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
        assert!(r.read_file("frames/2.png").is_none());

        // Same files one folder down.
        let mut b = tar::Builder::new(Vec::new());
        for (p, d) in [("cap/events.jsonl", &b"{}\n"[..]), ("cap/frames/f.png", b"y"), ("other.txt", b"z")] {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, p, d).unwrap();
        }
        let bytes = b.into_inner().unwrap();
        let files = read_tar(Cursor::new(bytes)).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files["frames/f.png"], b"y");
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
