//! `veil`: the command-line front end. `veil redact IN -o OUT` redacts a capture archive;
//! `veil text` redacts lines of text; `veil detect` reports findings for JSON lines (for
//! evaluations); `veil policy` prints the default policy; `veil rules` lists the rules.
//!
//! `veil verify OUT` re-scans a redacted archive before upload; `veil review OUT` writes the
//! page that shows the person what would be uploaded.
//!
//! Exit codes: 0 done (verify: passed); 2 usage; 3 input unreadable; 4 policy invalid; 5 output
//! not writable; 6 `--strict` and something was dropped; 7 a model or ONNX Runtime missing;
//! 8 verify found a problem; 70 an internal error.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use veil::{Engine, Error, Policy, RunOptions};

#[derive(Parser)]
#[command(name = "veil", version, about = "On-device redaction of computer-use capture archives (capture/1)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Redact a capture archive (directory, .tar or .tar.gz) into a new one with report.json.
    Redact {
        input: PathBuf,
        /// Output archive: a directory, or a path ending in .tar / .tar.gz / .tgz.
        #[arg(short, long)]
        output: PathBuf,
        /// Policy file (TOML); the built-in default otherwise (`veil policy` prints it).
        #[arg(short, long)]
        policy: Option<PathBuf>,
        /// Also write the report here.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Replace an existing output.
        #[arg(long)]
        force: bool,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
        /// Exit with code 6 when any event was dropped.
        #[arg(long)]
        strict: bool,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Redact text: each argument, or each line of standard input.
    Text {
        #[arg(short, long)]
        policy: Option<PathBuf>,
        text: Vec<String>,
    },
    /// Detect only: JSON lines `{"text": ...}` on standard input; for each, a line
    /// `{"findings": [{"entity", "detector", "start", "end"}]}` (character offsets, no values).
    Detect {
        #[arg(short, long)]
        policy: Option<PathBuf>,
    },
    /// Check a redacted archive before upload: every string through every detector, frames
    /// re-scanned, structure and report, a manifest of every file. Exit 8 on any problem.
    Verify {
        archive: PathBuf,
        /// The policy the archive was redacted with (default: the built-in one).
        #[arg(short, long)]
        policy: Option<PathBuf>,
        /// Check the archive equals the one this manifest was written for (at review).
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Write the manifest of the archive as checked here.
        #[arg(long)]
        write_manifest: Option<PathBuf>,
        /// Print the verdict as JSON on standard output.
        #[arg(long)]
        json: bool,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Write one self-contained HTML page (opens from disk, loads nothing) showing exactly what
    /// the redacted archive would upload: every frame with its painted areas outlined and
    /// labelled, every event with what was removed and why, the totals.
    Review {
        archive: PathBuf,
        /// The page to write (default: ARCHIVE.review.html beside the archive; never inside it).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The input archive it was redacted from: show each original frame beside its redacted
        /// one. The page is then for you alone and must not be uploaded or shared.
        #[arg(long, value_name = "INPUT")]
        originals: Option<PathBuf>,
        /// Write the manifest of the archive as shown here (check the upload with
        /// `veil verify ARCHIVE --manifest M`).
        #[arg(long)]
        write_manifest: Option<PathBuf>,
        /// Replace an existing page.
        #[arg(long)]
        force: bool,
        /// No progress bar and no summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print the built-in policy (a starting point for your own).
    Policy,
    /// List the detection rules.
    Rules,
}

fn exit_code(e: &Error) -> u8 {
    match e {
        Error::InputIo { .. } | Error::NoEvents { .. } | Error::UnknownArchiveType { .. } | Error::InputTooLarge { .. } => 3,
        Error::Policy(_) | Error::PolicyIo { .. } | Error::PseudonymKey(_) => 4,
        Error::OutputIo { .. } | Error::OutputExists { .. } | Error::ReviewInsideArchive { .. } => 5,
        Error::Model(_) => 7,
        Error::Internal { .. } => 70,
    }
}

fn policy(path: Option<&PathBuf>) -> Result<Policy, Error> {
    Ok(match path {
        Some(path) => Policy::from_path(path)?,
        None => Policy::default(),
    })
}

fn engine(path: Option<&PathBuf>) -> Result<Engine, Error> {
    Engine::new(policy(path)?)
}

/// An engine for the text-only commands (`veil text`, `veil detect`): the policy's image
/// models are not loaded (no frame goes through them; loading them is a third of the start-up).
fn text_engine(path: Option<&PathBuf>) -> Result<Engine, Error> {
    let mut p = policy(path)?;
    p.file.models.faces = false;
    p.file.models.text_regions = false;
    Engine::new(p)
}

/// Exit code of `veil verify` when it finds a problem.
const PROBLEMS: u8 = 8;

fn bar(quiet: bool, what: &str) -> ProgressBar {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.set_style(ProgressStyle::with_template(&format!("{{spinner}} {{wide_bar}} {{pos}}/{{len}} {what} {{per_sec}} eta {{eta}}")).expect("valid template"));
    bar
}

fn verify(archive: &Path, policy: Option<&PathBuf>, manifest: Option<&Path>, write: Option<&Path>, json: bool, quiet: bool) -> Result<u8, Error> {
    let reviewed = match manifest {
        Some(m) => {
            let text = std::fs::read_to_string(m).map_err(|source| Error::InputIo { path: m.to_owned(), source })?;
            match veil::verify::Manifest::parse(&text) {
                Ok(r) => Some(r),
                Err(e) => {
                    eprintln!("veil: error: {}: {e}", m.display());
                    return Ok(3);
                }
            }
        }
        None => None,
    };
    let engine = engine(policy)?;
    let bar = bar(quiet, "frames");
    let (b1, b2) = (bar.clone(), bar.clone());
    let opts = veil::verify::VerifyOptions { manifest: reviewed.as_ref(), on_start: Some(Box::new(move |n| b1.set_length(n))), on_progress: Some(Box::new(move |n| b2.inc(n))) };
    let t = std::time::Instant::now();
    let v = veil::verify::verify_archive(&engine, archive, &opts)?;
    bar.finish_and_clear();
    if let Some(path) = write {
        std::fs::write(path, v.manifest.to_text()).map_err(|source| Error::OutputIo { path: path.to_owned(), source })?;
    }
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&v).expect("verdict serialises"));
    } else {
        for p in &v.problems {
            let _ = writeln!(out, "{p}");
        }
    }
    if !quiet {
        let c = &v.checked;
        let verdict = if v.passed { "passed".to_string() } else { format!("FAILED: {} problems (kind, location)", v.problems.len()) };
        eprintln!("veil verify: {}: {verdict}", archive.display());
        eprintln!("  checked {} events ({} key events), {} strings, {} frames in {:.0} ms; fingerprint {}", c.events, c.key_events, c.strings, c.frames, t.elapsed().as_secs_f64() * 1e3, v.fingerprint);
        if let Some(m) = manifest {
            eprintln!("  compared with the manifest {}", m.display());
        }
    }
    Ok(if v.passed { 0 } else { PROBLEMS })
}

struct ReviewArgs {
    archive: PathBuf,
    output: Option<PathBuf>,
    originals: Option<PathBuf>,
    write_manifest: Option<PathBuf>,
    force: bool,
    quiet: bool,
}

fn review(a: ReviewArgs) -> Result<u8, Error> {
    let page = a.output.clone().unwrap_or_else(|| {
        let mut name = a.archive.file_name().unwrap_or_default().to_os_string();
        name.push(if a.originals.is_some() { ".review-private.html" } else { ".review.html" });
        a.archive.with_file_name(name)
    });
    let bar = bar(a.quiet, "frames");
    let (b1, b2) = (bar.clone(), bar.clone());
    let opts = veil::review::ReviewOptions {
        originals: a.originals.as_deref(),
        force: a.force,
        on_start: Some(Box::new(move |n| b1.set_length(n))),
        on_progress: Some(Box::new(move |n| b2.inc(n))),
    };
    let t = std::time::Instant::now();
    let s = veil::review::write_review(&a.archive, &page, &opts)?;
    bar.finish_and_clear();
    if let Some(path) = &a.write_manifest {
        std::fs::write(path, s.manifest.to_text()).map_err(|source| Error::OutputIo { path: path.to_owned(), source })?;
    }
    if !a.quiet {
        eprintln!("veil review: wrote {} ({:.1} MB in {:.0} ms); open it in a browser", page.display(), s.page_bytes as f64 / 1e6, t.elapsed().as_secs_f64() * 1e3);
        eprintln!("  {} events to upload, {} dropped; {} findings; {} frames with {} painted areas; fingerprint {}", s.events, s.dropped, s.findings, s.frames, s.boxes, s.fingerprint);
        if a.originals.is_some() {
            eprintln!("  it shows {} ORIGINAL frames: it is for you alone; do not upload or share it, and delete it when done", s.originals);
        }
    }
    Ok(0)
}

fn main() -> ExitCode {
    // Panic messages can quote captured text: print where, never what.
    veil::guard::install_silent_panic_hook();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("veil: error: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

fn run(cli: Cli) -> Result<u8, Error> {
    match cli.cmd {
        Cmd::Redact { input, output, policy, report, force, quiet, strict, threads } => {
            if let Some(n) = threads {
                // Only fails if a pool exists already, which cannot happen this early.
                let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
            }
            let engine = engine(policy.as_ref())?;
            let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
            bar.set_style(ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} events {per_sec} eta {eta}").expect("valid template"));
            let (b1, b2) = (bar.clone(), bar.clone());
            let opts = RunOptions { force, on_start: Some(Box::new(move |n| b1.set_length(n))), on_progress: Some(Box::new(move |n| b2.inc(n))) };
            let r = engine.redact_archive(&input, &output, &opts)?;
            bar.finish_and_clear();
            if let Some(path) = report {
                let bytes = serde_json::to_vec_pretty(&r).expect("report serialises");
                std::fs::write(&path, bytes).map_err(|source| Error::OutputIo { path, source })?;
            }
            if !quiet {
                eprintln!("veil: {} -> {}", input.display(), output.display());
                eprintln!("{}", r.summary());
            }
            Ok(if strict && r.totals.dropped > 0 { 6 } else { 0 })
        }
        Cmd::Text { policy, text } => {
            let engine = text_engine(policy.as_ref())?;
            let mut out = std::io::stdout().lock();
            let mut failed = 0usize;
            let mut emit = |line: &str| match engine.redact_text(line) {
                Ok(r) => {
                    let _ = writeln!(out, "{}", r.text);
                }
                Err(e) => {
                    // Fail closed: an unchecked line is not printed (an empty line keeps the count).
                    failed += 1;
                    let _ = writeln!(out);
                    eprintln!("veil: a line could not be checked and was left out: {e}");
                }
            };
            if text.is_empty() {
                for line in std::io::stdin().lock().lines() {
                    match line {
                        Ok(l) => emit(&l),
                        Err(_) => {
                            eprintln!("veil: a line of standard input is not UTF-8; it was skipped");
                        }
                    }
                }
            } else {
                text.iter().for_each(|t| emit(t));
            }
            Ok(if failed > 0 { 7 } else { 0 })
        }
        Cmd::Detect { policy } => {
            let engine = text_engine(policy.as_ref())?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // Lines are read on their own thread; whatever has arrived (up to DETECT_CHUNK
            // lines) is detected side by side and answered in input order, then flushed: a
            // pipe of many lines uses every core, a line typed alone is answered at once.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2 * DETECT_CHUNK);
            std::thread::spawn(move || {
                for line in std::io::stdin().lock().split(b'\n') {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            while let Ok(first) = rx.recv() {
                let mut chunk = vec![first];
                while chunk.len() < DETECT_CHUNK {
                    match rx.try_recv() {
                        Ok(line) => chunk.push(line),
                        Err(_) => break,
                    }
                }
                let replies: Vec<serde_json::Value> = chunk.par_iter().map(|line| detect_reply(&engine, line)).collect();
                for reply in replies {
                    let _ = writeln!(out, "{reply}");
                }
                let _ = out.flush();
            }
            Ok(0)
        }
        Cmd::Verify { archive, policy, manifest, write_manifest, json, quiet } => verify(&archive, policy.as_ref(), manifest.as_deref(), write_manifest.as_deref(), json, quiet),
        Cmd::Review { archive, output, originals, write_manifest, force, quiet } => review(ReviewArgs { archive, output, originals, write_manifest, force, quiet }),
        Cmd::Policy => {
            print!("{}", veil::policy::DEFAULT_POLICY);
            Ok(0)
        }
        Cmd::Rules => {
            let engine = Engine::new(Policy::default())?;
            for name in engine.rule_names() {
                println!("{name}");
            }
            Ok(0)
        }
    }
}

/// Lines `veil detect` takes at most in one go.
const DETECT_CHUNK: usize = 256;

/// `veil detect`'s answer to one input line: findings (character offsets, no values), or why
/// there are none.
fn detect_reply(engine: &Engine, line: &[u8]) -> serde_json::Value {
    let text = serde_json::from_slice::<serde_json::Value>(line).ok().and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_owned));
    match text {
        Some(t) => match engine.detect(&t) {
            Ok(found) => {
                let findings: Vec<serde_json::Value> = found
                    .iter()
                    .map(|f| serde_json::json!({"entity": f.entity, "detector": f.detector, "start": t[..f.start].chars().count(), "end": t[..f.end].chars().count()}))
                    .collect();
                serde_json::json!({ "findings": findings })
            }
            Err(e) => serde_json::json!({"error": e.to_string()}),
        },
        None => serde_json::json!({"error": "expected a JSON object with a \"text\" string"}),
    }
}
