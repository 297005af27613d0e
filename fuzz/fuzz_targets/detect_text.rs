//! Text detection over arbitrary Unicode (the rules and the normalised shadow; regex-only, so
//! it needs no runtime): no panic, every span on char boundaries, and redacting never panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn engine() -> &'static veil::Engine {
    static E: OnceLock<veil::Engine> = OnceLock::new();
    E.get_or_init(|| {
        let p = veil::Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false").unwrap();
        veil::Engine::new(p).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let found = engine().detect(&text).expect("regex-only detection cannot fail");
    for f in &found {
        assert!(f.start < f.end && f.end <= text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
    }
    for w in found.windows(2) {
        assert!(w[0].end <= w[1].start, "findings overlap");
    }
    engine().redact_text(&text).expect("regex-only redaction cannot fail");
});
