//! What each lesson's "Set this up" puts in the lab: a policy and the request form, for its first part.

use serde_json::{Value, json};

/// What the lab's "Set this up" does for a lesson: it applies a policy and fills the request form for the
/// lesson's first part, and sends nothing — the learner presses Send, or the other site's button.
pub struct Setup {
    pub policy: SetupPolicy,
    /// What the learner does then.
    pub then: Then,
}

/// The policy a setup applies, with `PUT /sandbox/policy` as a named policy is.
pub enum SetupPolicy {
    /// A named policy ([`crate::presets::PRESETS`]), by id.
    Preset(&'static str),
    /// A whole policy, as a `PUT /sandbox/policy` body.
    Json(&'static str),
}

/// What the learner does once the lab is set up.
pub enum Then {
    /// Fill in the request form with `request` and press Send `times` times.
    Send { request: Form, times: u8 },
    /// Open `path` on the API in a new tab (a navigation: no `Origin`), then press Send once.
    OpenThenSend { open: &'static str, request: Form },
    /// Press "Log in to the bank", then the other site's button with the id `button` and the text `label`.
    Attack { button: &'static str, label: &'static str },
    /// Open this site's page `page` (titled `label`) and press its button: its requests report themselves.
    Visit { page: &'static str, label: &'static str },
}

/// The lab's request form, field by field, with the values its inputs take (templates/lab.html).
pub struct Form {
    pub path: &'static str,
    pub method: &'static str,
    /// One `Name: value` a line.
    pub headers: &'static str,
    /// `none`, `text`, `json` or `form`.
    pub body: &'static str,
    pub credentials: &'static str,
    pub mode: &'static str,
    pub redirect: &'static str,
    pub cache: &'static str,
}

impl Form {
    /// The form's fields by their names in the page's `<form id="request-form">`.
    pub fn to_json(&self) -> Value {
        json!({
            "path": self.path, "method": self.method, "headers": self.headers, "body": self.body,
            "credentials": self.credentials, "mode": self.mode, "redirect": self.redirect, "cache": self.cache,
        })
    }
}

/// The form as the lab opens: the article's `GET /api`.
pub const GET: Form = Form {
    path: "/api",
    method: "GET",
    headers: "",
    body: "none",
    credentials: "same-origin",
    mode: "cors",
    redirect: "follow",
    cache: "no-store",
};

/// Press Send once with `request`.
pub(super) const fn send(request: Form) -> Then {
    Then::Send { request, times: 1 }
}

/// A setup with a named policy.
pub(super) const fn preset(id: &'static str, then: Then) -> Setup {
    Setup { policy: SetupPolicy::Preset(id), then }
}

impl Setup {
    /// The setup as `GET /sandbox/lessons` serves it: `preset` (an id) or `policy` (a `PUT` body), the
    /// `request` form's fields (`null` for the attacker's lesson), how many `sends`, a path to `open`
    /// first, the other site's button to press (`attack`), and a page of this site to use (`visit`).
    pub(super) fn to_json(&self) -> Value {
        let (preset, policy) = match self.policy {
            SetupPolicy::Preset(id) => (json!(id), Value::Null),
            SetupPolicy::Json(text) => (Value::Null, serde_json::from_str(text).unwrap_or(Value::Null)),
        };
        let (request, sends, open, attack) = match &self.then {
            Then::Send { request, times } => (Some(request), *times, None, Value::Null),
            Then::OpenThenSend { open, request } => (Some(request), 1, Some(*open), Value::Null),
            Then::Attack { button, label } => (None, 0, None, json!({ "button": button, "label": label })),
            Then::Visit { .. } => (None, 0, None, Value::Null),
        };
        let visit = match &self.then {
            Then::Visit { page, label } => json!({ "page": page, "label": label }),
            _ => Value::Null,
        };
        let request = request.map_or(Value::Null, Form::to_json);
        json!({ "preset": preset, "policy": policy, "request": request, "sends": sends, "open": open, "attack": attack, "visit": visit })
    }
}
