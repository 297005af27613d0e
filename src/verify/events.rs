//! `events.jsonl` as the engine writes it: each line the engine's own serialisation of a typed
//! `capture/1` event (parsed by [`crate::capture::parse_line`], no unknown field, and the same
//! bytes when written again), `seq` strictly increasing, every name engine-made (ids by
//! [`is_id_token`], roles from [`ROLES`], key names as [`crate::keys::sanitise_key`] leaves
//! them, frame names by [`frame_name`]), nothing the policy puts out of scope.
//!
//! It must never repeat a line's content in a problem: the line number and the field name only.

use super::problem::{Problem, ProblemKind};
use crate::capture::{parse_line, Body, Event};
use crate::pipeline::names::{is_id_token, ROLES};
use crate::policy::Scope;
use crate::screenshot::frame_name;

/// The events of `events.jsonl` that parse, with their (1-based) line numbers, and the
/// problems of every line.
pub(crate) fn read(bytes: &[u8], scope: &Scope) -> (Vec<(usize, Event)>, Vec<Problem>) {
    let mut events = Vec::new();
    let mut out = Vec::new();
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        out.push(Problem::new(ProblemKind::BadLine, "events.jsonl (does not end with a newline)"));
    }
    let mut last_seq: Option<u64> = None;
    let count = bytes.split(|&b| b == b'\n').count();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let n = i + 1;
        if line.is_empty() && n == count {
            break; // after the last newline
        }
        let at = |what: &str| format!("events.jsonl:{n}{what}");
        let parsed = match parse_line(line) {
            Ok(p) => p,
            Err(r) => {
                out.push(Problem::new(ProblemKind::BadLine, at(&format!(" (not a capture/1 event: {})", r.as_str()))));
                continue;
            }
        };
        if parsed.unknown_fields > 0 {
            out.push(Problem::new(ProblemKind::BadLine, at(&format!(" ({} fields capture/1 does not define)", parsed.unknown_fields))));
        } else if serde_json::to_vec(&parsed.event).ok().as_deref() != Some(line) {
            out.push(Problem::new(ProblemKind::BadLine, at(" (not the bytes the engine writes for this event)")));
        }
        if last_seq.is_some_and(|s| parsed.event.seq <= s) {
            out.push(Problem::new(ProblemKind::SeqOrder, at("")));
        }
        last_seq = Some(parsed.event.seq);
        names(n, &parsed.event, &mut out);
        in_scope(n, &parsed.event, scope, &mut out);
        events.push((n, parsed.event));
    }
    (events, out)
}

fn role_ok(r: &Option<String>) -> bool {
    r.as_deref().is_none_or(|r| r == "other" || ROLES.contains(&r))
}

fn id_ok(id: &Option<String>) -> bool {
    id.as_deref().is_none_or(is_id_token)
}

/// Ids, roles, key names and frame names: only what the engine makes.
fn names(n: usize, ev: &Event, out: &mut Vec<Problem>) {
    let mut bad = |what: String| out.push(Problem::new(ProblemKind::ForeignName, format!("events.jsonl:{n} {what}")));
    match &ev.body {
        Body::Key(k) => {
            let mut sane = k.clone();
            crate::keys::sanitise_key(&mut sane);
            if sane.key != k.key {
                bad("key".into());
            }
            if let Some(t) = &k.target {
                if !id_ok(&t.element) {
                    bad("target.element".into());
                }
                if !role_ok(&t.role) {
                    bad("target.role".into());
                }
            }
        }
        Body::Text(t) => {
            if !id_ok(&t.element) {
                bad("element".into());
            }
            if !role_ok(&t.role) {
                bad("role".into());
            }
        }
        Body::Screenshot(s) => {
            if s.image != frame_name(ev.seq, &s.image) {
                bad("image".into());
            }
            for (i, node) in s.nodes.iter().flatten().enumerate() {
                if !id_ok(&node.id) {
                    bad(format!("nodes[{i}].id"));
                }
                if !role_ok(&node.role) {
                    bad(format!("nodes[{i}].role"));
                }
            }
        }
        _ => {}
    }
}

/// Windows and apps the policy puts out of scope never leave.
fn in_scope(n: usize, ev: &Event, scope: &Scope, out: &mut Vec<Problem>) {
    let mut bad = |what: &str| out.push(Problem::new(ProblemKind::OutOfScope, format!("events.jsonl:{n} {what}")));
    let app_ok = |a: Option<&str>| a.is_none() || scope.app_in_scope(a);
    match &ev.body {
        Body::Window(w) if !scope.window_in_scope(Some(&w.app), &w.title, w.url.as_deref()) => bad("window"),
        Body::Key(k) if !app_ok(k.target.as_ref().and_then(|t| t.app.as_deref())) => bad("target.app"),
        Body::Text(t) if !app_ok(t.app.as_deref()) => bad("app"),
        Body::Screenshot(s) => {
            if !app_ok(s.app.as_deref()) {
                bad("app");
            }
            for (i, w) in s.windows.iter().flatten().enumerate() {
                if !scope.window_in_scope(Some(&w.app), &w.title, None) {
                    bad(&format!("windows[{i}]"));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(lines: &str) -> Vec<ProblemKind> {
        let (_, p) = read(lines.as_bytes(), &crate::Policy::default().scope);
        p.into_iter().map(|p| p.kind).collect()
    }

    #[test]
    fn only_what_the_engine_writes() {
        assert!(kinds("{\"seq\":1,\"ts\":2,\"kind\":\"text\",\"source\":\"clipboard\",\"text\":\"hi\"}\n").is_empty());
        assert_eq!(kinds("{\"seq\":1,\"ts\":2,\"kind\":\"text\",\"source\":\"clipboard\",\"text\":\"hi\",\"note\":\"x\"}\n"), [ProblemKind::BadLine]);
        assert_eq!(kinds("{\"ts\":2,\"seq\":1,\"kind\":\"text\",\"source\":\"clipboard\",\"text\":\"hi\"}\n"), [ProblemKind::BadLine], "reordered: not the engine's bytes");
        assert_eq!(kinds("{\"seq\":1,\"ts\":2,\"kind\":\"telemetry\"}\n"), [ProblemKind::BadLine]);
        assert_eq!(kinds("\n"), [ProblemKind::BadLine], "an empty line");
        assert_eq!(kinds("{\"seq\":2,\"ts\":2,\"kind\":\"control\",\"action\":\"pause\"}\n{\"seq\":2,\"ts\":2,\"kind\":\"control\",\"action\":\"resume\"}\n"), [ProblemKind::SeqOrder]);
        assert_eq!(kinds("{\"seq\":1,\"ts\":2,\"kind\":\"text\",\"source\":\"clipboard\",\"text\":\"hi\"}"), [ProblemKind::BadLine], "no final newline");
        assert!(kinds("").is_empty());
    }

    #[test]
    fn names_must_be_engine_made() {
        let shot = r#"{"seq":7,"ts":2,"kind":"screenshot","image":"frames/00000007.png","nodes":[{"id":"id_0123456789abcdef","role":"button","text":"","bounds":[0,0,1,1],"secure":false}]}"#;
        assert!(kinds(&format!("{shot}\n")).is_empty());
        for (from, to) in [("frames/00000007.png", "frames/00000008.png"), ("id_0123456789abcdef", "jane"), ("button", "jane")] {
            assert_eq!(kinds(&format!("{}\n", shot.replace(from, to))), [ProblemKind::ForeignName], "{to}");
        }
        assert_eq!(kinds("{\"seq\":1,\"ts\":2,\"kind\":\"key\",\"key\":\"j\",\"text\":\"@\"}\n"), [ProblemKind::ForeignName], "a key name carrying more than its text");
        assert_eq!(kinds("{\"seq\":1,\"ts\":2,\"kind\":\"window\",\"app\":\"1Password 7\",\"title\":\"\",\"bounds\":[0,0,1,1]}\n"), [ProblemKind::OutOfScope]);
    }
}
