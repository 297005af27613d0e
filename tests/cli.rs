//! The `veil` binary as a user runs it: exit codes, summary, and the `text`/`policy`/`rules`
//! subcommands, and `detect` answering many lines in order.

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn veil() -> Command {
    Command::new(env!("CARGO_BIN_EXE_veil"))
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sample")
}

#[test]
fn redact_sample_prints_summary_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.tar.gz");
    let report = dir.path().join("report.json");
    let o = veil().args(["redact"]).arg(sample()).arg("-o").arg(&out).arg("--report").arg(&report).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("events out") && err.contains("found:") && err.contains("dropped:"), "{err}");
    assert!(out.is_file() && report.is_file());
    // --strict: the sample has drops, so exit 6.
    let o = veil().args(["redact", "--quiet", "--strict", "--force"]).arg(sample()).arg("-o").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(6));
    assert!(o.stderr.is_empty(), "--quiet prints nothing");
}

#[test]
fn exit_codes_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let o = veil().args(["redact", "/nonexistent/archive", "-o"]).arg(dir.path().join("x")).output().unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read input archive"));

    let bad = dir.path().join("p.toml");
    std::fs::write(&bad, "[scope]\nallow = 1\n").unwrap();
    let o = veil().args(["redact"]).arg(sample()).arg("-o").arg(dir.path().join("y")).arg("--policy").arg(&bad).output().unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));

    let out = dir.path().join("z");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "x").unwrap();
    let o = veil().args(["redact", "-q"]).arg(sample()).arg("-o").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(5));

    let o = veil().args(["redact"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "usage error");
}

#[test]
fn text_policy_and_rules_subcommands() {
    let mut child = veil().arg("text").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"card 4111 1111 1111 1111\nnothing here\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let s = String::from_utf8(o.stdout).unwrap();
    assert_eq!(s, "card **** **** **** 1111\nnothing here\n");
    let p = veil().arg("policy").output().unwrap();
    assert!(veil::Policy::from_toml(&String::from_utf8(p.stdout).unwrap()).is_ok(), "printed policy is valid");
    let r = String::from_utf8(veil().arg("rules").output().unwrap().stdout).unwrap();
    assert!(r.lines().any(|l| l == "credit_card") && r.lines().count() > 50);
}

/// `veil detect` detects lines side by side: every answer must still be the answer to its own
/// line, in input order (a line with an email at a position only it has, among lines with
/// none and lines that are not JSON).
#[test]
fn detect_answers_every_line_in_order() {
    use std::io::Write as _;
    let n = 700;
    let mut input = String::new();
    for i in 0..n {
        match i % 7 {
            3 => input.push_str("not json\n"),
            5 => input.push_str("{\"text\": \"nothing to see here\"}\n"),
            _ => input.push_str(&format!("{{\"text\": \"{} mail ops{i}@example.com\"}}\n", "x".repeat(i % 50))),
        }
    }
    let mut child = veil().args(["detect"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), n, "one answer per line");
    for (i, v) in lines.iter().enumerate() {
        match i % 7 {
            3 => assert!(v["error"].is_string(), "line {i}: {v}"),
            5 => assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "line {i}: {v}"),
            _ => {
                let emails: Vec<_> = v["findings"].as_array().unwrap().iter().filter(|f| f["entity"] == "EMAIL_ADDRESS").collect();
                let start = i % 50 + 6;
                assert_eq!(emails.len(), 1, "line {i}: {v}");
                assert_eq!((emails[0]["start"].as_u64(), emails[0]["end"].as_u64()), (Some(start as u64), Some((start + format!("ops{i}@example.com").len()) as u64)), "line {i}: {v}");
            }
        }
    }
}
