//! The editing model of one text field: a buffer of characters, each with the `seq` of the key
//! event that typed it, a cursor, a selection, an undo history, and the points where the
//! cursor became unknown (a mouse click in the field).
//!
//! Key events do not say everything: whether Enter inserted a line break or submitted the
//! field, whether a ctrl/meta key with `text` typed it (AltGr does; a shortcut does not),
//! whether ctrl+z undid anything. The model runs under [`Flags`] that fix one answer each, and
//! the caller runs it under several to get every plausible reconstruction. It must never lose
//! a typed character's provenance: every character that any run holds names its key.

use crate::capture::{Key, Mod};

/// One interpretation of what key events did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flags {
    /// ctrl/meta+z undoes the last edit (and ctrl+y / ctrl+shift+z redoes).
    pub undo: bool,
    /// Enter and Tab insert a line break / tab at the cursor (else they commit the field).
    pub enter_inserts: bool,
    /// ctrl/meta keys whose `text` holds printable characters type them.
    pub shortcuts_type: bool,
}

impl Flags {
    /// The most likely reading: AltGr types, shortcuts do not, Enter inserts, undo undoes.
    pub const LITERAL: Flags = Flags { undo: true, enter_inserts: true, shortcuts_type: false };
}

/// Something that happened to the field.
#[derive(Debug, Clone)]
pub enum Op {
    Key { seq: u64, key: Key },
    /// A paste (ctrl/meta+v): the clipboard's text when the stream showed it; else unknown,
    /// held as one placeholder character so that nothing joins across it.
    Paste { seq: u64, text: Option<String> },
    /// The cursor moved where the stream cannot tell (a mouse click or drag in the field).
    CursorUnknown,
}

/// A buffer: characters with the key that typed each.
pub type Buf = Vec<(char, u64)>;

/// Provenance of a character no key typed (a break the model puts in a reading).
pub const NO_KEY: u64 = u64::MAX;

/// Stands for pasted text the stream never showed.
pub const UNKNOWN_PASTE: char = '\u{FFFC}';

/// What one run of the model saw.
#[derive(Debug, Default, Clone)]
pub struct Run {
    /// The field's final text.
    pub text: Buf,
    /// The text whenever editing began (a deletion, a cursor move, a selection replaced):
    /// values typed and then edited away are still checked.
    pub snapshots: Vec<Buf>,
    /// Everything typed, in order, whatever the cursor did; a space (typed by no key) where a
    /// deletion came between two runs, so that text typed after a deletion is not read as one
    /// token with what was deleted.
    pub log: Buf,
    /// The keys typed after each point where the cursor became unknown (until the next known
    /// move): they may belong anywhere in the text.
    pub segments: Vec<Vec<u64>>,
    /// Each deleting key with the keys whose characters it deleted.
    pub deletions: Vec<(u64, Vec<u64>)>,
}

/// What a key types under `flags`, if anything. AltGr (ctrl+alt on Windows) and Option (alt on
/// macOS) with `text` type it; ctrl/meta alone is a shortcut unless `shortcuts_type`.
pub fn typed(k: &Key, flags: Flags) -> Option<String> {
    let ctrl_meta = k.mods.iter().any(|m| matches!(m, Mod::Ctrl | Mod::Meta));
    let alt = k.mods.contains(&Mod::Alt);
    let printable = |t: &str| t.chars().any(|c| !c.is_control() || c == '\n' || c == '\t');
    if let Some(t) = k.text.as_deref().filter(|t| !t.is_empty() && printable(t)) {
        // A shortcut's text that only repeats its key (ctrl+c with "c") is the client naming
        // the key, not typing; other text on a shortcut may have been typed.
        if ctrl_meta && !alt && (!flags.shortcuts_type || t.eq_ignore_ascii_case(&k.key)) {
            return None;
        }
        let t = t.replace("\r\n", "\n").replace('\r', "\n");
        if !flags.enter_inserts && (t == "\n" || t == "\t") {
            return None;
        }
        return Some(t);
    }
    if ctrl_meta && !(alt && flags.shortcuts_type) {
        return None;
    }
    match k.key.as_str() {
        "Enter" | "Return" if flags.enter_inserts => Some("\n".into()),
        "Tab" if flags.enter_inserts => Some("\t".into()),
        "Space" => Some(" ".into()),
        s if s.chars().count() == 1 && !s.chars().any(char::is_control) => Some(s.to_string()),
        _ => None,
    }
}

#[derive(Default)]
struct Editor {
    chars: Buf,
    cursor: usize,
    /// The other end of the selection, when there is one.
    anchor: Option<usize>,
    undo: Vec<(Buf, usize)>,
    redo: Vec<(Buf, usize)>,
    /// The kind of the last edit, to group edits for undo (typing runs undo as one).
    last_edit: Option<bool>,
    run: Run,
    typed_since_snapshot: bool,
    /// Collecting a segment after an unknown cursor move.
    segment: Option<Vec<u64>>,
}

impl Editor {
    fn selection(&self) -> Option<(usize, usize)> {
        self.anchor.filter(|&a| a != self.cursor).map(|a| (a.min(self.cursor), a.max(self.cursor)))
    }

    fn snapshot(&mut self) {
        if self.typed_since_snapshot {
            self.run.snapshots.push(self.chars.clone());
            self.typed_since_snapshot = false;
        }
    }

    /// Records the state before an edit for undo; consecutive edits of one kind group.
    fn begin_edit(&mut self, typing: bool) {
        if self.last_edit != Some(typing) {
            self.undo.push((self.chars.clone(), self.cursor));
            if self.undo.len() > 64 {
                self.undo.remove(0);
            }
            self.last_edit = Some(typing);
        }
        self.redo.clear();
    }

    fn end_segment(&mut self) {
        if let Some(s) = self.segment.take().filter(|s| !s.is_empty()) {
            self.run.segments.push(s);
        }
    }

    fn delete(&mut self, seq: u64, from: usize, to: usize) {
        if from >= to {
            return;
        }
        if self.run.log.last().is_some_and(|&(_, s)| s != NO_KEY) {
            self.run.log.push((' ', NO_KEY));
        }
        self.snapshot();
        self.begin_edit(false);
        let gone = self.chars.drain(from..to).map(|(_, s)| s).collect();
        self.run.deletions.push((seq, gone));
        self.cursor = from;
        self.anchor = None;
    }

    fn insert(&mut self, seq: u64, text: &str) {
        if let Some((a, b)) = self.selection() {
            self.delete(seq, a, b);
        }
        self.anchor = None;
        self.begin_edit(true);
        for c in text.chars() {
            self.chars.insert(self.cursor, (c, seq));
            self.cursor += 1;
            self.run.log.push((c, seq));
        }
        if let Some(s) = self.segment.as_mut() {
            s.push(seq);
        }
        self.typed_since_snapshot = true;
    }

    fn word_left(&self) -> usize {
        let mut i = self.cursor;
        while i > 0 && self.chars[i - 1].0.is_whitespace() {
            i -= 1;
        }
        while i > 0 && !self.chars[i - 1].0.is_whitespace() {
            i -= 1;
        }
        i
    }

    fn word_right(&self) -> usize {
        let mut i = self.cursor;
        while i < self.chars.len() && !self.chars[i].0.is_whitespace() {
            i += 1;
        }
        while i < self.chars.len() && self.chars[i].0.is_whitespace() {
            i += 1;
        }
        i
    }

    fn line_start(&self) -> usize {
        self.chars[..self.cursor].iter().rposition(|(c, _)| *c == '\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self) -> usize {
        self.chars[self.cursor..].iter().position(|(c, _)| *c == '\n').map_or(self.chars.len(), |i| self.cursor + i)
    }

    /// Moves the cursor (extending the selection with shift; else collapsing it first).
    fn go(&mut self, to: usize, shift: bool, collapse_to: Option<usize>) {
        self.snapshot();
        self.end_segment();
        self.last_edit = None;
        if shift {
            self.anchor.get_or_insert(self.cursor);
            self.cursor = to.min(self.chars.len());
        } else if let (Some(c), Some(_)) = (collapse_to, self.selection()) {
            self.cursor = c;
            self.anchor = None;
        } else {
            self.cursor = to.min(self.chars.len());
            self.anchor = None;
        }
    }

    fn apply(&mut self, op: &Op, flags: Flags) {
        match op {
            Op::CursorUnknown => {
                self.snapshot();
                self.end_segment();
                self.anchor = None;
                self.last_edit = None;
                self.segment = Some(Vec::new());
            }
            Op::Paste { seq, text } => {
                let t = text.clone().unwrap_or_else(|| UNKNOWN_PASTE.to_string());
                self.insert(*seq, &t);
            }
            Op::Key { seq, key } => self.key(*seq, key, flags),
        }
    }

    fn key(&mut self, seq: u64, k: &Key, flags: Flags) {
        if let Some(t) = typed(k, flags) {
            self.insert(seq, &t);
            return;
        }
        let has = |m: Mod| k.mods.contains(&m);
        let (shift, word) = (has(Mod::Shift), has(Mod::Ctrl) || has(Mod::Alt) || has(Mod::Meta));
        let shortcut = has(Mod::Ctrl) || has(Mod::Meta);
        let name = k.key.as_str();
        if shortcut && name.chars().count() == 1 {
            match name.to_ascii_lowercase().as_str() {
                "a" => {
                    self.snapshot();
                    self.end_segment();
                    self.anchor = Some(0);
                    self.cursor = self.chars.len();
                }
                "x" => {
                    if let Some((a, b)) = self.selection() {
                        self.delete(seq, a, b);
                    }
                }
                "z" if flags.undo && shift => self.redo_once(),
                "z" if flags.undo => self.undo_once(),
                "y" if flags.undo => self.redo_once(),
                _ => {}
            }
            return;
        }
        match name {
            "Backspace" => match self.selection() {
                Some((a, b)) => self.delete(seq, a, b),
                None if self.cursor > 0 => {
                    let from = if word { self.word_left() } else { self.cursor - 1 };
                    self.delete(seq, from, self.cursor);
                }
                None => {}
            },
            "Delete" | "Del" => match self.selection() {
                Some((a, b)) => self.delete(seq, a, b),
                None if self.cursor < self.chars.len() => {
                    let to = if word { self.word_right() } else { self.cursor + 1 };
                    self.delete(seq, self.cursor, to);
                }
                None => {}
            },
            "ArrowLeft" | "Left" => {
                let to = if word { self.word_left() } else { self.cursor.saturating_sub(1) };
                self.go(to, shift, self.selection().map(|s| s.0));
            }
            "ArrowRight" | "Right" => {
                let to = if word { self.word_right() } else { self.cursor + 1 };
                self.go(to, shift, self.selection().map(|s| s.1));
            }
            // Up/Down: the line's start/end (lines of a wrapped field are not known).
            "Home" | "ArrowUp" | "Up" | "PageUp" => {
                let to = if word && name == "Home" { 0 } else { self.line_start() };
                self.go(to, shift, None);
            }
            "End" | "ArrowDown" | "Down" | "PageDown" => {
                let to = if word && name == "End" { self.chars.len() } else { self.line_end() };
                self.go(to, shift, None);
            }
            // Enter/Tab that did not insert (a commit): the field is complete as it stands.
            "Enter" | "Return" | "Tab" | "Escape" | "Esc" => {
                self.snapshot();
                self.end_segment();
                self.anchor = None;
                self.last_edit = None;
            }
            _ => {}
        }
    }

    fn undo_once(&mut self) {
        if let Some((chars, cursor)) = self.undo.pop() {
            self.snapshot();
            self.redo.push((std::mem::replace(&mut self.chars, chars), self.cursor));
            self.cursor = cursor.min(self.chars.len());
            self.anchor = None;
            self.last_edit = None;
        }
    }

    fn redo_once(&mut self) {
        if let Some((chars, cursor)) = self.redo.pop() {
            self.snapshot();
            self.undo.push((std::mem::replace(&mut self.chars, chars), self.cursor));
            self.cursor = cursor.min(self.chars.len());
            self.anchor = None;
            self.last_edit = None;
        }
    }
}

/// Runs the model over a field's operations under one interpretation.
pub fn run(ops: &[Op], flags: Flags) -> Run {
    let mut e = Editor::default();
    for op in ops {
        e.apply(op, flags);
    }
    e.end_segment();
    let mut run = e.run;
    run.text = e.chars;
    run
}

/// The text of a buffer and, per char, its byte offset and key.
pub fn render(buf: &[(char, u64)]) -> (String, Vec<(usize, u64)>) {
    let mut s = String::with_capacity(buf.len());
    let mut at = Vec::with_capacity(buf.len());
    for &(c, seq) in buf {
        at.push((s.len(), seq));
        s.push(c);
    }
    (s, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(key: &str) -> Key {
        Key { key: key.into(), text: (key.chars().count() == 1).then(|| key.to_string()), mods: vec![], target: None }
    }

    fn with(key: &str, mods: &[Mod]) -> Key {
        Key { key: key.into(), text: None, mods: mods.to_vec(), target: None }
    }

    fn ops(keys: Vec<Key>) -> Vec<Op> {
        keys.into_iter().enumerate().map(|(i, key)| Op::Key { seq: i as u64, key }).collect()
    }

    fn text(r: &Run) -> String {
        r.text.iter().map(|(c, _)| c).collect()
    }

    fn typing(s: &str) -> Vec<Key> {
        s.chars().map(|c| k(&c.to_string())).collect()
    }

    #[test]
    fn selections_are_replaced_by_typing() {
        let mut keys = typing("jane@exampXX.com");
        keys.extend(std::iter::repeat_n(with("ArrowLeft", &[]), 4));
        keys.extend([with("ArrowLeft", &[Mod::Shift]), with("ArrowLeft", &[Mod::Shift])]);
        keys.extend(typing("le"));
        assert_eq!(text(&run(&ops(keys), Flags::LITERAL)), "jane@example.com");
        let mut keys = typing("old text");
        keys.push(with("a", &[Mod::Ctrl]));
        keys.extend(typing("new"));
        assert_eq!(text(&run(&ops(keys), Flags::LITERAL)), "new");
    }

    #[test]
    fn undo_and_its_absence() {
        let mut keys = typing("abc ");
        keys.extend(typing("def"));
        keys.push(with("Backspace", &[]));
        keys.push(with("z", &[Mod::Ctrl]));
        assert_eq!(text(&run(&ops(keys.clone()), Flags::LITERAL)), "abc def");
        assert_eq!(text(&run(&ops(keys), Flags { undo: false, ..Flags::LITERAL })), "abc de");
    }

    #[test]
    fn enter_inserts_or_commits() {
        let mut keys = typing("jane.doe");
        keys.extend(typing("example.com"));
        keys.extend(std::iter::repeat_n(with("ArrowLeft", &[]), 11));
        keys.push(k("@"));
        keys.push(with("Enter", &[]));
        assert_eq!(text(&run(&ops(keys.clone()), Flags::LITERAL)), "jane.doe@\nexample.com");
        assert_eq!(text(&run(&ops(keys), Flags { enter_inserts: false, ..Flags::LITERAL })), "jane.doe@example.com");
    }

    #[test]
    fn altgr_types_and_shortcuts_do_not() {
        let altgr = Key { key: "q".into(), text: Some("@".into()), mods: vec![Mod::Ctrl, Mod::Alt], target: None };
        let copy = Key { key: "c".into(), text: Some("c".into()), mods: vec![Mod::Ctrl], target: None };
        assert_eq!(typed(&altgr, Flags::LITERAL).as_deref(), Some("@"));
        assert_eq!(typed(&copy, Flags::LITERAL), None);
        assert_eq!(typed(&copy, Flags { shortcuts_type: true, ..Flags::LITERAL }), None, "its text only names the key");
        let odd = Key { key: "q".into(), text: Some("@".into()), mods: vec![Mod::Ctrl], target: None };
        assert_eq!(typed(&odd, Flags { shortcuts_type: true, ..Flags::LITERAL }).as_deref(), Some("@"));
        let ctrl_c = Key { key: "c".into(), text: Some("\u{3}".into()), mods: vec![Mod::Ctrl], target: None };
        assert_eq!(typed(&ctrl_c, Flags { shortcuts_type: true, ..Flags::LITERAL }), None, "control characters type nothing");
    }

    #[test]
    fn unknown_cursor_starts_a_segment_and_paste_keeps_provenance() {
        let mut o = ops(typing("abc"));
        o.push(Op::CursorUnknown);
        o.push(Op::Key { seq: 10, key: k("x") });
        o.push(Op::Paste { seq: 11, text: Some("yz".into()) });
        o.push(Op::Paste { seq: 12, text: None });
        let r = run(&o, Flags::LITERAL);
        assert_eq!(r.segments, vec![vec![10, 11, 12]]);
        assert_eq!(text(&r), format!("abcxyz{UNKNOWN_PASTE}"));
        assert_eq!(r.text[4], ('y', 11));
    }
}
