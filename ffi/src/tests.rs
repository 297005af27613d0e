//! The C ABI called as C would call it: statuses, NULLs, non-UTF-8, ownership, sessions.
//! (The C example, `ffi/examples/stream_sample.c`, runs the same from real C in `make test`.)

use super::*;
use std::ptr::{null, null_mut};

const RULES_ONLY: &[u8] = b"[models]\nfaces = false\ntext_regions = false\nner = false\n\0";

fn engine() -> *mut VeilEngine {
    let mut e = null_mut();
    assert_eq!(unsafe { veil_engine_new(RULES_ONLY.as_ptr().cast(), &mut e) }, VeilStatus::Ok);
    e
}

fn take(buf: VeilBuf) -> String {
    let s = unsafe { String::from_utf8(std::slice::from_raw_parts(buf.ptr, buf.len).to_vec()).unwrap() };
    assert_eq!(unsafe { *buf.ptr.add(buf.len) }, 0, "NUL-terminated");
    unsafe { veil_buf_free(buf) };
    s
}

#[test]
fn text_is_redacted_and_detected() {
    let e = engine();
    let text = "mail jane.doe@example.com or call +1 415-555-2671";
    let mut out = VeilBuf::EMPTY;
    assert_eq!(unsafe { veil_redact_text(e, text.as_ptr(), text.len(), &mut out) }, VeilStatus::Ok);
    let r = take(out);
    assert!(r.starts_with("mail ") && !r.contains("jane.doe") && !r.contains("2671"), "{r}");
    let mut out = VeilBuf::EMPTY;
    assert_eq!(unsafe { veil_detect(e, text.as_ptr(), text.len(), &mut out) }, VeilStatus::Ok);
    let found: serde_json::Value = serde_json::from_str(&take(out)).unwrap();
    assert_eq!(found[0]["entity"], "EMAIL_ADDRESS");
    assert_eq!(found[0]["start"], 5);
    assert_eq!(found[0]["end"], 25);
    // Empty text, given as NULL with length 0.
    let mut out = VeilBuf::EMPTY;
    assert_eq!(unsafe { veil_redact_text(e, null(), 0, &mut out) }, VeilStatus::Ok);
    assert_eq!(take(out), "");
    unsafe { veil_engine_free(e) };
}

#[test]
fn bad_arguments_are_statuses_and_carry_no_values() {
    let e = engine();
    let mut out = VeilBuf::EMPTY;
    let bad = b"jane.doe@example.com \xff";
    assert_eq!(unsafe { veil_redact_text(e, bad.as_ptr(), bad.len(), &mut out) }, VeilStatus::InvalidArgument);
    assert!(out.ptr.is_null());
    assert_eq!(unsafe { veil_redact_text(null(), b"x".as_ptr(), 1, &mut out) }, VeilStatus::InvalidArgument);
    assert_eq!(unsafe { veil_redact_text(e, null(), 3, &mut out) }, VeilStatus::InvalidArgument);
    assert_eq!(unsafe { veil_redact_text(e, b"x".as_ptr(), 1, null_mut()) }, VeilStatus::InvalidArgument);
    let mut eng = null_mut();
    assert_eq!(unsafe { veil_engine_new(c"[actions]\nEMAIL_ADRESS = \"tag\"\n".as_ptr(), &mut eng) }, VeilStatus::Policy);
    assert!(eng.is_null());
    assert_eq!(unsafe { veil_engine_new(null(), null_mut()) }, VeilStatus::InvalidArgument);
    let mut rep = VeilBuf::EMPTY;
    assert_eq!(unsafe { veil_redact_archive(e, c"/nonexistent/archive".as_ptr(), c"/tmp/veil-ffi-never".as_ptr(), false, &mut rep) }, VeilStatus::Input);
    for code in 0..=8 {
        let m = unsafe { CStr::from_ptr(veil_status_message(code)) }.to_str().unwrap();
        assert!(!m.is_empty());
    }
    assert_eq!(unsafe { CStr::from_ptr(veil_version()) }.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    // Freeing NULLs is a no-op.
    unsafe {
        veil_engine_free(null_mut());
        veil_session_free(null_mut());
        veil_released_free(null_mut());
        veil_buf_free(VeilBuf::EMPTY);
        veil_engine_free(e);
    }
}

fn released_lines(r: *mut VeilReleased) -> Vec<(String, Option<usize>)> {
    let n = unsafe { veil_released_count(r) };
    let v = (0..n)
        .map(|i| {
            let (mut j, mut jl, mut f, mut fl) = (null(), 0, null(), 0);
            assert_eq!(unsafe { veil_released_event(r, i, &mut j, &mut jl, &mut f, &mut fl) }, VeilStatus::Ok);
            let json = unsafe { String::from_utf8(std::slice::from_raw_parts(j, jl).to_vec()).unwrap() };
            (json, (!f.is_null()).then_some(fl))
        })
        .collect();
    let (mut j, mut jl, mut f, mut fl) = (null(), 0, null(), 0);
    assert_eq!(unsafe { veil_released_event(r, n, &mut j, &mut jl, &mut f, &mut fl) }, VeilStatus::InvalidArgument);
    unsafe { veil_released_free(r) };
    v
}

#[test]
fn a_session_outlives_its_engine_handle_and_releases_frames() {
    let e = engine();
    let mut s = null_mut();
    assert_eq!(unsafe { veil_session_new(e, 0, &mut s) }, VeilStatus::Ok);
    unsafe { veil_engine_free(e) };
    let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/sample/frames/000002.png")).unwrap();
    let line = br#"{"seq":1,"ts":5,"kind":"screenshot","image":"frames/a.png","nodes":[{"text":"jane.doe@example.com","bounds":[40,60,299,20]}]}"#;
    let mut r = null_mut();
    assert_eq!(unsafe { veil_session_push(s, line.as_ptr(), line.len(), png.as_ptr(), png.len(), &mut r) }, VeilStatus::Ok);
    let mut rep = (null(), 0);
    assert_eq!(unsafe { veil_released_report(r, &mut rep.0, &mut rep.1) }, VeilStatus::Ok);
    let report: serde_json::Value = serde_json::from_slice(unsafe { std::slice::from_raw_parts(rep.0, rep.1) }).unwrap();
    assert_eq!(report["totals"]["findings"], 1);
    let out = released_lines(r);
    assert_eq!(out.len(), 1);
    assert!(!out[0].0.contains("jane.doe") && out[0].1.is_some_and(|n| n > 0));
    let bad = b"{\"seq\": 2, \"kind\"";
    assert_eq!(unsafe { veil_session_push(s, bad.as_ptr(), bad.len(), null(), 0, &mut r) }, VeilStatus::Ok);
    assert!(released_lines(r).is_empty());
    assert_eq!(unsafe { veil_session_finish(s, &mut r) }, VeilStatus::Ok);
    assert!(released_lines(r).is_empty());
    assert_eq!(unsafe { veil_session_push(null_mut(), line.as_ptr(), line.len(), null(), 0, &mut r) }, VeilStatus::InvalidArgument);
    unsafe { veil_session_free(s) };
}

/// One engine, several threads at once: the `const VeilEngine *` contract.
#[test]
fn one_engine_many_threads() {
    struct Shared(*mut VeilEngine);
    unsafe impl Sync for Shared {}
    let e = Shared(engine());
    std::thread::scope(|sc| {
        for i in 0..4 {
            let e = &e;
            sc.spawn(move || {
                let t = format!("user{i}@example.com");
                let mut out = VeilBuf::EMPTY;
                assert_eq!(unsafe { veil_redact_text(e.0, t.as_ptr(), t.len(), &mut out) }, VeilStatus::Ok);
                assert!(!take(out).contains(&t));
            });
        }
    });
    unsafe { veil_engine_free(e.0) };
}
