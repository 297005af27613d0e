//! Whole archives: read and parse `events.jsonl`, run the batch, write the redacted archive
//! with its report.

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use crate::capture::archive::{read_line_bounded, LineRead};
use crate::capture::{parse_line_full, ArchiveReader, ArchiveWriter, DropReason, Parsed, Protective, ReadLimits};
use crate::error::{Error, Result};
use crate::report::Report;

use super::{ms, Engine, FrameIo, Record, RunOptions};

impl Engine {
    /// Reads an archive, redacts it, and writes the redacted archive (with `report.json`).
    /// Never panics: an internal error outside any one event is an `Err`.
    pub fn redact_archive(&self, input: &Path, output: &Path, opts: &RunOptions) -> Result<Report> {
        crate::guard::catch(|| self.redact_archive_inner(input, output, opts)).unwrap_or(Err(Error::Internal { what: "archive run" }))
    }

    fn redact_archive_inner(&self, input: &Path, output: &Path, opts: &RunOptions) -> Result<Report> {
        let t0 = Instant::now();
        if let (Ok(a), Ok(b)) = (input.canonicalize(), output.canonicalize()) {
            if a == b || b.starts_with(&a) {
                return Err(Error::OutputIo { path: output.to_owned(), source: std::io::Error::other("output would be inside the input") });
            }
        }
        let l = &self.policy.file.limits;
        let reader = ArchiveReader::open_with(input, ReadLimits { max_entry_bytes: l.max_entry_bytes, max_archive_bytes: l.max_archive_bytes })?;
        let records = read_records(&reader, self.policy.file.limits.max_line_bytes)?;
        opts.start(records.len() as u64);
        let read_ms = ms(t0);
        let writer = ArchiveWriter::create(output, opts.force)?;
        let io = ArchiveFrames { reader: &reader, writer: Mutex::new(writer) };
        let (events, mut report) = self.redact_batch(records, &io, &|n| opts.tick(n))?;
        let t = Instant::now();
        let mut writer = io.writer.into_inner().expect("no panics while held");
        let mut jsonl = Vec::with_capacity(events.len() * 96);
        for ev in &events {
            serde_json::to_writer(&mut jsonl, ev).expect("events serialise");
            jsonl.push(b'\n');
        }
        writer.write_file("events.jsonl", &jsonl)?;
        let mut meta = reader.meta().unwrap_or_default();
        meta.format = Some("capture/1".into());
        meta.client = meta.client.and_then(|c| self.sanitise_client(&c));
        writer.write_file("meta.json", &serde_json::to_vec_pretty(&meta).expect("meta serialises"))?;
        report.timings.read_parse_ms = read_ms;
        report.timings.write_ms = ms(t);
        report.timings.total_ms = ms(t0);
        writer.write_file("report.json", &serde_json::to_vec_pretty(&report).expect("report serialises"))?;
        writer.finish()?;
        Ok(report)
    }
}

/// One line as read: its bytes, or why it was dropped and what it may have meant.
type RawLine = Result<Vec<u8>, (DropReason, Protective)>;

/// Reads and parses every line of `events.jsonl` (parsing in parallel).
pub fn read_records(reader: &ArchiveReader, max_line: usize) -> Result<Vec<Record>> {
    let mut raw: Vec<(usize, RawLine)> = Vec::new();
    let mut r = reader.events()?;
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        let status = read_line_bounded(&mut *r, max_line, &mut buf).map_err(|source| Error::InputIo { path: reader.path().to_owned(), source })?;
        line += 1;
        match status {
            LineRead::Eof => break,
            LineRead::TooLong => raw.push((line, Err((DropReason::LineTooLong, Protective::sniff(&buf))))),
            LineRead::Line if buf.iter().all(u8::is_ascii_whitespace) => {}
            LineRead::Line => raw.push((line, Ok(std::mem::take(&mut buf)))),
        }
    }
    Ok(raw
        .into_par_iter()
        .map(|(line, r)| match r.and_then(|b| parse_guarded(&b)) {
            Ok(parsed) => Record::Event { line, parsed },
            Err((reason, protect)) => Record::Bad { line, reason, protect },
        })
        .collect())
}

struct ArchiveFrames<'a> {
    reader: &'a ArchiveReader,
    writer: Mutex<ArchiveWriter>,
}

impl FrameIo for ArchiveFrames<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.reader.read_file(path).ok()
    }
    fn read_checked(&self, path: &str) -> std::result::Result<Vec<u8>, DropReason> {
        self.reader.read_file(path)
    }
    fn write(&self, path: &str, bytes: Vec<u8>) -> Result<()> {
        self.writer.lock().expect("no panics while held").write_file(path, &bytes)
    }
}

/// [`parse_line_full`] under the panic guard: a parser bug drops the line, and (its meaning
/// unknown) it is taken as the most protective line there is.
pub(crate) fn parse_guarded(bytes: &[u8]) -> Result<Parsed, (DropReason, Protective)> {
    crate::guard::catch(|| parse_line_full(bytes))
        .unwrap_or(Err((DropReason::InternalError, Protective { leave_scope: true, pause: true, forget_all: true })))
}
