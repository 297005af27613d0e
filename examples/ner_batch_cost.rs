//! One cold batch of 300 distinct short texts through the NER model (for instruction counts
//! under callgrind: `valgrind --tool=callgrind target/release/examples/ner_batch_cost`).
fn main() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models"));
    let ner = veil::detect::ner::NerDetector::load(&dir.join("ner.onnx"), &dir.join("ner_tokenizer.json"), 1, 1, [0.5; 3]).unwrap();
    let texts: Vec<String> = (0..300).map(|i| if i % 5 == 0 { format!("Reply to user{i}@example.com about the Lagos office") } else { format!("Quarterly planning item {i}") }).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let t = std::time::Instant::now();
    let found = ner.detect_batch(&refs).unwrap();
    println!("{} texts, {} findings, {:?}", refs.len(), found.iter().map(Vec::len).sum::<usize>(), t.elapsed());
}
