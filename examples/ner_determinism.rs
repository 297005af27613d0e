fn main() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models"));
    let ner = veil::detect::ner::NerDetector::load(&dir.join("ner.onnx"), &dir.join("ner_tokenizer.json"), 1, 2, [0.5; 3]).unwrap();
    let texts = ["Lunch with Olusegun Adeyemi at Brightwater Logistics in Lagos on Friday",
                 "Quarterly planning item 17 for the platform team",
                 "ok", "Please review the attached deck before Monday's sync with Harriet Vance of Northwind",
                 "Project status: on track"];
    let alone: Vec<_> = texts.iter().map(|t| ner.detect_batch(&[t]).unwrap().remove(0)).collect();
    let together = ner.detect_batch(&texts).unwrap();
    let mut diffs = 0;
    for (i, (a, b)) in alone.iter().zip(&together).enumerate() {
        let fa: Vec<_> = a.iter().map(|f| (f.start, f.end, f.entity, (f.score * 1000.0).round() as i32)).collect();
        let fb: Vec<_> = b.iter().map(|f| (f.start, f.end, f.entity, (f.score * 1000.0).round() as i32)).collect();
        if fa != fb { diffs += 1; println!("text {i}: alone {fa:?}\n        together {fb:?}"); }
    }
    println!("{diffs} of {} texts differ between alone and batched", texts.len());
}
