//! The typed `capture/1` event model. Serialisation of these types *is* the output format:
//! nothing else is ever written to `events.jsonl`.

use serde::{Deserialize, Deserializer, Serialize};

/// `[x, y, width, height]` in image pixels. Floats from the client are rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Rect(pub [i64; 4]);

impl Rect {
    pub fn x(&self) -> i64 { self.0[0] }
    pub fn y(&self) -> i64 { self.0[1] }
    pub fn w(&self) -> i64 { self.0[2] }
    pub fn h(&self) -> i64 { self.0[3] }
}

impl<'de> Deserialize<'de> for Rect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v: [f64; 4] = Deserialize::deserialize(d)?;
        if v.iter().any(|f| !f.is_finite() || f.abs() > 1e7) {
            return Err(serde::de::Error::custom("bounds out of range"));
        }
        if v[2] < 0.0 || v[3] < 0.0 {
            return Err(serde::de::Error::custom("negative bounds size"));
        }
        Ok(Rect([v[0].round() as i64, v[1].round() as i64, v[2].round() as i64, v[3].round() as i64]))
    }
}

/// One event: the common header plus its kind-specific body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub ts: u64,
    #[serde(flatten)]
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Body {
    Window(Window),
    Key(Key),
    Text(Text),
    Mouse(Mouse),
    Screenshot(Screenshot),
    Control(Control),
}

impl Body {
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Window(_) => "window",
            Body::Key(_) => "key",
            Body::Text(_) => "text",
            Body::Mouse(_) => "mouse",
            Body::Screenshot(_) => "screenshot",
            Body::Control(_) => "control",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub app: String,
    #[serde(default)]
    pub title: String,
    pub bounds: Rect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mod {
    Ctrl,
    Alt,
    Shift,
    Meta,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Target {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub secure: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Key {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mods: Vec<Mod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

impl Key {
    /// A shortcut: ctrl/meta/alt combination. Shortcuts type nothing and are kept as they are.
    pub fn is_shortcut(&self) -> bool {
        self.mods.iter().any(|m| matches!(m, Mod::Ctrl | Mod::Meta | Mod::Alt))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextSource {
    Accessibility,
    Clipboard,
    Terminal,
    Editor,
    Notification,
    Ime,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub source: TextSource,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MouseAction {
    Move,
    Down,
    Up,
    Click,
    Scroll,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mouse {
    pub action: MouseAction,
    /// Numbers are kept as the client wrote them (integer or not).
    pub x: serde_json::Number,
    pub y: serde_json::Number,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<MouseButton>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dx: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dy: Option<serde_json::Number>,
}

/// Mouse buttons are a closed set so that no free text rides along in this field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MouseButton {
    Left,
    Right,
    Middle,
    Back,
    Forward,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowRef {
    pub app: String,
    #[serde(default)]
    pub title: String,
    pub bounds: Rect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    #[serde(default)]
    pub text: String,
    pub bounds: Rect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub text: String,
    pub bounds: Rect,
    #[serde(default)]
    pub secure: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<Line>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screenshot {
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<Vec<WindowRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<Node>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControlAction {
    Pause,
    Resume,
    Forget,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control {
    pub action: ControlAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_ms: Option<u64>,
}
