//! Fail-closed parsing of one `events.jsonl` line into a typed [`Event`].
//!
//! Lenient only where the meaning is unambiguous: a UTF-8 BOM is stripped, `null` counts as
//! absent (a null title is an empty one), integral floats are integers (`600.0`), enum words are
//! case-insensitive (`"Pause"`). Unknown fields are removed (and counted) before typed
//! deserialisation; unknown kinds, malformed JSON, invalid UTF-8, missing or ill-typed fields
//! and unsafe image paths make the line a counted drop.
//!
//! A dropped line may have carried a protective meaning (a window of a password manager, the
//! person's `pause` or `forget`). [`parse_line_full`] says which meaning a rejected line could
//! have had ([`Protective`], from what it claims to be, even when it is not valid JSON), so the
//! pipeline can assume the most protective one. Nothing here ever panics on input, and no
//! error carries input bytes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::event::{Body, Event};

/// Why an event (or a line that never became an event) was not written to the output.
/// These codes appear in the report; they never carry captured values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    InvalidUtf8,
    BadJson,
    LineTooLong,
    NotAnObject,
    UnknownKind,
    BadField,
    BadImagePath,
    SeqNotIncreasing,
    MissingImage,
    BadImage,
    ImageTooLarge,
    TooLarge,
    OutOfScope,
    Paused,
    Forgotten,
    SecureInput,
    UnverifiedPixels,
    RedactedKeystroke,
    /// Keys typed at an unknown place in a long, heavily edited field, past what the planner
    /// checks per field: dropped, as they could complete a value anywhere in it.
    UncheckedKeystroke,
    ModelFailed,
    InternalError,
}

impl DropReason {
    /// Every reason, in declaration order (a new variant must be added here: [`Self::index`]
    /// will not compile without it, and a test checks the two agree).
    pub const ALL: [DropReason; 21] = [DropReason::InvalidUtf8, DropReason::BadJson, DropReason::LineTooLong, DropReason::NotAnObject, DropReason::UnknownKind, DropReason::BadField, DropReason::BadImagePath, DropReason::SeqNotIncreasing, DropReason::MissingImage, DropReason::BadImage, DropReason::ImageTooLarge, DropReason::TooLarge, DropReason::OutOfScope, DropReason::Paused, DropReason::Forgotten, DropReason::SecureInput, DropReason::UnverifiedPixels, DropReason::RedactedKeystroke, DropReason::UncheckedKeystroke, DropReason::ModelFailed, DropReason::InternalError];

    /// This reason's place in [`Self::ALL`].
    pub const fn index(self) -> usize {
        match self {
            DropReason::InvalidUtf8 => 0,
            DropReason::BadJson => 1,
            DropReason::LineTooLong => 2,
            DropReason::NotAnObject => 3,
            DropReason::UnknownKind => 4,
            DropReason::BadField => 5,
            DropReason::BadImagePath => 6,
            DropReason::SeqNotIncreasing => 7,
            DropReason::MissingImage => 8,
            DropReason::BadImage => 9,
            DropReason::ImageTooLarge => 10,
            DropReason::TooLarge => 11,
            DropReason::OutOfScope => 12,
            DropReason::Paused => 13,
            DropReason::Forgotten => 14,
            DropReason::SecureInput => 15,
            DropReason::UnverifiedPixels => 16,
            DropReason::RedactedKeystroke => 17,
            DropReason::UncheckedKeystroke => 18,
            DropReason::ModelFailed => 19,
            DropReason::InternalError => 20,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::InvalidUtf8 => "invalid_utf8",
            DropReason::BadJson => "bad_json",
            DropReason::LineTooLong => "line_too_long",
            DropReason::NotAnObject => "not_an_object",
            DropReason::UnknownKind => "unknown_kind",
            DropReason::BadField => "bad_field",
            DropReason::BadImagePath => "bad_image_path",
            DropReason::SeqNotIncreasing => "seq_not_increasing",
            DropReason::MissingImage => "missing_image",
            DropReason::BadImage => "bad_image",
            DropReason::ImageTooLarge => "image_too_large",
            DropReason::TooLarge => "too_large",
            DropReason::OutOfScope => "out_of_scope",
            DropReason::Paused => "paused",
            DropReason::Forgotten => "forgotten",
            DropReason::SecureInput => "secure_input",
            DropReason::UnverifiedPixels => "unverified_pixels",
            DropReason::RedactedKeystroke => "redacted_keystroke",
            DropReason::UncheckedKeystroke => "unchecked_keystroke",
            DropReason::ModelFailed => "model_failed",
            DropReason::InternalError => "internal_error",
        }
    }
}

/// The most protective meaning a line that could not be understood may have carried. The
/// pipeline applies it: focus out of scope until the next valid window event; paused until the
/// next valid `resume`; everything before it forgotten.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Protective {
    pub leave_scope: bool,
    pub pause: bool,
    pub forget_all: bool,
}

impl Protective {
    pub const NONE: Protective = Protective { leave_scope: false, pause: false, forget_all: false };

    pub fn is_none(&self) -> bool {
        *self == Protective::NONE
    }

    /// What a line claiming `kind` (and, for control lines, `action`) could have meant.
    fn of(kind: Option<&str>, action: Option<&str>) -> Protective {
        match (kind, action) {
            (Some("window"), _) => Protective { leave_scope: true, ..Protective::NONE },
            // A resume that cannot be understood resumes nothing.
            (Some("control") | None, Some("resume")) => Protective::NONE,
            (Some("control") | None, Some("pause")) => Protective { pause: true, ..Protective::NONE },
            (Some("control") | None, Some("forget")) => Protective { forget_all: true, ..Protective::NONE },
            // A control line whose action is unreadable could have been either.
            (Some("control"), _) => Protective { pause: true, forget_all: true, ..Protective::NONE },
            _ => Protective::NONE,
        }
    }

    /// The protective meaning of an event that is valid but cannot be placed in the stream
    /// (its `seq` does not increase): a pause still pauses, a forget forgets everything before
    /// it, a window puts focus out of scope (where it really is is unknown); a resume does not
    /// resume.
    pub fn of_misplaced(body: &Body) -> Protective {
        match body {
            Body::Window(_) => Protective { leave_scope: true, ..Protective::NONE },
            Body::Control(c) => match c.action {
                super::event::ControlAction::Pause => Protective { pause: true, ..Protective::NONE },
                super::event::ControlAction::Forget => Protective { forget_all: true, ..Protective::NONE },
                super::event::ControlAction::Resume => Protective::NONE,
            },
            _ => Protective::NONE,
        }
    }

    /// Sniffs a line that is not valid JSON (or not UTF-8, or too long: `bytes` is then its
    /// head) for the kind and action it claims, case-insensitively.
    pub fn sniff(bytes: &[u8]) -> Protective {
        let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
        let value_of = |key: &str| -> Option<String> {
            let at = text.find(&format!("\"{key}\""))? + key.len() + 2;
            let rest = text[at..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
            Some(rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        };
        let kind = value_of("kind");
        let action = value_of("action").or_else(|| {
            // A control line cut short before its action: the words still tell.
            ["forget", "pause"].iter().find(|w| text.contains(&format!("\"{w}"))).map(|w| w.to_string())
        });
        match kind.as_deref() {
            Some("window") | Some("control") => Protective::of(kind.as_deref(), action.as_deref()),
            Some(_) => Protective::NONE,
            // No readable kind: only the words of a control line can still be recognised.
            None => match action.as_deref() {
                Some("pause" | "forget") => Protective::of(None, action.as_deref()),
                _ if text.contains("\"window\"") => Protective { leave_scope: true, ..Protective::NONE },
                _ => Protective::NONE,
            },
        }
    }
}

/// A successfully parsed line.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub event: Event,
    /// How many fields (at any depth) were not part of `capture/1` and were removed.
    pub unknown_fields: usize,
}

const HEADER: &[&str] = &["seq", "ts", "kind"];

fn allowed_fields(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "window" => &["app", "title", "bounds", "url"],
        "key" => &["key", "text", "mods", "target"],
        "text" => &["source", "text", "app", "element", "role"],
        "mouse" => &["action", "x", "y", "button", "dx", "dy"],
        "screenshot" => &["image", "app", "windows", "nodes"],
        "control" => &["action", "span_ms"],
        _ => return None,
    })
}

/// Removes every key of `obj` not in `allowed`; returns how many were removed.
fn retain_known(obj: &mut Map<String, Value>, allowed: &[&str]) -> usize {
    let before = obj.len();
    obj.retain(|k, _| allowed.contains(&k.as_str()));
    before - obj.len()
}

fn retain_in_array(v: Option<&mut Value>, allowed: &[&str], nested: impl Fn(&mut Map<String, Value>) -> usize) -> usize {
    let mut n = 0;
    if let Some(Value::Array(items)) = v {
        for item in items {
            if let Value::Object(o) = item {
                n += retain_known(o, allowed);
                n += nested(o);
            }
        }
    }
    n
}

/// Parses one line (without its newline).
pub fn parse_line(bytes: &[u8]) -> Result<Parsed, DropReason> {
    parse_line_full(bytes).map_err(|(reason, _)| reason)
}

/// Parses one line; a rejected line comes with the most protective meaning it could have had.
pub fn parse_line_full(bytes: &[u8]) -> Result<Parsed, (DropReason, Protective)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let sniffed = |r: DropReason| (r, Protective::sniff(bytes));
    let text = std::str::from_utf8(bytes).map_err(|_| sniffed(DropReason::InvalidUtf8))?;
    let value: Value = serde_json::from_str(text).map_err(|_| sniffed(DropReason::BadJson))?;
    let Value::Object(mut obj) = value else { return Err(sniffed(DropReason::NotAnObject)) };
    normalise(&mut obj);
    let kind = obj.get("kind").and_then(Value::as_str).map(str::to_owned);
    let action = obj.get("action").and_then(Value::as_str).map(str::to_owned);
    let meaning = Protective::of(kind.as_deref(), action.as_deref());
    parse_object(obj, kind).map_err(|r| (r, meaning))
}

fn parse_object(mut obj: Map<String, Value>, kind: Option<String>) -> Result<Parsed, DropReason> {
    let Some(kind) = kind else { return Err(DropReason::BadField) };
    let Some(fields) = allowed_fields(&kind) else { return Err(DropReason::UnknownKind) };
    let mut unknown = 0;
    let before = obj.len();
    obj.retain(|k, _| HEADER.contains(&k.as_str()) || fields.contains(&k.as_str()));
    unknown += before - obj.len();
    match kind.as_str() {
        "key" => {
            if let Some(Value::Object(t)) = obj.get_mut("target") {
                unknown += retain_known(t, &["app", "element", "role", "secure"]);
            }
        }
        "screenshot" => {
            unknown += retain_in_array(obj.get_mut("windows"), &["app", "title", "bounds"], |_| 0);
            unknown += retain_in_array(
                obj.get_mut("nodes"),
                &["id", "role", "text", "bounds", "secure", "lines"],
                |node| retain_in_array(node.get_mut("lines"), &["text", "bounds"], |_| 0),
            );
        }
        _ => {}
    }
    let event: Event = serde_json::from_value(Value::Object(obj)).map_err(|_| DropReason::BadField)?;
    if let Body::Screenshot(s) = &event.body {
        if !is_safe_image_path(&s.image) {
            return Err(DropReason::BadImagePath);
        }
    }
    if let Body::Key(k) = &event.body {
        if k.key.is_empty() {
            return Err(DropReason::BadField);
        }
    }
    Ok(Parsed { event, unknown_fields: unknown })
}

/// Enum-valued fields, whose words are matched case-insensitively.
const ENUM_FIELDS: &[&str] = &["kind", "action", "source", "button"];
/// Integer fields that may arrive as integral floats.
const INTEGER_FIELDS: &[&str] = &["seq", "ts", "span_ms"];

/// The unambiguous leniencies: `null` is absent (at any depth), enum words lowercase, integral
/// floats integers. Anything still wrong stays wrong and fails typed deserialisation.
fn normalise(obj: &mut Map<String, Value>) {
    obj.retain(|_, v| !v.is_null());
    for (k, v) in obj.iter_mut() {
        match v {
            Value::String(s) if ENUM_FIELDS.contains(&k.as_str()) => *s = s.trim().to_ascii_lowercase(),
            Value::Number(n) if INTEGER_FIELDS.contains(&k.as_str()) => {
                if let Some(f) = n.as_f64().filter(|f| n.as_u64().is_none() && f.fract() == 0.0 && *f >= 0.0 && *f < 9.007_199_254_740_992e15) {
                    *v = Value::from(f as u64);
                }
            }
            Value::Array(items) if k == "mods" => {
                for m in items.iter_mut() {
                    if let Value::String(s) = m {
                        *s = s.trim().to_ascii_lowercase();
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| {
                if let Value::Object(o) = i {
                    normalise(o)
                }
            }),
            Value::Object(o) => normalise(o),
            _ => {}
        }
    }
}

/// Image paths must stay inside `frames/`: relative, no `..`, no backslashes, no empty parts,
/// and a PNG or JPEG extension.
pub fn is_safe_image_path(p: &str) -> bool {
    let Some(rest) = p.strip_prefix("frames/") else { return false };
    if rest.is_empty() || p.contains('\\') || p.contains('\0') {
        return false;
    }
    if rest.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return false;
    }
    let lower = rest.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg"].iter().any(|ext| lower.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::event::*;

    #[test]
    fn parses_every_kind() {
        let lines = [
            r#"{"seq":1,"ts":5,"kind":"window","app":"chrome","title":"Inbox","bounds":[0,0,10,10],"url":"https://x"}"#,
            r#"{"seq":2,"ts":5,"kind":"key","key":"a","text":"a","mods":["shift"],"target":{"app":"x","element":"e1","secure":false}}"#,
            r#"{"seq":3,"ts":5,"kind":"text","source":"clipboard","text":"hi"}"#,
            r#"{"seq":4,"ts":5,"kind":"mouse","action":"click","x":1,"y":2,"button":"left"}"#,
            r#"{"seq":5,"ts":5,"kind":"screenshot","image":"frames/1.png","nodes":[{"id":"n","text":"t","bounds":[1,2,3,4],"lines":[{"text":"t","bounds":[1,2,3,4]}]}]}"#,
            r#"{"seq":6,"ts":5,"kind":"control","action":"forget","span_ms":100}"#,
        ];
        for l in lines {
            let p = parse_line(l.as_bytes()).unwrap();
            assert_eq!(p.unknown_fields, 0, "{l}");
            // Round trip: output is parseable input.
            let out = serde_json::to_string(&p.event).unwrap();
            assert_eq!(parse_line(out.as_bytes()).unwrap().event, p.event);
        }
    }

    #[test]
    fn unknown_fields_are_removed_and_counted() {
        let l = r#"{"seq":1,"ts":5,"kind":"screenshot","image":"frames/a.png","secret":"x","nodes":[{"text":"t","bounds":[0,0,1,1],"extra":1,"lines":[{"text":"t","bounds":[0,0,1,1],"more":2}]}]}"#;
        let p = parse_line(l.as_bytes()).unwrap();
        assert_eq!(p.unknown_fields, 3);
        let out = serde_json::to_string(&p.event).unwrap();
        assert!(!out.contains("secret") && !out.contains("extra") && !out.contains("more"));
    }

    #[test]
    fn bad_lines_are_typed_drops() {
        assert_eq!(parse_line(b"{not json"), Err(DropReason::BadJson));
        assert_eq!(parse_line(b"[1,2]"), Err(DropReason::NotAnObject));
        assert_eq!(parse_line(b"\xff\xfe{}"), Err(DropReason::InvalidUtf8));
        assert_eq!(parse_line(br#"{"seq":1,"ts":1,"kind":"telemetry"}"#), Err(DropReason::UnknownKind));
        assert_eq!(parse_line(br#"{"seq":1,"ts":1,"kind":"text","source":"x","text":"a"}"#), Err(DropReason::BadField));
        assert_eq!(parse_line(br#"{"seq":-1,"ts":1,"kind":"control","action":"pause"}"#), Err(DropReason::BadField));
        assert_eq!(parse_line(br#"{"seq":1,"ts":1,"kind":"key","key":"a","mods":["hyper"]}"#), Err(DropReason::BadField));
        assert_eq!(parse_line(br#"{"seq":1,"ts":1,"kind":"screenshot","image":"frames/../../etc/passwd.png"}"#), Err(DropReason::BadImagePath));
        assert_eq!(parse_line(br#"{"seq":1,"ts":1,"kind":"screenshot","image":"/etc/x.png"}"#), Err(DropReason::BadImagePath));
        assert_eq!(parse_line(br#"{"seq":1,"ts":1,"kind":"mouse","action":"click","x":1,"y":1,"button":"jane"}"#), Err(DropReason::BadField));
    }

    #[test]
    fn float_bounds_are_rounded() {
        let p = parse_line(br#"{"seq":1,"ts":1,"kind":"window","app":"a","title":"t","bounds":[0.4,1.6,10,10]}"#).unwrap();
        let Body::Window(w) = p.event.body else { panic!() };
        assert_eq!(w.bounds, Rect([0, 2, 10, 10]));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_line(&bytes);
        }

        #[test]
        fn never_panics_on_jsonish_text(s in r#"\{("[a-z_]{1,6}":("[^"]{0,8}"|-?[0-9]{1,20}|\[[0-9.,-]{0,20}\]|null|true|\{\}),?){0,8}\}"#) {
            let _ = parse_line(s.as_bytes());
        }

        /// Lines shaped like events, with fuzzed values: what parses round-trips with no
        /// unknown field; what does not is a drop with a protective meaning, never a panic.
        #[test]
        fn event_shaped_lines_round_trip(kind in "(window|key|text|mouse|control|screenshot|Window|CONTROL)", action in "(pause|resume|forget|Pause|click|x)", n in proptest::prelude::any::<i64>(), f in proptest::prelude::any::<f64>(), s in "\\PC{0,12}") {
            let line = serde_json::json!({"seq": n, "ts": f, "kind": kind, "action": action, "span_ms": n, "app": s, "title": s, "bounds": [f, 0, 10, 10],
                "key": s, "text": s, "source": "clipboard", "x": f, "y": n, "image": format!("frames/{s}.png")}).to_string();
            match parse_line_full(line.as_bytes()) {
                Ok(p) => {
                    let out = serde_json::to_string(&p.event).unwrap();
                    let again = parse_line(out.as_bytes()).unwrap();
                    proptest::prop_assert_eq!(again.event, p.event);
                    proptest::prop_assert_eq!(again.unknown_fields, 0);
                }
                Err((_, meaning)) => {
                    if kind.eq_ignore_ascii_case("control") && !action.eq_ignore_ascii_case("resume") {
                        proptest::prop_assert!(meaning.pause || meaning.forget_all, "a bad control line lost its meaning");
                    }
                }
            }
        }
    }
}
