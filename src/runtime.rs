//! ONNX Runtime: found and loaded once per process (`ort` with `load-dynamic`).
//!
//! The shared library comes from the PyPI `onnxruntime` wheel (pinned in the Makefile:
//! `make runtime` puts it in `.cache/onnxruntime/`). It is looked for, in order: the
//! `ORT_DYLIB_PATH` environment variable; `libonnxruntime.so*` next to the executable; the
//! project's `.cache/onnxruntime/` (where `make runtime` puts it, known at build time).
//!
//! Sessions: each model is loaded into a [`Pool`] of sessions shaped by [`pool_shape`], so
//! that several threads infer at once. A session must never be shared without its lock (ORT's
//! `run` needs exclusive access), and no lock is held across a rayon call.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use ort::environment::Environment;

/// The runtime could not be found or loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("ONNX Runtime not available: {0}; run `make runtime` (or set ORT_DYLIB_PATH to libonnxruntime.so), or switch the models off in the policy ([models])")]
pub struct RuntimeError(pub String);

fn candidates() -> Vec<PathBuf> {
    let mut c = Vec::new();
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        c.push(PathBuf::from(p));
        return c; // an explicit choice is the only one tried
    }
    let dirs = [
        std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)),
        Some(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.cache/onnxruntime"))),
    ];
    for d in dirs.into_iter().flatten() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            let mut libs: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("libonnxruntime.so")))
                .collect();
            libs.sort();
            c.extend(libs.into_iter().rev());
        }
    }
    c
}

/// The process-wide ONNX Runtime environment, loaded on first use.
pub fn environment() -> Result<Environment, RuntimeError> {
    static ENV: OnceLock<Result<Environment, RuntimeError>> = OnceLock::new();
    ENV.get_or_init(|| {
        let tried = candidates();
        let path = tried.iter().find(|p| p.is_file()).ok_or_else(|| {
            RuntimeError(if tried.is_empty() { "no libonnxruntime.so found".into() } else { format!("none of {} exists", tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")) })
        })?;
        let builder = ort::init_from(path).map_err(|e| RuntimeError(format!("{} did not load ({e})", path.display())))?;
        builder.with_name("veil").build().map_err(|e| RuntimeError(e.to_string()))
    })
    .clone()
}

/// Where models are looked for by default: `VEIL_MODELS_DIR`, else `models/` next to the
/// executable, else the project's `models/` (known at build time).
pub fn default_models_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("VEIL_MODELS_DIR") {
        return PathBuf::from(p);
    }
    if let Some(d) = std::env::current_exe().ok().and_then(|e| e.parent().map(|p| p.join("models"))).filter(|d| d.is_dir()) {
        return d;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models"))
}

/// Loads an ONNX model into a session using `threads` intra-op threads.
pub fn session(path: &Path, threads: usize) -> Result<ort::session::Session, ModelError> {
    let env = environment().map_err(ModelError::Runtime)?;
    let bad = |e: ort::Error| ModelError::Load { path: path.to_owned(), reason: e.to_string() };
    if !path.is_file() {
        return Err(ModelError::Load { path: path.to_owned(), reason: "file not found; models/ ships with the repository".into() });
    }
    ort::session::Session::builder(&env)
        .map_err(bad)?
        .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Level3)
        .map_err(|e| bad(e.into()))?
        .with_intra_threads(threads)
        .map_err(|e| bad(e.into()))?
        // Several sessions share few cores: spin-waiting pool threads would starve the others.
        .with_intra_op_spinning(false)
        .map_err(|e| bad(e.into()))?
        // No memory pattern: with it, a repeated shape is given one block of its own beside
        // what the arena already holds (a 1080p frame's text pass with no UI tree took a
        // session from ~440 to ~550 MiB on its second run); without it, runs reuse the arena.
        // Interleaved runs measured no speed difference (frames, NER).
        .with_memory_pattern(false)
        .map_err(|e| bad(e.into()))?
        .commit_from_file(path)
        .map_err(bad)
}

/// How many sessions of a model to load for `threads` cores, and the intra-op threads of each:
/// single-threaded sessions, one per core up to four (past that, each takes its share of
/// threads; every session holds its own weights and buffers). Measured on 2 cores
/// (AVX512-VNNI), the small runs these pools serve are as fast on one thread as on two, or
/// faster, as the threads' hand-over per operator costs what it saves at these sizes: a NER
/// window of up to ~100 tokens (an 8-word text 0.53 vs 0.76 ms), a face crop (256 px: 3.3 vs
/// 4.2 ms), a text area (256 px: 4.7 vs 6.7 ms); and two sessions side by side run two at once.
/// Large runs do gain from a second thread (faces at 640 px 11 vs 16 ms, text regions at
/// 1280 px 134 vs 147 ms): the face and text models keep one session with all the threads
/// for the whole-frame pass.
pub fn pool_shape(threads: usize) -> (usize, usize) {
    let pool = threads.clamp(1, 4);
    (pool, (threads / pool).max(1))
}

/// Sessions of one model, loaded once and shared by threads: ORT's `run` needs exclusive
/// access, so a caller takes a free session, or (all busy) waits for the one its thread maps
/// to. Several threads infer at once, one per session.
pub struct Pool {
    sessions: Vec<Mutex<ort::session::Session>>,
}

impl Pool {
    /// `size` sessions of the model at `path`, `threads` intra-op threads each.
    pub fn load(path: &Path, size: usize, threads: usize) -> Result<Pool, ModelError> {
        let sessions = (0..size.max(1)).map(|_| session(path, threads).map(Mutex::new)).collect::<Result<_, _>>()?;
        Ok(Pool { sessions })
    }

    /// An image model's two pools: `whole`, one session with all `pool * threads` threads, for
    /// the whole-frame pass (large runs gain from a second thread, and one session alone then
    /// keeps a large run's memory), and `near`, `pool - 1` (at least one) sessions of
    /// `threads`, for crops side by side.
    pub fn whole_and_near(path: &Path, pool: usize, threads: usize) -> Result<(Pool, Pool), ModelError> {
        Ok((Pool::load(path, 1, pool * threads)?, Pool::load(path, pool.saturating_sub(1).max(1), threads)?))
    }

    /// How many sessions, so how many runs can go at once.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Never true: a pool is loaded with one session at least.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Every session, to check what was loaded (a model's metadata).
    pub fn each(&self, mut check: impl FnMut(&ort::session::Session) -> Result<(), ModelError>) -> Result<(), ModelError> {
        for s in &self.sessions {
            check(&*s.lock().map_err(|_| ModelError::Run("model session poisoned".into()))?)?;
        }
        Ok(())
    }

    /// A free session, or (all busy) the one this thread maps to.
    pub fn get(&self) -> Result<MutexGuard<'_, ort::session::Session>, ModelError> {
        for s in &self.sessions {
            if let Ok(g) = s.try_lock() {
                return Ok(g);
            }
        }
        let i = rayon::current_thread_index().unwrap_or(0) % self.sessions.len();
        self.sessions[i].lock().map_err(|_| ModelError::Run("model session poisoned".into()))
    }
}

/// A model could not be loaded or run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Runtime(RuntimeError),
    #[error("model {path} did not load: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("model inference failed: {0}")]
    Run(String),
}
