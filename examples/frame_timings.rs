//! The stage timings the report gives for the bench frame (`benches/common::frame`), medians
//! of 15 runs per configuration, and of the frames of the small-change stream. `cargo run --release --example frame_timings [-- "key = v"]`
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
    // The small-change stream (`common::change_stream`) through a Session, every frame after
    // the first of each stream: NER memo on, as a stream runs.
    let engine = Engine::new(Policy::from_toml(&format!("[models]\n{extra}")).expect("valid policy")).expect("engine loads");
    let mut rows = Vec::new();
    for seed in 0..3 {
        let (frames, lines) = common::change_stream(8, seed);
        let mut session = veil::Session::new(&engine, &frames, 0);
        for (i, line) in lines.iter().enumerate() {
            let r = session.push_line(line.as_bytes()).expect("frame redacts").report;
            if i > 0 {
                rows.push((r.timings.ner_ms, r.timings.text_ms, r.timings.frames_ms, r.timings.faces_ms, r.timings.text_regions_ms));
            }
        }
    }
    rows.sort_by(|a, b| a.2.total_cmp(&b.2));
    let m = rows[rows.len() / 2];
    println!("{:<20} ner {:6.1} ms  fields+frame {:6.1}  frame {:6.1}  faces {:6.1}  text regions {:6.1}", "small-change stream", m.0, m.1, m.2, m.3, m.4);
}
