//! veil: on-device redaction and anonymisation of computer-use capture archives (`capture/1`).
//!
//! Rooms, in the order data flows through them:
//! - [`capture`]: the format (typed events, fail-closed parser, archive IO);
//! - [`policy`]: scope (apps/windows), per-entity actions, limits;
//! - [`detect`]: detectors: regex rules + validators behind the [`detect::Detector`] seam, the
//!   NER model ([`detect::ner`]), faces and text regions behind [`detect::image::ImageDetector`];
//! - [`keys`]: typed text rebuilt from key events, and key rewrites;
//! - [`operators`]: how a finding in text is replaced;
//! - [`screenshot`]: the frame path: localisation of findings to boxes ([`screenshot::localize`]),
//!   faces and text regions, painting and re-encoding ([`screenshot::paint`]);
//! - [`pipeline`]: the [`Engine`] running the passes, per event, per batch, per archive, and
//!   [`Session`] for one event at a time ([`LineSession`]: the same over JSON lines and frame
//!   bytes, what the C and Python bindings hold);
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
pub mod guard;
pub mod keys;
pub mod operators;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod runtime;
pub mod screenshot;

pub use error::{Error, Result};
pub use pipeline::{Engine, FrameIo, LineSession, MemFrames, Record, Redacted, Released, ReleasedLine, ReleasedLines, RunOptions, Session, StreamState};
pub use policy::Policy;
pub use report::Report;
