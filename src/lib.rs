//! veil: on-device redaction and anonymisation of computer-use capture archives.
pub mod capture;
pub mod detect;
pub mod error;
