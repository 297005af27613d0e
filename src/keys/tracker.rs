//! What a capture stream has shown about typing, kept across chunks: per text field (a target
//! element, or the focused app when the client names none) the operations on it in order;
//! the clipboard's last text (what a paste inserts); the texts the stream showed for each
//! element (IME compositions, autocomplete, accessibility text, UI-tree node text); and which
//! elements were ever secure (a `secure` target, a password role): they stay secure for the
//! whole stream.
//!
//! An archive run feeds one tracker everything; a [`crate::Session`] keeps one in its stream
//! state and feeds it chunk by chunk, so a value typed across chunks is still one value. It
//! holds typed text in memory only while the stream may still need it; it must never write it
//! anywhere.

use std::collections::{HashMap, HashSet};

use super::editor::{typed, Flags, Op};
use crate::capture::{Key, Mod, TextSource};

/// One text field.
#[derive(Debug, Clone)]
pub struct Field {
    /// `e\0app\0element` or `a\0app`.
    pub id: String,
    pub app: String,
    pub element: Option<String>,
    pub ops: Vec<Op>,
    /// Was any key typed into it marked secure (or with a password role)?
    pub secure: bool,
    pub first_seq: u64,
    pub last_ts: u64,
}

impl Field {
    /// The seqs of every key event of this field that could type a character under some
    /// reading (a paste included).
    pub fn typing_keys(&self) -> Vec<u64> {
        let any = Flags { undo: true, enter_inserts: true, shortcuts_type: true };
        self.ops
            .iter()
            .filter_map(|op| match op {
                Op::Key { seq, key } => typed(key, any).map(|_| *seq),
                Op::Paste { seq, .. } => Some(*seq),
                Op::CursorUnknown => None,
            })
            .collect()
    }
}

/// Roles that mark a field as secret whatever its `secure` flag says.
pub fn is_password_role(role: &str) -> bool {
    let r: String = role.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    r.contains("password") || r.contains("securetext") || r.contains("passcode") || r == "pin"
}

/// The stream's typing, by field.
#[derive(Debug, Clone, Default)]
pub struct KeyTracker {
    fields: Vec<Field>,
    index: HashMap<String, usize>,
    clipboard: Option<String>,
    last_field: Option<usize>,
    /// Element ids ever seen secure.
    secure_elements: HashSet<String>,
    /// Texts the stream showed for each element (bounded per element).
    element_texts: HashMap<String, Vec<String>>,
}

/// Texts kept per element (the newest win).
const TEXTS_PER_ELEMENT: usize = 16;

impl KeyTracker {
    /// The field a key (or text) event belongs to.
    pub fn field_id(app: &str, element: Option<&str>) -> String {
        match element {
            Some(el) => format!("e\0{app}\0{el}"),
            None => format!("a\0{app}"),
        }
    }

    /// A key event. `app` is the target's app, or the focused window's when it names none.
    pub fn key(&mut self, seq: u64, ts: u64, key: &Key, app: &str) {
        let t = key.target.as_ref();
        let element = t.and_then(|t| t.element.as_deref());
        let secure = t.is_some_and(|t| t.secure || t.role.as_deref().is_some_and(is_password_role));
        let id = Self::field_id(app, element);
        let i = match self.index.get(&id) {
            Some(&i) => i,
            None => {
                self.fields.push(Field { id: id.clone(), app: app.to_string(), element: element.map(str::to_string), ops: Vec::new(), secure: false, first_seq: seq, last_ts: ts });
                self.index.insert(id, self.fields.len() - 1);
                self.fields.len() - 1
            }
        };
        if secure {
            if let Some(el) = element {
                self.secure_elements.insert(el.to_string());
            }
        }
        let f = &mut self.fields[i];
        f.secure |= secure;
        f.last_ts = f.last_ts.max(ts);
        let paste = key.mods.iter().any(|m| matches!(m, Mod::Ctrl | Mod::Meta)) && !key.mods.contains(&Mod::Alt) && key.key.eq_ignore_ascii_case("v");
        if paste {
            f.ops.push(Op::Paste { seq, text: self.clipboard.clone() });
        } else {
            f.ops.push(Op::Key { seq, key: key.clone() });
        }
        self.last_field = Some(i);
    }

    /// A text event: the clipboard's content, or what an element showed.
    pub fn text(&mut self, source: TextSource, text: &str, element: Option<&str>, role: Option<&str>) {
        if source == TextSource::Clipboard {
            self.clipboard = Some(text.to_string());
        }
        if let Some(el) = element {
            if role.is_some_and(is_password_role) {
                self.secure_elements.insert(el.to_string());
            }
            self.element_text(el, text);
        }
    }

    /// A UI-tree node (from a screenshot): its id ties it to key and text events.
    pub fn node(&mut self, id: &str, text: &str, secure: bool, role: Option<&str>) {
        if secure || role.is_some_and(is_password_role) {
            self.secure_elements.insert(id.to_string());
        } else {
            self.element_text(id, text);
        }
    }

    fn element_text(&mut self, el: &str, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let v = self.element_texts.entry(el.to_string()).or_default();
        if !v.iter().any(|t| t == text) {
            v.push(text.to_string());
            if v.len() > TEXTS_PER_ELEMENT {
                v.remove(0);
            }
        }
    }

    /// A mouse press: the cursor of the field last typed into may have moved anywhere.
    pub fn click(&mut self) {
        if let Some(i) = self.last_field {
            let f = &mut self.fields[i];
            if !matches!(f.ops.last(), Some(Op::CursorUnknown) | None) {
                f.ops.push(Op::CursorUnknown);
            }
        }
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Is this element secure for the stream (ever marked so, or its field was)?
    pub fn is_secure(&self, f: &Field) -> bool {
        f.secure || f.element.as_deref().is_some_and(|e| self.secure_elements.contains(e))
    }

    pub fn is_secure_element(&self, element: &str) -> bool {
        self.secure_elements.contains(element)
    }

    /// Every element with texts, and its texts.
    pub fn elements_with_texts(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.element_texts.iter().map(|(e, v)| (e.as_str(), v.as_slice()))
    }

    pub fn element_texts(&self, element: &str) -> &[String] {
        self.element_texts.get(element).map_or(&[], Vec::as_slice)
    }

    /// Forgets fields idle since before `ts` (a session's retention), keeping ids and secure
    /// elements. Fields holding keys not yet released must not be forgotten: the caller
    /// passes a time before the oldest held key.
    pub fn forget_before(&mut self, ts: u64) {
        if self.fields.iter().all(|f| f.last_ts >= ts) {
            return;
        }
        self.fields.retain(|f| f.last_ts >= ts);
        self.index = self.fields.iter().enumerate().map(|(i, f)| (f.id.clone(), i)).collect();
        self.last_field = None;
    }
}
