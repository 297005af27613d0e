//! Panics: contained, and silent about data.
//!
//! Every unit of work that touches captured data (one event, one pass over a batch, one text)
//! runs under [`catch`]: a panic there becomes an [`Internal`] value that the caller turns into
//! a counted drop (`internal_error`) or a typed error, so a bug can cost the data it was
//! working on, never the run, and never unwinds into a host's stack.
//!
//! A panic message can quote the text being processed (a slice error prints the string it
//! sliced). [`install_panic_hook`] puts a hook in front of the process's own that, for panics
//! raised while veil works, prints the source location only. It must never print a payload.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How deep this thread is inside [`catch`].
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// A panic was caught; what it said is not kept (it may hold captured data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Internal;

/// Runs `f`, turning a panic into [`Internal`].
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Internal> {
    install_panic_hook();
    DEPTH.with(|d| d.set(d.get() + 1));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    r.map_err(|_| Internal)
}

/// Is the current thread doing veil's work? Inside [`catch`], or a rayon worker (veil's
/// parallel passes run there; a panic in a nested parallel step surfaces on such a thread
/// before it reaches the guarded caller).
fn in_veil() -> bool {
    DEPTH.with(|d| d.get() > 0) || rayon::current_thread_index().is_some()
}

static HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that prints only the location of panics raised
/// while veil works, and hands every other panic to the hook that was there before, so an
/// embedding host keeps its own reporting for its own panics. [`crate::Engine::new`] calls it.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if in_veil() {
                print_location(info);
            } else {
                previous(info);
            }
        }));
    });
}

/// A hook for programs that are veil alone (the CLI): every panic prints its location only.
pub fn install_silent_panic_hook() {
    HOOK.call_once(|| panic::set_hook(Box::new(print_location)));
}

fn print_location(info: &panic::PanicHookInfo<'_>) {
    let at = info.location().map_or_else(|| "unknown location".to_string(), |l| format!("{}:{}", l.file(), l.line()));
    eprintln!("veil: internal error at {at}; the data it was working on was dropped, not output (details withheld: they could quote captured data)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_values() {
        assert_eq!(catch(|| 7), Ok(7));
        let secret = String::from("jane.doe@example.com");
        assert_eq!(catch(|| panic!("{secret}")), Err(Internal));
        // Nested: the inner one is caught, the outer goes on.
        assert_eq!(catch(|| catch(|| -> u8 { panic!("inner") }).is_err()), Ok(true));
        assert_eq!(DEPTH.with(|d| d.get()), 0);
    }
}
