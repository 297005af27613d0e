//! Measures the engine's one-time costs: construction, first redaction, steady state.
//! `cargo run --release --example first_call`.
use std::time::Instant;

fn main() {
    let t = Instant::now();
    let engine = veil::Engine::new(veil::Policy::default()).expect("default policy loads");
    let build = t.elapsed();
    let text = "Jane <jane@example.com>, see +49 30 901820, card 4111 1111 1111 1111, token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
    let t = Instant::now();
    engine.redact_text(text).unwrap();
    let first = t.elapsed();
    let t = Instant::now();
    for _ in 0..100 {
        engine.redact_text(text).unwrap();
    }
    let steady = t.elapsed() / 100;
    println!("Engine::new {build:?}; first redact_text {first:?}; steady {steady:?}");
}
