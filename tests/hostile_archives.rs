//! Archive reading under hostile input (issue 9, class 4): decompression bombs, entries over
//! the limits, links out of the archive, and entry names (captured data) in error messages.
//! One test per process matters here: the bomb test reads this process's peak memory.

use std::io::Write;
use std::path::Path;

use veil::capture::DropReason;
use veil::{Engine, Error, Policy, RunOptions};

const MARK: &str = "planted-marker-77f1";

fn policy(extra: &str) -> Policy {
    Policy::from_toml(&format!("[models]\nfaces = false\ntext_regions = false\nner = false\n{extra}")).unwrap()
}

fn png() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(16, 16, image::Rgba([255, 255, 255, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn shot(seq: u64, image: &str) -> String {
    format!(r#"{{"seq":{seq},"ts":{seq},"kind":"screenshot","image":"{image}","nodes":[{{"id":"n","text":"hello","bounds":[0,0,4,4]}}]}}"#)
}

/// Writes a .tar.gz with `entries` (path, size, byte): each entry's data is `size` copies of
/// `byte`, streamed, so a gigabyte costs no memory here either.
fn tar_gz(path: &Path, entries: &[(&str, u64, Option<&[u8]>)]) {
    let f = std::fs::File::create(path).unwrap();
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(f, flate2::Compression::fast()));
    for (name, size, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        match data {
            Some(d) => {
                h.set_size(d.len() as u64);
                b.append_data(&mut h, name, *d).unwrap();
            }
            None => {
                h.set_size(*size);
                b.append_data(&mut h, name, std::io::repeat(0).take(*size)).unwrap();
            }
        }
    }
    b.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

use std::io::Read;

fn peak_rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

#[test]
fn hostile_archives() {
    let dir = tempfile::tempdir().unwrap();
    let events = format!("{}\n{}\n", shot(1, "frames/a.png"), shot(2, "frames/big.png"));

    // A bomb: 1 GiB of zeros in an entry the format does not name (compressed ~1 MB), and one
    // frame over the entry limit. Skipped unread / not read; memory stays small.
    let bomb = dir.path().join("bomb.tar.gz");
    let a = png();
    tar_gz(&bomb, &[("junk/zeros.bin", 1 << 30, None), ("events.jsonl", 0, Some(events.as_bytes())), ("frames/a.png", 0, Some(&a)), ("frames/big.png", 4 << 20, None)]);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 8 << 20);
    let before = peak_rss_mib();
    let engine = Engine::new(policy("[limits]\nmax_entry_bytes = 1048576")).unwrap();
    let r = engine.redact_archive(&bomb, &dir.path().join("o1"), &RunOptions::default()).unwrap();
    let after = peak_rss_mib();
    assert!(after - before < 200.0, "reading the bomb grew peak memory by {:.0} MiB", after - before);
    assert_eq!(r.totals.drops.get(&DropReason::TooLarge), Some(&1), "the frame over max_entry_bytes");
    assert_eq!(r.totals.output_frames, 1);

    // Past max_archive_bytes the stream stops: what was not read is too_large, and an archive
    // whose events.jsonl lies beyond is an input error (exit 3), not a panic or an abort.
    let engine = Engine::new(policy("[limits]\nmax_archive_bytes = 67108864")).unwrap();
    let e = engine.redact_archive(&bomb, &dir.path().join("o2"), &RunOptions::default()).unwrap_err();
    assert!(matches!(e, Error::InputTooLarge { .. }), "{e}");
    let late = dir.path().join("late.tar.gz");
    tar_gz(&late, &[("events.jsonl", 0, Some(events.as_bytes())), ("frames/a.png", 0, Some(&a)), ("junk.bin", 128 << 20, None), ("frames/big.png", 0, Some(&a))]);
    let r = engine.redact_archive(&late, &dir.path().join("o3"), &RunOptions::default()).unwrap();
    assert_eq!(r.totals.drops.get(&DropReason::TooLarge), Some(&1), "the frame after the limit");

    // A symlinked directory inside frames/ pointing outside the archive is never followed.
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("x.png"), &a).unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("frames")).unwrap();
    std::os::unix::fs::symlink(&outside, input.join("frames/link")).unwrap();
    std::os::unix::fs::symlink(outside.join("x.png"), input.join("frames/file.png")).unwrap();
    std::fs::write(input.join("events.jsonl"), format!("{}\n{}\n", shot(1, "frames/link/x.png"), shot(2, "frames/file.png"))).unwrap();
    let r = Engine::new(policy("")).unwrap().redact_archive(&input, &dir.path().join("o4"), &RunOptions::default()).unwrap();
    assert_eq!(r.totals.drops.get(&DropReason::MissingImage), Some(&2), "links are not followed");
    assert_eq!(r.totals.output_frames, 0);

    // A tar whose entry is named after an email, with a corrupt header: the error names the
    // archive the user gave, never the entry.
    let bad = dir.path().join("bad.tar");
    let mut raw = Vec::new();
    {
        let mut b = tar::Builder::new(&mut raw);
        let mut h = tar::Header::new_gnu();
        h.set_size(5);
        h.set_mode(0o644);
        b.append_data(&mut h, format!("jane.doe@example.com-{MARK}/events.jsonl"), &b"hello"[..]).unwrap();
        b.finish().unwrap();
    }
    raw[124..136].copy_from_slice(b"zzzzzzzzzzz\0"); // the size field: not octal
    std::fs::write(&bad, &raw).unwrap();
    let e = Engine::new(policy("")).unwrap().redact_archive(&bad, &dir.path().join("o5"), &RunOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(!msg.contains("jane") && !msg.contains(MARK), "an error names an archive entry: {msg}");
    assert!(msg.contains("bad.tar"), "{msg}");
}
