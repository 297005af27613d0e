//! `veil._veil`: the native half of the Python package (the public API is `veil`, in
//! `python/veil/__init__.py`, which wraps these results in typed Python objects).
//!
//! A thin layer over the library: each method converts Python arguments, runs the library
//! call with the GIL released ([`Python::detach`]), and converts the result or the error.
//! Nothing here detects, replaces or paints. It must never let a panic reach Python as
//! anything but `InternalError`, and never put a captured value in an exception (messages
//! are the library's, which carry none).
//!
//! Room for what comes next (archive verification): one more `Engine` method of the shape of
//! `redact_archive` (paths in, report JSON out).

use std::sync::{Arc, Mutex};

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

create_exception!(_veil, VeilError, PyException, "Base class of veil's errors (their messages never hold captured values).");
create_exception!(_veil, PolicyError, VeilError, "The policy is invalid, or its pseudonym key variable is set but empty.");
create_exception!(_veil, ModelError, VeilError, "A model or ONNX Runtime is missing, or a model failed: nothing about the input is known; drop it.");
create_exception!(_veil, InputError, VeilError, "The input archive cannot be read.");
create_exception!(_veil, OutputError, VeilError, "The output cannot be written.");
create_exception!(_veil, OutputExistsError, OutputError, "The output exists and is not empty, and force was false.");
create_exception!(_veil, InternalError, VeilError, "A bug inside veil: the data it was working on was dropped, not output.");

fn py_err(e: veil::Error) -> PyErr {
    use veil::Error as E;
    let msg = e.to_string();
    match e {
        E::Policy(_) | E::PolicyIo { .. } | E::PseudonymKey(_) => PolicyError::new_err(msg),
        E::Model(_) => ModelError::new_err(msg),
        E::InputIo { .. } | E::NoEvents { .. } | E::UnknownArchiveType { .. } | E::InputTooLarge { .. } => InputError::new_err(msg),
        E::OutputIo { .. } => OutputError::new_err(msg),
        E::OutputExists { .. } => OutputExistsError::new_err(msg),
        E::Internal { .. } => InternalError::new_err(msg),
    }
}

/// Runs `f` with the GIL released; a panic (the library guards itself; this is the last net)
/// becomes `InternalError`.
fn work<T: Send>(py: Python<'_>, f: impl FnOnce() -> veil::Result<T> + Send) -> PyResult<T> {
    py.detach(|| veil::guard::catch(f)).unwrap_or(Err(veil::Error::Internal { what: "python binding" })).map_err(py_err)
}

/// A finding as Python sees it: (entity, detector, start, end, score), offsets in characters.
type PyFinding = (&'static str, &'static str, usize, usize, f32);

/// Byte spans to character offsets (findings are sorted and disjoint: one pass).
fn char_spans(text: &str, found: &[veil::detect::Finding]) -> Vec<PyFinding> {
    let (mut byte, mut chars) = (0, 0);
    let mut at = |b: usize| {
        chars += text[byte..b].chars().count();
        byte = b;
        chars
    };
    found.iter().map(|f| (f.entity.name(), f.detector, at(f.start), at(f.end), f.score)).collect()
}

#[pyclass(frozen, module = "veil._veil")]
struct Engine {
    inner: Arc<veil::Engine>,
}

#[pymethods]
impl Engine {
    /// `policy`: TOML text merged over the default policy; None: the default policy.
    #[new]
    #[pyo3(signature = (policy=None))]
    fn new(py: Python<'_>, policy: Option<String>) -> PyResult<Self> {
        let engine = work(py, move || {
            let p = match policy {
                Some(text) => veil::Policy::from_toml(&text)?,
                None => veil::Policy::default(),
            };
            veil::Engine::new(p)
        })?;
        Ok(Engine { inner: Arc::new(engine) })
    }

    fn redact_text(&self, py: Python<'_>, text: String) -> PyResult<(String, Vec<PyFinding>)> {
        let r = work(py, || self.inner.redact_text(&text))?;
        let spans = char_spans(&text, &r.findings);
        Ok((r.text, spans))
    }

    fn detect(&self, py: Python<'_>, text: String) -> PyResult<Vec<PyFinding>> {
        let found = work(py, || self.inner.detect(&text))?;
        Ok(char_spans(&text, &found))
    }

    /// Returns the report as JSON.
    fn redact_archive(&self, py: Python<'_>, src: std::path::PathBuf, dst: std::path::PathBuf, force: bool) -> PyResult<String> {
        work(py, || {
            let r = self.inner.redact_archive(&src, &dst, &veil::RunOptions { force, ..Default::default() })?;
            serde_json::to_string(&r).map_err(|_| veil::Error::Internal { what: "report serialisation" })
        })
    }

    fn clear_memo(&self) {
        self.inner.clear_memo()
    }

    fn rule_names(&self) -> Vec<&'static str> {
        self.inner.rule_names()
    }

    fn has_ner(&self) -> bool {
        self.inner.has_ner()
    }
}

/// Released events as (JSON line, frame bytes or None), and the report as JSON.
type PyReleased<'py> = (Vec<(String, Option<Bound<'py, PyBytes>>)>, String);

#[pyclass(frozen, module = "veil._veil")]
struct Session {
    inner: Mutex<veil::LineSession>,
}

impl Session {
    fn run<'py>(&self, py: Python<'py>, f: impl FnOnce(&mut veil::LineSession) -> veil::Result<veil::ReleasedLines> + Send) -> PyResult<PyReleased<'py>> {
        let r = work(py, || {
            // A panic cannot leave a LineSession half-updated in a way that leaks: it clears
            // what it was working on (see veil::Session::push). Go on with it.
            let mut s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            let r = f(&mut s)?;
            let report = serde_json::to_string(&r.report).map_err(|_| veil::Error::Internal { what: "report serialisation" })?;
            Ok((r.events, report))
        })?;
        let events = r.0.into_iter().map(|e| (e.json, e.frame.map(|f| PyBytes::new(py, &f)))).collect();
        Ok((events, r.1))
    }
}

#[pymethods]
impl Session {
    #[new]
    fn new(engine: &Engine, hold_ms: u64) -> Self {
        Session { inner: Mutex::new(veil::LineSession::new(Arc::clone(&engine.inner), hold_ms)) }
    }

    #[pyo3(signature = (line, frame=None))]
    fn push<'py>(&self, py: Python<'py>, line: Vec<u8>, frame: Option<Vec<u8>>) -> PyResult<PyReleased<'py>> {
        self.run(py, move |s| s.push_line(&line, frame))
    }

    fn finish<'py>(&self, py: Python<'py>) -> PyResult<PyReleased<'py>> {
        self.run(py, |s| s.finish())
    }
}

#[pymodule]
fn _veil(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Engine>()?;
    m.add_class::<Session>()?;
    m.add("VeilError", py.get_type::<VeilError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("OutputError", py.get_type::<OutputError>())?;
    m.add("OutputExistsError", py.get_type::<OutputExistsError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}
