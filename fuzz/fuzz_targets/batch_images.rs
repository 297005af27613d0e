//! A whole batch whose frame bytes are fuzzed (a screenshot with UI nodes; models off so it
//! needs no runtime): no panic; a frame that leaves decodes, is opaque, and its event names it.
#![no_main]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;

fn engine() -> &'static veil::Engine {
    static E: OnceLock<veil::Engine> = OnceLock::new();
    E.get_or_init(|| {
        let p = veil::Policy::from_toml("[models]\nfaces = false\ntext_regions = false\nner = false\n[limits]\nmax_image_pixels = 4000000").unwrap();
        veil::Engine::new(p).unwrap()
    })
}

struct Frames(Vec<u8>, Mutex<HashMap<String, Vec<u8>>>);
impl veil::FrameIo for Frames {
    fn read(&self, _: &str) -> Option<Vec<u8>> {
        Some(self.0.clone())
    }
    fn write(&self, p: &str, b: Vec<u8>) -> veil::Result<()> {
        self.1.lock().unwrap().insert(p.to_string(), b);
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let line = r#"{"seq":1,"ts":1,"kind":"screenshot","image":"frames/a.png","nodes":[{"id":"n","role":"text","text":"mail jane.doe@example.com","bounds":[0,0,40,10]}]}"#;
    let parsed = veil::capture::parse_line(line.as_bytes()).unwrap();
    let frames = Frames(data.to_vec(), Mutex::new(HashMap::new()));
    let (events, _) = engine().redact_batch(vec![veil::Record::Event { line: 1, parsed }], &frames, &|_| {}).unwrap();
    for (name, bytes) in frames.1.lock().unwrap().iter() {
        assert!(events.iter().any(|e| matches!(&e.body, veil::capture::Body::Screenshot(s) if &s.image == name)));
        let img = image::load_from_memory(bytes).expect("written frames decode");
        assert!(!img.color().has_alpha(), "frames leave opaque");
    }
});
