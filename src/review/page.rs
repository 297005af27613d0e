//! Writes the review page: a static head (a Content-Security-Policy that allows no network
//! and only this page's own script and style, by hash), each frame's bytes as base64 in an
//! inert `<script type="text/plain">` element (decoded by the page only when its frame is
//! shown, so a large archive stays responsive), the data as JSON in an inert element, and the
//! page's script (`review.js`), which puts every archive string into the DOM as text only.
//!
//! It must never write an archive string into the HTML outside the escaped JSON, and streams
//! frames to the file one at a time (memory stays bounded by one frame).

use std::io::{BufWriter, Write};
use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::{PageData, PageParts, ReviewOptions, ReviewSummary};
use crate::error::{Error, Result};

const CSS: &str = include_str!("review.css");
const JS: &str = include_str!("review.js");

fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes())))
}

/// JSON safe inside a `<script>` element: no `<`, `>` or `&` (so no `</script>` or `<!--`),
/// no line separators.
pub(super) fn script_json<T: serde::Serialize>(v: &T) -> String {
    let s = serde_json::to_string(v).expect("page data serialises");
    s.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026").replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}

fn mime_of(bytes: &[u8]) -> (&'static str, u32, u32) {
    let r = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format();
    let Ok(r) = r else { return ("", 0, 0) };
    let mime = match r.format() {
        Some(image::ImageFormat::Png) => "image/png",
        Some(image::ImageFormat::Jpeg) => "image/jpeg",
        _ => return ("", 0, 0),
    };
    match r.into_dimensions() {
        Ok((w, h)) => (mime, w, h),
        Err(_) => ("", 0, 0),
    }
}

fn blob(out: &mut impl Write, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    write!(out, "<script type=\"text/plain\" id=\"{id}\">")?;
    {
        let mut enc = base64::write::EncoderWriter::new(&mut *out, &base64::engine::general_purpose::STANDARD);
        enc.write_all(bytes)?;
        enc.finish()?;
    }
    out.write_all(b"</script>\n")
}

pub(super) fn write(page: &Path, opts: &ReviewOptions, mut p: PageParts) -> Result<ReviewSummary> {
    let err = |source| Error::OutputIo { path: page.to_owned(), source };
    let dir = page.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    let mut out = BufWriter::with_capacity(1 << 20, tmp.as_file());
    let private = opts.originals.is_some();
    let csp = format!("default-src 'none'; img-src data:; style-src {}; script-src {}; base-uri 'none'; form-action 'none'", csp_hash(CSS), csp_hash(JS));
    let title = if private { "PRIVATE review of your capture: do not upload or share" } else { "Review of your capture: what leaves this machine" };
    write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>{CSS}</style></head>\n<body class=\"{}\">\n<header><h1>{title}</h1>\n",
        if private { "private" } else { "" }
    )
    .map_err(err)?;
    if private {
        out.write_all(b"<p class=\"warning\">This page shows your ORIGINAL, unredacted screenshots beside the redacted ones. It is for you alone: do not upload it, attach it or share it, and delete it when you are done. It was written outside the archive so that it is never uploaded with it.</p>\n").map_err(err)?;
    }
    out.write_all(b"<p>Everything below is exactly what would be uploaded: every screenshot as it will leave, with each area veil painted over outlined and labelled, and every event as it will be sent. Nothing on this page is loaded from the network.</p>\n<noscript><p class=\"warning\">This page needs JavaScript (it runs only inside this file) to show the frames and the timeline.</p></noscript></header>\n<main id=\"app\"></main>\n").map_err(err)?;

    // Frames first (their sizes go into the data), one at a time.
    if let Some(f) = &opts.on_start {
        f(p.frames.len() as u64);
    }
    for i in 0..p.frames.len() {
        let name = p.frames[i].name.to_owned();
        match p.archive.read(&name) {
            Some(bytes) => {
                p.manifest.add(&name, &bytes);
                let (mime, w, h) = mime_of(&bytes);
                let f = &mut p.frames[i];
                (f.mime, f.width, f.height) = (mime, w, h);
                if mime.is_empty() {
                    p.problems.push("a frame could not be decoded (veil verify will refuse it)");
                } else {
                    blob(&mut out, &format!("f{i}"), &bytes).map_err(err)?;
                }
            }
            None => p.problems.push("a frame an event names is missing (veil verify will refuse it)"),
        }
        if let Some(orig) = p.original_of.remove(&i) {
            let (mime, _, _) = mime_of(&orig);
            if !mime.is_empty() {
                blob(&mut out, &format!("o{i}"), &orig).map_err(err)?;
                (p.frames[i].original, p.frames[i].original_mime) = (true, mime);
            }
        }
        if let Some(f) = &opts.on_progress {
            f(1);
        }
    }
    let named: std::collections::HashSet<&str> = p.frames.iter().map(|f| f.name).collect();
    for name in p.archive.files().into_iter().filter(|n| n.starts_with("frames/") && !named.contains(n)) {
        if let Some(b) = p.archive.read(name) {
            p.manifest.add(name, &b);
        }
        p.problems.push("the archive holds a frame no event names (veil verify will refuse it)");
    }
    if p.archive.entries().iter().any(|e| e.name.is_none()) {
        p.problems.push("the archive holds entries veil does not write (veil verify will refuse it)");
    }
    p.problems.sort_unstable();
    p.problems.dedup();

    let fingerprint = p.manifest.fingerprint();
    let (events, dropped) = (p.rows.iter().filter(|r| r.json.is_some()).count(), p.rows.iter().filter(|r| r.dropped.is_some()).count());
    let boxes = p.frames.iter().map(|f| f.boxes.len()).sum();
    let originals = p.frames.iter().filter(|f| f.original).count();
    let frames = p.frames.len();
    let findings = p.report.map_or(0, |r| r.totals.findings);
    let data = PageData {
        engine: p.report.map_or("", |r| r.engine.as_str()),
        pseudonym_key: p.report.map_or("", |r| r.pseudonym_key.as_str()),
        fingerprint: &fingerprint,
        private,
        totals: p.report.map(|r| &r.totals),
        rows: p.rows,
        frames: p.frames,
        kept: p.kept,
        problems: p.problems,
    };
    write!(out, "<script type=\"application/json\" id=\"data\">{}</script>\n<script>{JS}</script>\n</body></html>\n", script_json(&data)).map_err(err)?;
    out.flush().map_err(err)?;
    drop(out);
    let page_bytes = tmp.as_file().metadata().map_err(err)?.len();
    tmp.persist(page).map_err(|e| err(e.error))?;
    Ok(ReviewSummary { events, dropped, frames, boxes, findings, originals, page_bytes, fingerprint, manifest: p.manifest })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_its_script() {
        let s = script_json(&serde_json::json!({"t": "</script><script>alert(1)</script><!-- & \u{2028}"}));
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&') && !s.contains('\u{2028}'), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["t"], "</script><script>alert(1)</script><!-- & \u{2028}");
    }

    /// Every drop and paint reason the engine can report has words on the page (a new one
    /// would otherwise show as its raw code).
    #[test]
    fn every_reason_has_words() {
        use crate::capture::DropReason;
        use crate::screenshot::localize::PaintReason;
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
            assert!(JS.contains(&format!("{}: '", r.as_str())), "no words for the drop reason {}", r.as_str());
        }
        for (i, r) in PaintReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
            assert!(JS.contains(&format!("{}: '", r.as_str())), "no words for the paint reason {}", r.as_str());
        }
    }

    #[test]
    fn page_assets_load_nothing_and_write_no_html() {
        for a in [CSS, JS] {
            for bad in ["http", "url(", "@import", "fetch", "XMLHttpRequest", "WebSocket", "sendBeacon", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("] {
                assert!(!a.contains(bad), "{bad} in a page asset");
            }
        }
    }
}
