//! Typed errors of the engine.
//!
//! Every variant carries only what the engine itself decided (paths the user gave, counts,
//! reason codes) and never a value taken from captured data, so errors are safe to log. Each
//! message names what to do about it.

use std::path::PathBuf;

/// Errors that stop a whole run (as opposed to per-event problems, which are counted drops).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read input archive {path}: {source}; check that it is a capture/1 directory, .tar or .tar.gz")]
    InputIo { path: PathBuf, #[source] source: std::io::Error },

    #[error("input archive {path} has no events.jsonl; a capture/1 archive must hold one at its top level")]
    NoEvents { path: PathBuf },

    #[error("input archive {path} is larger than the policy's [limits] allow (max_archive_bytes, or events.jsonl over max_entry_bytes); raise them if the archive is trusted")]
    InputTooLarge { path: PathBuf },

    #[error("input archive {path} is not a directory, .tar or .tar.gz")]
    UnknownArchiveType { path: PathBuf },

    #[error("cannot write output {path}: {source}; check the path is writable and not inside the input")]
    OutputIo { path: PathBuf, #[source] source: std::io::Error },

    #[error("output {path} already exists and is not empty; choose a new path or pass --force")]
    OutputExists { path: PathBuf },

    #[error("cannot read policy file {path}: {source}")]
    PolicyIo { path: PathBuf, #[source] source: std::io::Error },

    #[error("invalid policy: {0}; see README.md, section Policy")]
    Policy(String),

    #[error("pseudonym key: {0}")]
    PseudonymKey(String),

    #[error("{0}")]
    Model(#[from] crate::runtime::ModelError),

    #[error("internal error in {what}: a bug; the data it was working on was dropped, not output; please report it with the location printed before this message")]
    Internal { what: &'static str },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
