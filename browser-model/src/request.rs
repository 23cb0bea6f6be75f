//! The model's inputs: what the page passed to `fetch()` and what the server sent back.
//!
//! These types say nothing about CORS yet; they only describe the exchange, the way the
//! sandbox records it (the page reports its `fetch()` init, the API records its responses).

use serde::{Deserialize, Serialize};

/// `fetch()`'s `credentials` option: whether cookies and HTTP auth go with the request.
///
/// Only `Include` changes the CORS check: with it, `Access-Control-Allow-Origin: *` is refused
/// and `Access-Control-Allow-Credentials: true` is required (Fetch §3.2.5, "CORS protocol and
/// credentials").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    /// `credentials: "omit"`: never send cookies.
    Omit,
    /// `credentials: "same-origin"` (the default): cookies only to the page's own origin.
    #[default]
    SameOrigin,
    /// `credentials: "include"`: send cookies cross-origin too.
    Include,
}

/// `fetch()`'s `mode` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `mode: "cors"` (the default): cross-origin reads need the server's permission.
    #[default]
    Cors,
    /// `mode: "no-cors"`: no CORS check, and an opaque response JS cannot look into.
    NoCors,
    /// `mode: "same-origin"`: any cross-origin URL is a network error.
    SameOrigin,
}

/// `fetch()`'s `redirect` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedirectMode {
    /// `redirect: "follow"` (the default): the browser follows up to 20 redirects.
    #[default]
    Follow,
    /// `redirect: "manual"`: a redirect resolves as an `opaqueredirect` response.
    Manual,
    /// `redirect: "error"`: a redirect is a network error.
    Error,
}

/// What the page passed to `fetch()`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    /// The absolute URL, e.g. `http://localhost:8000/api?trace=abc`.
    pub url: String,
    /// The method as the page wrote it, e.g. `patch`; empty means `GET` (fetch's default).
    pub method: String,
    /// Author request headers as the page set them, plus the `Content-Type` the body implies
    /// (the caller supplies it: `"hello"` gives `text/plain;charset=UTF-8`).
    pub headers: Vec<(String, String)>,
    /// `credentials` option.
    pub credentials: Credentials,
    /// `mode` option.
    pub mode: Mode,
    /// `redirect` option.
    pub redirect: RedirectMode,
    /// The body, as a string (what `body: "…"` sends); `None` for no body. Its `Content-Type` is among
    /// `headers` when the page set one or the body implies one.
    pub body: Option<String>,
    /// `targetAddressSpace` (Local Network Access): the space the page says the server is in. Chromium
    /// refuses the request when the server is elsewhere; Firefox and WebKit ignore it.
    pub target_address_space: Option<crate::address_space::AddressSpace>,
}

impl Request {
    /// A request with the given method and URL and every option at fetch()'s default.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request { url: url.into(), method: method.into(), ..Request::default() }
    }

    /// A plain `fetch(url)`: GET with every option at its default.
    pub fn get(url: impl Into<String>) -> Self {
        Request::new("GET", url)
    }

    /// Adds one author request header (as `headers.append(name, value)` would).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the `credentials` option.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Sets the `mode` option.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the `redirect` option.
    pub fn redirect(mut self, redirect: RedirectMode) -> Self {
        self.redirect = redirect;
        self
    }

    /// Sets a string body, and the `Content-Type` `fetch()` gives one unless the page set its own.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        if !self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
            self.headers.push(("Content-Type".into(), "text/plain;charset=UTF-8".into()));
        }
        self.body = Some(body.into());
        self
    }
}

/// One HTTP response as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// The URL it answered.
    pub url: String,
    /// The status code.
    pub status: u16,
    /// Every header line as sent; a name sent twice appears twice.
    pub headers: Vec<(String, String)>,
}

impl Response {
    /// A response with no headers yet.
    pub fn new(url: impl Into<String>, status: u16) -> Self {
        Response { url: url.into(), status, headers: Vec::new() }
    }

    /// Adds one header line.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// What the server recorded for the `OPTIONS` preflight of this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preflight<'a> {
    /// No `OPTIONS` reached the server.
    NotSent,
    /// The server answered the `OPTIONS` with this response.
    Sent(&'a Response),
}

/// The exact words of a `fetch()` option's values, in one table per enum: `as_str`, `ALL`, parsing
/// (`FromStr`, for the CLI and the page's forms) and `Display`. `serde` spells them the same way
/// (`rename_all = "kebab-case"`), which a test checks.
macro_rules! words {
    ($name:ident { $($variant:ident => $text:literal,)+ }) => {
        impl $name {
            /// Every value, in the order the options list them.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The word `fetch()` takes, e.g. `same-origin`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(word: &str) -> Result<$name, String> {
                $name::ALL.into_iter().find(|value| value.as_str() == word).ok_or_else(|| {
                    let known: Vec<&str> = $name::ALL.iter().map(|value| value.as_str()).collect();
                    format!("{word:?} is not one of {}", known.join(", "))
                })
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> &'static str {
                value.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

words!(Credentials { Omit => "omit", SameOrigin => "same-origin", Include => "include", });
words!(Mode { Cors => "cors", NoCors => "no-cors", SameOrigin => "same-origin", });
words!(RedirectMode { Follow => "follow", Manual => "manual", Error => "error", });

#[cfg(test)]
mod tests {
    use super::*;

    /// The words `serde` writes are the ones `as_str` and `FromStr` use.
    #[test]
    fn option_words_are_one_table() {
        for value in Credentials::ALL {
            assert_eq!(serde_json::to_value(value).expect("serializes"), value.as_str());
            assert_eq!(value.as_str().parse::<Credentials>(), Ok(value));
        }
        for value in Mode::ALL {
            assert_eq!(serde_json::to_value(value).expect("serializes"), value.as_str());
            assert_eq!(value.as_str().parse::<Mode>(), Ok(value));
        }
        for value in RedirectMode::ALL {
            assert_eq!(serde_json::to_value(value).expect("serializes"), value.as_str());
            assert_eq!(value.as_str().parse::<RedirectMode>(), Ok(value));
        }
        assert!("Include".parse::<Credentials>().unwrap_err().contains("omit, same-origin, include"));
    }
}
