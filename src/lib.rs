//! veil: on-device redaction and anonymisation of computer-use capture archives (`capture/1`).
//!
//! Rooms, in the order data flows through them:
//! - [`capture`]: the format (typed events, fail-closed parser, archive IO);
//! - [`policy`]: scope (apps/windows), per-entity actions, limits;
//! - [`detect`]: detectors: regex rules + validators behind the [`detect::Detector`] seam, the
//!   NER model ([`detect::ner`]), faces and text regions behind [`detect::image::ImageDetector`];
//! - [`keys`]: typed text rebuilt from key events, and key rewrites;
//! - [`localize`]: findings on UI-tree nodes to boxes on frames;
//! - [`operators`] (text) and [`paint`] (pixels): how a finding is replaced or painted;
//! - [`pipeline`]: the [`Engine`] running the passes, per event, per batch, per archive;
//! - [`report`]: what was found and done, totals, drops, timings — never a value.
//!
//! ```no_run
//! let engine = veil::Engine::new(veil::Policy::default()).unwrap();
//! let r = engine.redact_text("mail jane.doe@example.com").unwrap();
//! assert!(!r.text.contains("jane"));
//! ```

pub mod capture;
pub mod detect;
pub mod error;
pub mod keys;
pub mod localize;
pub mod operators;
pub mod paint;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod runtime;

pub use error::{Error, Result};
pub use pipeline::{Engine, FrameIo, Record, Redacted, Released, RunOptions, Session, StreamState};
pub use policy::Policy;
pub use report::Report;
