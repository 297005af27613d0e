//! Capture format IO: the `capture/1` data model, its fail-closed parser, and archive reading
//! and writing (directory, `.tar`, `.tar.gz`).
//!
//! The parser is an allowlist: only fields this module names are kept; anything else is
//! dropped and counted. Output is serialised from the typed model alone, so an unknown field
//! can never reach it.

pub mod archive;
pub mod event;
pub mod parse;

pub use archive::{ArchiveReader, ArchiveWriter, Meta, ReadLimits};
pub use event::*;
pub use parse::{parse_line, parse_line_full, DropReason, Parsed, Protective};
