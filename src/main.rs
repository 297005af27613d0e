//! `veil`: the command-line front end. `veil redact IN -o OUT` redacts a capture archive;
//! `veil text` redacts lines of text; `veil detect` reports findings for JSON lines (for
//! evaluations); `veil policy` prints the default policy; `veil rules` lists the rules.
//!
//! Exit codes: 0 done; 2 usage; 3 input unreadable; 4 policy invalid; 5 output not writable;
//! 6 `--strict` and something was dropped; 7 a model or ONNX Runtime missing.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Print the built-in policy (a starting point for your own).
    Policy,
    /// List the detection rules.
    Rules,
}

fn exit_code(e: &Error) -> u8 {
    match e {
        Error::InputIo { .. } | Error::NoEvents { .. } | Error::UnknownArchiveType { .. } | Error::InputTooLarge { .. } => 3,
        Error::Policy(_) | Error::PolicyIo { .. } | Error::PseudonymKey(_) => 4,
        Error::OutputIo { .. } | Error::OutputExists { .. } => 5,
        Error::Model(_) => 7,
        Error::Internal { .. } => 70,
    }
}

fn engine(policy: Option<&PathBuf>) -> Result<Engine, Error> {
    let p = match policy {
        Some(path) => Policy::from_path(path)?,
        None => Policy::default(),
    };
    Engine::new(p)
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
            let engine = engine(policy.as_ref())?;
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
            let engine = engine(policy.as_ref())?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for line in std::io::stdin().lock().split(b'\n') {
                let Ok(line) = line else { break };
                let text = serde_json::from_slice::<serde_json::Value>(&line).ok().and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_owned));
                let reply = match text {
                    Some(t) => match engine.detect(&t) {
                        Ok(found) => {
                            let findings: Vec<serde_json::Value> = found
                                .iter()
                                .map(|f| {
                                    serde_json::json!({"entity": f.entity, "detector": f.detector,
                                        "start": t[..f.start].chars().count(), "end": t[..f.end].chars().count()})
                                })
                                .collect();
                            serde_json::json!({ "findings": findings })
                        }
                        Err(e) => serde_json::json!({"error": e.to_string()}),
                    },
                    None => serde_json::json!({"error": "expected a JSON object with a \"text\" string"}),
                };
                let _ = writeln!(out, "{reply}");
            }
            Ok(0)
        }
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
