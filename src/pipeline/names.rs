//! Strings that leave beside the content: app names, element and node ids, roles, the client
//! name in `meta.json`. Each one that leaves is engine-made, from a closed vocabulary, or run
//! through the detectors:
//! - ids (`element`, node `id`) become keyed hashes (`id_` + 16 hex), so events that name the
//!   same element still link, and nothing of the id (which can hold a user name or an email)
//!   leaves;
//! - roles map to a closed vocabulary ([`ROLES`]; anything else is `other`);
//! - app names and `meta.json`'s `client` go through the detectors like any text field.
//!
//! This runs last on an event, after every pass that needs the original ids and roles. It must
//! never pass a string through unchanged that is neither of these three.

use crate::capture::{Body, Event};
use crate::report::FindingReport;
use crate::runtime::ModelError;

use super::{Engine, NerCache};

/// Roles that may leave: ARIA roles and the common names of platform accessibility APIs
/// (macOS AX roles and Windows UI Automation control types, normalised: lowercase, letters
/// and digits only, without an `ax` or `controltype` prefix).
pub const ROLES: &[&str] = &[
    "alert", "alertdialog", "application", "article", "avatar", "banner", "blockquote", "browser", "button", "calendar",
    "canvas", "caption", "cell", "checkbox", "code", "column", "columnheader", "combobox", "complementary", "contentinfo",
    "custom", "datagrid", "dataitem", "definition", "dialog", "directory", "document", "edit", "emphasis", "feed",
    "figure", "form", "generic", "grid", "gridcell", "group", "header", "headeritem", "heading", "hyperlink", "icon",
    "image", "img", "label", "link", "list", "listbox", "listitem", "log", "main", "mark", "marquee", "math", "menu",
    "menubar", "menubutton", "menuitem", "menuitemcheckbox", "menuitemradio", "meter", "navigation", "none", "note",
    "option", "outline", "pane", "paragraph", "password", "photo", "picture", "popupbutton", "presentation",
    "progressbar", "progressindicator", "radio", "radiobutton", "radiogroup", "region", "row", "rowgroup", "rowheader",
    "scrollarea", "scrollbar", "search", "searchbox", "securetextfield", "semantictext", "separator", "sheet", "slider",
    "spinbutton", "spinner", "splitbutton", "splitgroup", "splitter", "statictext", "status", "statusbar", "strong",
    "switch", "tab", "tabgroup", "table", "tablist", "tabpanel", "tabitem", "term", "text", "textarea", "textbox",
    "textfield", "thumb", "time", "timer", "titlebar", "togglebutton", "toolbar", "tooltip", "tree", "treegrid",
    "treeitem", "valueindicator", "video", "webarea", "window",
];

/// A role from the closed vocabulary: known roles normalised, anything else `other`.
pub fn role(raw: &str) -> String {
    let mut r: String = raw.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    for prefix in ["controltype", "ax"] {
        if let Some(rest) = r.strip_prefix(prefix).filter(|rest| ROLES.contains(rest)) {
            r = rest.to_string();
        }
    }
    if ROLES.contains(&r.as_str()) { r } else { "other".into() }
}

/// Is `s` an id [`Engine::id_token`] makes?
pub fn is_id_token(s: &str) -> bool {
    s.strip_prefix("id_").is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
}

impl Engine {
    /// The keyed hash an id leaves as: stable for the same id under the same pseudonym key.
    pub fn id_token(&self, raw: &str) -> String {
        self.pseudo.id_token(raw)
    }

    /// Replaces an event's ids, roles and app names (see the module doc). Findings in app
    /// names are reported like any field's.
    pub(crate) fn sanitise_names(&self, ev: &mut Event, findings: &mut Vec<FindingReport>, cache: Option<&NerCache>) -> Result<(), ModelError> {
        let id = |v: &mut Option<String>| {
            if let Some(s) = v.as_mut() {
                *s = self.id_token(s);
            }
        };
        let roled = |v: &mut Option<String>| {
            if let Some(s) = v.as_mut() {
                *s = role(s);
            }
        };
        match &mut ev.body {
            Body::Window(w) => {
                self.redact_field(&mut w.app, "app", findings, cache)?;
            }
            Body::Key(k) => {
                if let Some(t) = k.target.as_mut() {
                    if let Some(app) = t.app.as_mut() {
                        self.redact_field(app, "target.app", findings, cache)?;
                    }
                    id(&mut t.element);
                    roled(&mut t.role);
                }
            }
            Body::Text(t) => {
                if let Some(app) = t.app.as_mut() {
                    self.redact_field(app, "app", findings, cache)?;
                }
                id(&mut t.element);
                roled(&mut t.role);
            }
            Body::Screenshot(s) => {
                if let Some(app) = s.app.as_mut() {
                    self.redact_field(app, "app", findings, cache)?;
                }
                for (i, w) in s.windows.iter_mut().flatten().enumerate() {
                    self.redact_field(&mut w.app, &format!("windows[{i}].app"), findings, cache)?;
                }
                for n in s.nodes.iter_mut().flatten() {
                    id(&mut n.id);
                    roled(&mut n.role);
                }
            }
            Body::Mouse(_) | Body::Control(_) => {}
        }
        Ok(())
    }

    /// `meta.json`'s client name, through the detectors; `None` if it could not be checked.
    pub(crate) fn sanitise_client(&self, client: &str) -> Option<String> {
        self.redact_text(client).ok().map(|r| r.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_a_closed_vocabulary() {
        assert_eq!(role("AXButton"), "button");
        assert_eq!(role("ControlType.Edit"), "edit");
        assert_eq!(role("static_text"), "statictext");
        assert_eq!(role("Image"), "image");
        assert_eq!(role("jane.doe@example.com"), "other");
        assert_eq!(role("axe"), "other");
    }

    #[test]
    fn id_tokens_are_recognised() {
        assert!(is_id_token("id_0123456789abcdef"));
        assert!(!is_id_token("id_0123456789ABCDEF") && !is_id_token("id_jane") && !is_id_token("n17"));
    }
}
