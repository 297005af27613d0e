//! Prints what each rule finds in the given texts (rule name, entity, span): a debugging aid
//! for rule authors. `cargo run --example explain -- "text"`. It prints the values it finds,
//! so use it on test data only.
use veil::detect::rules::{RuleConfig, RuleSet};
use veil::detect::Detector;

fn main() {
    let rules = RuleSet::builtin(&RuleConfig::default()).expect("built-in rules compile");
    for text in std::env::args().skip(1) {
        let mut v = Vec::new();
        rules.detect(&text, &mut v);
        println!("{text:?}");
        for f in v {
            println!("  {:<24} {:<14} {:>4}..{:<4} {:?}", f.detector, f.entity.name(), f.start, f.end, &text[f.start..f.end]);
        }
    }
}
