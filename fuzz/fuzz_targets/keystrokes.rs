//! The keystroke planner, with the oracle of `tests/support/typing.rs`: the fuzz bytes drive
//! the choice of value, editing and chunking of a typing script; a replay of the output keys
//! (and the output text events) never rebuilds the planted value nor a 4+ character piece of
//! it, and a session's output equals the archive run's.
#![no_main]

#[path = "../../tests/support/typing.rs"]
mod typing;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn engine() -> &'static veil::Engine {
    static E: OnceLock<veil::Engine> = OnceLock::new();
    E.get_or_init(typing::engine)
}

fuzz_target!(|data: &[u8]| {
    let mut rng = typing::Rng::from_bytes(data);
    let (label, value, _) = typing::value(&mut rng);
    let kind = *rng.pick(&typing::KINDS);
    let sc = typing::script_for(&mut rng, label, value, kind);
    if let Err(problem) = typing::check_script(engine(), rng.next(), sc) {
        panic!("{problem}");
    }
});
