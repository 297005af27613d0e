//! The stage timings the report gives for the bench frame (`benches/common::frame`), medians
//! of 15 runs per configuration. `cargo run --release --example frame_timings [-- "key = v"]`
//! (extra `[models]` keys, `;`-separated, e.g. "text_max_side = 960").

#[path = "../benches/common/mod.rs"]
mod common;

use veil::{Engine, Policy};

fn main() {
    let (frames, with_tree, _) = common::frame();
    let extra = std::env::args().nth(1).unwrap_or_default().replace(';', "\n");
    for (name, models) in [("ui_tree_only", "faces = false\ntext_regions = false"), ("ui_tree_faces", "faces = true\ntext_regions = false"), ("ui_tree_faces_text", "faces = true\ntext_regions = true")] {
        let engine = Engine::new(Policy::from_toml(&format!("[models]\n{models}\n{extra}")).expect("valid policy")).expect("engine loads");
        let mut rows: Vec<(f64, f64, f64, f64)> = (0..15)
            .map(|_| {
                let (_, r) = engine.redact_batch(vec![common::record(&with_tree)], &frames, &|_| {}).expect("frame redacts");
                (r.timings.text_ms, r.timings.frames_ms, r.timings.faces_ms, r.timings.text_regions_ms)
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let m = rows[rows.len() / 2];
        println!("{name:<20} wall {:6.1} ms  frame {:6.1}  faces {:6.1}  text regions {:6.1}", m.0, m.1, m.2, m.3);
    }
}
