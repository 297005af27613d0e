//! Soak: a long capture stream through one `Session` (100,000 events and 1,000 frames by
//! default) with every model loaded, printing the process's resident memory as it goes. What
//! it shows: peak RSS with all models, and whether memory grows with the stream (state kept per
//! field, per element, per value, the NER memo) instead of staying bounded.
//!
//! `cargo run --release --example soak [events] [frames] [nopause]`: with `nopause` typing
//! never stops for the session's settle time (5 s), so held events are bounded only by the
//! session's memory limits (`max_held`, `max_held_bytes`).
//!
//! The stream: typing into many fields (mail, chat, forms, with emails, phones and cards now
//! and then), text events, window changes, titles, clicks, and a 1080p screenshot with a UI
//! tree every `events / frames` events whose node texts change from frame to frame (a clock, a
//! list that scrolls), so neither the NER memo nor the frame path sees only repeats.

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use veil::pipeline::Session;
use veil::{Engine, Policy};

/// (resident, peak resident) in MiB, from /proc/self/status.
fn rss() -> (f64, f64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |k: &str| s.lines().find(|l| l.starts_with(k)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let events = args.first().copied().unwrap_or(100_000);
    let frames_n = args.get(1).copied().unwrap_or(1_000).max(1);
    let pauses = !std::env::args().any(|a| a == "nopause");
    let (start_rss, _) = rss();
    let engine = Engine::new(Policy::default()).unwrap();
    let (loaded, _) = rss();
    let (frames, with_tree, _) = common::frame();
    let base: serde_json::Value = serde_json::from_str(&with_tree).unwrap();
    let mut session = Session::new(&engine, &frames, 0);
    let apps = ["mail", "chat", "crm", "terminal", "browser"];
    let text = "hi, please send the invoice to jane.doe@example.com or call +44 20 7946 0018 today. ";
    let every = (events / frames_n).max(1);
    let (mut released, mut written_frames) = (0usize, 0usize);
    let mut samples = Vec::new();
    let t0 = Instant::now();
    println!("models loaded: {:.0} MiB resident (process start {:.0} MiB)", loaded, start_rss);
    println!("{:>8} {:>8} {:>10} {:>10} {:>9}", "events", "frames", "RSS MiB", "peak MiB", "s");
    let mut ts = 1_000u64;
    for i in 0..events {
        let seq = i as u64 + 1;
        // 50 ms between events; a 6 s pause before each new field (people stop typing).
        ts += if pauses && i % 300 == 0 { 6_000 } else { 50 };
        let app = apps[(i / 500) % apps.len()];
        let line = if i % every == every - 1 {
            let mut v = base.clone();
            // Node texts that change: a clock, a scrolled list, a person now and then.
            let k = i / every;
            for (j, n) in v["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
                if n["role"] == "text" && j % 7 == k % 7 {
                    n["text"] = format!("Item {} updated at {:02}:{:02} by user{}", j + k, (k / 60) % 24, k % 60, k % 97).into();
                }
            }
            v["seq"] = seq.into();
            v["ts"] = ts.into();
            v["app"] = app.into();
            v.to_string()
        } else {
            match i % 100 {
                0 => serde_json::json!({"seq": seq, "ts": ts, "kind": "window", "app": app, "title": format!("Inbox ({}) - {app}", i % 50), "bounds": [0, 0, 1920, 1080]}).to_string(),
                1 => serde_json::json!({"seq": seq, "ts": ts, "kind": "text", "source": "accessibility", "text": format!("Ticket {i}: customer asked about order {}", i * 7)}).to_string(),
                2 => serde_json::json!({"seq": seq, "ts": ts, "kind": "mouse", "action": "click", "x": 100, "y": 200}).to_string(),
                _ => {
                    let c = text.chars().nth(i % text.chars().count()).unwrap().to_string();
                    // A new field every 300 keys: state per field must not pile up for ever.
                    let element = format!("field{}", i / 300);
                    serde_json::json!({"seq": seq, "ts": ts, "kind": "key", "key": c, "text": c, "target": {"app": app, "element": element}}).to_string()
                }
            }
        };
        let r = session.push_line(line.as_bytes()).unwrap();
        released += r.events.len();
        written_frames += r.report.totals.output_frames;
        if (i + 1) % (events / 10).max(1) == 0 {
            let (now, peak) = rss();
            samples.push(now);
            println!("{:>8} {:>8} {:>10.1} {:>10.1} {:>9.1}", i + 1, (i + 1) / every, now, peak, t0.elapsed().as_secs_f64());
        }
    }
    let r = session.finish().unwrap();
    released += r.events.len();
    written_frames += r.report.totals.output_frames;
    let (now, peak) = rss();
    println!("released {released} events, {written_frames} frames; end RSS {now:.1} MiB, peak {peak:.1} MiB, {:.1} s", t0.elapsed().as_secs_f64());
    if samples.len() >= 3 {
        let (first, last) = (samples[1], samples[samples.len() - 1]);
        println!("growth from 20% to 100% of the stream: {:+.1} MiB ({:+.1}%)", last - first, (last - first) / first * 100.0);
    }
}
