//! The stream passes that come first: sequence order, the person's own pause/resume/forget,
//! and scope (apps and windows out of scope). They decide which events exist at all; nothing
//! here looks at content.

use crate::capture::{Body, ControlAction, DropReason, Protective};

use super::{Engine, Slot, StreamState};

impl Engine {
    /// Sequence order and the person's own pause/resume/forget. A line that could not be
    /// understood, or an event that cannot be placed (its `seq` does not increase), still
    /// carries the most protective meaning it could have had ([`Protective`]): a pause pauses
    /// until a valid `resume`, a forget forgets everything before it.
    pub(super) fn consent_pass(&self, slots: &mut [Slot], state: &mut StreamState) {
        let StreamState { last_seq, paused, .. } = state;
        // (position, capture time of the forget, span): `None` span forgets all before it.
        let mut forgets: Vec<(usize, u64, Option<u64>)> = Vec::new();
        for (i, slot) in slots.iter_mut().enumerate() {
            if let Some(ev) = &slot.event {
                if last_seq.is_some_and(|l| ev.seq <= l) {
                    slot.protect = Protective::of_misplaced(&ev.body);
                    slot.drop(DropReason::SeqNotIncreasing);
                } else {
                    *last_seq = Some(ev.seq);
                    match &ev.body {
                        Body::Control(c) => match c.action {
                            ControlAction::Pause => *paused = true,
                            ControlAction::Resume => *paused = false,
                            ControlAction::Forget => forgets.push((i, ev.ts, c.span_ms)),
                        },
                        _ if *paused => slot.drop(DropReason::Paused),
                        _ => {}
                    }
                    continue;
                }
            }
            if slot.protect.pause {
                *paused = true;
            }
            if slot.protect.forget_all {
                forgets.push((i, 0, None));
            }
        }
        for (at, ts, span) in forgets {
            for slot in &mut slots[..at] {
                let Some(ev) = &slot.event else { continue };
                if matches!(ev.body, Body::Control(_)) {
                    continue;
                }
                // Without span_ms, everything before the forget goes.
                if span.is_none_or(|s| ev.ts.saturating_add(s) >= ts) {
                    slot.drop(DropReason::Forgotten);
                }
            }
        }
    }

    /// Drops events of out-of-scope apps and windows; notes the focus for screenshots/keys.
    pub(super) fn scope_pass(&self, slots: &mut [Slot], state: &mut StreamState) {
        let scope = &self.policy.scope;
        // Before the first window event the focus is unknown: in scope unless an allowlist
        // says only named apps are.
        let mut focus_in = state.focus_in_scope.unwrap_or_else(|| scope.app_in_scope(None));
        let mut focus_app = std::mem::take(&mut state.focus_app);
        for slot in slots.iter_mut() {
            let Some(ev) = &slot.event else {
                // A window line that could not be understood may have named a password
                // manager: out of scope until the next valid window event.
                if slot.protect.leave_scope {
                    focus_in = false;
                    focus_app.clear();
                }
                continue;
            };
            let keep = match &ev.body {
                Body::Window(w) => {
                    focus_in = scope.window_in_scope(Some(&w.app), &w.title, w.url.as_deref());
                    focus_app = w.app.clone();
                    if !focus_in {
                        state.denied.insert(&w.app, &w.title);
                    }
                    focus_in
                }
                Body::Key(k) => focus_in && k.target.as_ref().and_then(|t| t.app.as_deref()).is_none_or(|a| scope.app_in_scope(Some(a))),
                Body::Text(t) => focus_in && t.app.as_deref().is_none_or(|a| scope.app_in_scope(Some(a))),
                Body::Mouse(_) => focus_in,
                Body::Screenshot(s) => s.app.as_deref().is_none_or(|a| scope.app_in_scope(Some(a))),
                Body::Control(_) => true,
            };
            slot.focus_in_scope = focus_in;
            slot.focus_app = focus_app.clone();
            if !keep {
                slot.drop(DropReason::OutOfScope);
            }
        }
        state.focus_in_scope = Some(focus_in);
        state.focus_app = focus_app;
    }
}

/// Marks each screenshot that follows a pause, a forget (or a line that may have been one) or
/// focus leaving scope, since the chunk's screenshot before it: frames run in order through the
/// stream's memory, and none of it may cross such a point. Tells whether such a point comes
/// after the chunk's last screenshot.
pub(super) fn mark_fresh_frames(slots: &mut [Slot]) -> bool {
    let mut cut = false;
    for slot in slots.iter_mut() {
        let control = slot.event.as_ref().is_some_and(|e| matches!(&e.body, Body::Control(c) if c.action != ControlAction::Resume));
        if control || slot.protect.pause || slot.protect.forget_all || slot.protect.leave_scope || !slot.focus_in_scope {
            cut = true;
        }
        if cut && slot.event.as_ref().is_some_and(|e| matches!(e.body, Body::Screenshot(_))) {
            slot.fresh_frames = true;
            cut = false;
        }
    }
    cut
}

/// Windows the stream has seen out of scope (by app, title or URL), as keyed 128-bit hashes of
/// their app and title, never the strings: a frame's window list carries no URL, so a banking
/// page denied by its URL is recognised on a later frame by its app and title. Bounded: the
/// oldest half is forgotten when full.
#[derive(Debug, Clone, Default)]
pub struct DeniedWindows {
    keys: (std::hash::RandomState, std::hash::RandomState),
    seen: std::collections::HashSet<u128>,
    order: std::collections::VecDeque<u128>,
}

impl DeniedWindows {
    const CAP: usize = 4096;

    fn key(&self, app: &str, title: &str) -> u128 {
        use std::hash::BuildHasher;
        let item = (app.to_lowercase(), title);
        ((self.keys.0.hash_one(&item) as u128) << 64) | self.keys.1.hash_one(&item) as u128
    }

    pub fn insert(&mut self, app: &str, title: &str) {
        let k = self.key(app, title);
        if self.seen.insert(k) {
            self.order.push_back(k);
            if self.order.len() > Self::CAP {
                for old in self.order.drain(..Self::CAP / 2) {
                    self.seen.remove(&old);
                }
            }
        }
    }

    pub fn contains(&self, app: &str, title: &str) -> bool {
        !self.seen.is_empty() && !title.is_empty() && self.seen.contains(&self.key(app, title))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::parse_line;
    use crate::report::EventReport;

    fn slot(line: &str, focus_in_scope: bool) -> Slot {
        Slot {
            event: Some(parse_line(line.as_bytes()).expect("a valid line").event),
            report: EventReport::default(),
            focus_in_scope,
            focus_app: String::new(),
            protect: Protective::NONE,
            frame: None,
            field: None,
            fresh_frames: false,
        }
    }

    #[test]
    fn frames_after_a_pause_a_forget_or_focus_out_of_scope_start_fresh() {
        let shot = |seq: u64| slot(&format!(r#"{{"seq":{seq},"ts":{seq},"kind":"screenshot","image":"frames/f.png"}}"#), true);
        let control = |seq: u64, action: &str| slot(&format!(r#"{{"seq":{seq},"ts":{seq},"kind":"control","action":"{action}"}}"#), true);
        let key = |seq: u64| slot(&format!(r#"{{"seq":{seq},"ts":{seq},"kind":"key","key":"a","text":"a"}}"#), true);
        let fresh = |slots: &[Slot]| slots.iter().map(|s| s.fresh_frames).collect::<Vec<_>>();
        // Nothing between two frames: the memory carries over.
        let mut v = vec![shot(1), key(2), shot(3)];
        assert!(!mark_fresh_frames(&mut v));
        assert_eq!(fresh(&v), [false, false, false]);
        // A pause and a resume between them: the second starts fresh, and only it.
        let mut v = vec![shot(1), control(2, "pause"), control(3, "resume"), shot(4), shot(5)];
        assert!(!mark_fresh_frames(&mut v));
        assert_eq!(fresh(&v), [false, false, false, true, false]);
        // A forget after the last frame: the memory must not outlive the chunk.
        let mut v = vec![shot(1), control(2, "forget")];
        assert!(mark_fresh_frames(&mut v));
        // Focus out of scope, then back: the next frame starts fresh.
        let mut out = key(2);
        out.focus_in_scope = false;
        let mut v = vec![shot(1), out, shot(3)];
        assert!(!mark_fresh_frames(&mut v));
        assert_eq!(fresh(&v), [false, false, true]);
        // A line that may have been a pause (dropped, its protective meaning kept).
        let mut bad = key(2);
        bad.event = None;
        bad.protect = Protective { pause: true, ..Protective::NONE };
        let mut v = vec![shot(1), bad, shot(3)];
        mark_fresh_frames(&mut v);
        assert_eq!(fresh(&v), [false, false, true]);
    }
}
