//! A console sentence as fixed text with holes: `Method {method} is not allowed by …`.
//!
//! One [`Template`] serves both directions. `messages` *writes* a line by filling the holes
//! ([`Template::fill`]); `explain` *reads* a pasted line back by matching the fixed parts and taking
//! what lies between them ([`Template::read`]). So the words the model prints and the words it
//! recognises are one string, written once in `sentences`.
//!
//! A hole is written `{name}`, with a name from [`Hole`]; the placeholders are those of
//! docs/console-messages.md.

use std::cell::Cell;

/// What a hole holds. Each name is the placeholder in the template text (`{url}`, `{value}`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Hole {
    /// The URL that failed (after redirects, the last one).
    Url,
    /// The URL the page passed to `fetch()`, in Chromium's "(redirected from …)".
    InitialUrl,
    /// The page's origin (or `null`, in WebKit after a cross-origin redirect).
    Origin,
    /// The page's URL (Firefox's "Security Error", WebKit's mixed content).
    PageUrl,
    /// Chromium's resource word: `fetch`, `XMLHttpRequest`, `image`, …
    Kind,
    /// Chromium's reason: a sentence of its own, read with the reason templates.
    Reason,
    /// A header's value as the server sent it (`Access-Control-Allow-Origin`, `…-Credentials`).
    Value,
    /// The request's method.
    Method,
    /// A request header's name.
    Header,
    /// An HTTP status code.
    Status,
    /// The first item of an allow list that does not parse (Firefox), or the whole value (WebKit).
    Token,
    /// A URL scheme.
    Scheme,
    /// Chromium's list of the schemes CORS supports (it depends on the build).
    Schemes,
    /// Where a redirect pointed (WebKit), or its `Location` as written.
    Target,
    /// A network error, `net::ERR_…`.
    NetError,
    /// An address space: `loopback`, `local`, `public`.
    Space,
    /// The address space `fetch()` named in `targetAddressSpace`.
    TargetSpace,
    /// The text after the status in Chromium's "the server responded with a status of …".
    StatusText,
    /// WebKit's line for the check a redirect failed, inside its "Cross-origin redirection …" line.
    Check,
}

impl Hole {
    /// Every hole, for the name lookup.
    const ALL: [Hole; 19] = [
        Hole::Url,
        Hole::InitialUrl,
        Hole::Origin,
        Hole::PageUrl,
        Hole::Kind,
        Hole::Reason,
        Hole::Value,
        Hole::Method,
        Hole::Header,
        Hole::Status,
        Hole::Token,
        Hole::Scheme,
        Hole::Schemes,
        Hole::Target,
        Hole::NetError,
        Hole::Space,
        Hole::TargetSpace,
        Hole::StatusText,
        Hole::Check,
    ];

    /// The placeholder's name, as written between braces.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Hole::Url => "url",
            Hole::InitialUrl => "initial_url",
            Hole::Origin => "origin",
            Hole::PageUrl => "page_url",
            Hole::Kind => "kind",
            Hole::Reason => "reason",
            Hole::Value => "value",
            Hole::Method => "method",
            Hole::Header => "header",
            Hole::Status => "status",
            Hole::Token => "token",
            Hole::Scheme => "scheme",
            Hole::Schemes => "schemes",
            Hole::Target => "target",
            Hole::NetError => "net_error",
            Hole::Space => "space",
            Hole::TargetSpace => "target_space",
            Hole::StatusText => "status_text",
            Hole::Check => "check",
        }
    }

    fn from_name(name: &str) -> Option<Hole> {
        Hole::ALL.into_iter().find(|hole| hole.name() == name)
    }

    /// Whether `text` can be what this hole held. The checks are what tells a URL that contains a
    /// quote from the quote that ends it: Chromium quotes URLs with `'` and does not escape one inside,
    /// but a URL never holds white space, so `'… from origin '` cannot be part of it.
    fn admits(self, text: &str) -> bool {
        let no_space = || !text.is_empty() && !text.chars().any(char::is_whitespace);
        let word = |extra: &str| {
            !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
        };
        match self {
            Hole::Url | Hole::InitialUrl | Hole::PageUrl | Hole::Origin => no_space(),
            // Chromium 156 prints the redirect's location as '' (measured).
            Hole::Target => !text.chars().any(char::is_whitespace),
            // An HTTP token (RFC 9110 §5.6.2), as methods and header names are.
            Hole::Method | Hole::Header => word("!#$%&'*+-.^_`|~"),
            Hole::Status => text.len() <= 3 && word(""),
            Hole::Scheme => word("+-."),
            Hole::NetError => text.starts_with("net::ERR_") && word(":_"),
            Hole::Space | Hole::TargetSpace => word(""),
            Hole::Kind => word(" "),
            Hole::Reason | Hole::Check | Hole::Token | Hole::Schemes => !text.is_empty(),
            Hole::Value | Hole::StatusText => true,
        }
    }
}

/// One piece of a template: fixed text, or a hole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'t> {
    Text(&'t str),
    Hole(Hole),
}

/// A sentence with `{holes}`. Compared by its text: two templates are the same sentence exactly when
/// their texts are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Template(pub(crate) &'static str);

/// What a template read out of a line: each hole's text, in the order of the template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Holes(pub(crate) Vec<(Hole, String)>);

impl Holes {
    /// The text the hole held, if the template has it.
    pub(crate) fn get(&self, hole: Hole) -> Option<&str> {
        self.0.iter().find(|(h, _)| *h == hole).map(|(_, text)| text.as_str())
    }
}

/// How many splits one reading may try, over every template: a bound on the work a hostile line can
/// cause, far above what any real line needs (a few per hole).
pub(crate) const READ_BUDGET: usize = 20_000;

impl Template {
    /// The template's pieces, in order. A name between braces that is not a [`Hole`] is kept as text
    /// (the table test in `sentences` makes sure no template has one).
    fn pieces(self) -> Vec<Piece<'static>> {
        let mut pieces = Vec::new();
        let mut rest = self.0;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|i| open + i) else { break };
            match Hole::from_name(&rest[open + 1..close]) {
                Some(hole) => {
                    if open > 0 {
                        pieces.push(Piece::Text(&rest[..open]));
                    }
                    pieces.push(Piece::Hole(hole));
                }
                None => pieces.push(Piece::Text(&rest[..=close])),
            }
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest));
        }
        pieces
    }

    /// The holes this template has, in order.
    #[cfg(test)]
    pub(crate) fn holes(self) -> Vec<Hole> {
        self.pieces()
            .into_iter()
            .filter_map(|piece| match piece {
                Piece::Hole(hole) => Some(hole),
                Piece::Text(_) => None,
            })
            .collect()
    }

    /// The sentence with each hole filled from `values`; a hole not given stays empty.
    pub(crate) fn fill(self, values: &[(Hole, &str)]) -> String {
        let mut out = String::with_capacity(self.0.len() + 64);
        for piece in self.pieces() {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Hole(hole) => {
                    out.push_str(values.iter().find(|(h, _)| *h == hole).map_or("", |(_, v)| v))
                }
            }
        }
        out
    }

    /// Reads `line` as this sentence, from its first character to its last: each hole's text, or `None`.
    /// Where a fixed part occurs more than once, the earliest split whose holes all make sense wins.
    pub(crate) fn read(self, line: &str, budget: &Cell<usize>) -> Option<Holes> {
        let pieces = self.pieces();
        let mut holes = Holes::default();
        read_from(&pieces, line, &mut holes, budget).then_some(holes)
    }

    /// Like [`Template::read`], but the sentence may start anywhere in `line` (after a source location,
    /// a console's level word, an "Uncaught (in promise)"): the holes, and where the sentence starts.
    pub(crate) fn find(self, line: &str, budget: &Cell<usize>) -> Option<(usize, Holes)> {
        let pieces = self.pieces();
        let lead = match pieces.first() {
            Some(Piece::Text(text)) => *text,
            // A template that starts with a hole is read only from the line's start.
            _ => return self.read(line, budget).map(|holes| (0, holes)),
        };
        let mut from = 0;
        while let Some(at) = line[from..].find(lead).map(|i| from + i) {
            if spend(budget) {
                return None;
            }
            let mut holes = Holes::default();
            if read_from(&pieces, &line[at..], &mut holes, budget) {
                return Some((at, holes));
            }
            from = at + lead.len();
        }
        None
    }
}

/// Takes one unit of work from the budget; `true` when it is spent.
fn spend(budget: &Cell<usize>) -> bool {
    let left = budget.get();
    budget.set(left.saturating_sub(1));
    left == 0
}

/// Matches `pieces` against all of `line`, pushing each hole's text on `holes`.
fn read_from(pieces: &[Piece<'_>], line: &str, holes: &mut Holes, budget: &Cell<usize>) -> bool {
    match pieces {
        [] => line.is_empty(),
        [Piece::Text(text), rest @ ..] => {
            line.strip_prefix(text).is_some_and(|after| read_from(rest, after, holes, budget))
        }
        [Piece::Hole(hole)] => {
            let fits = hole.admits(line);
            if fits {
                holes.0.push((*hole, line.to_string()));
            }
            fits
        }
        [Piece::Hole(hole), Piece::Text(next), rest @ ..] => {
            let mut from = 0;
            while let Some(end) = line[from..].find(next).map(|i| from + i) {
                if spend(budget) {
                    return false;
                }
                let text = &line[..end];
                if hole.admits(text) {
                    holes.0.push((*hole, text.to_string()));
                    if read_from(rest, &line[end + next.len()..], holes, budget) {
                        return true;
                    }
                    holes.0.pop();
                }
                // Holes other than values hold no white space: past the first space, no split can work.
                if !matches!(hole, Hole::Value | Hole::Reason | Hole::Check | Hole::Token | Hole::StatusText)
                    && text.contains(char::is_whitespace)
                {
                    return false;
                }
                from = end + next[..].chars().next().map_or(1, char::len_utf8);
            }
            false
        }
        // Two holes in a row cannot be told apart; no template has them (the table test says so).
        [Piece::Hole(_), Piece::Hole(_), ..] => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISMATCH: Template = Template(
        "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to the supplied origin.",
    );
    const ACCESS: Template = Template(
        "Access to {kind} at '{url}' from origin '{origin}' has been blocked by CORS policy: {reason}",
    );

    fn budget() -> Cell<usize> {
        Cell::new(READ_BUDGET)
    }

    #[test]
    fn what_fill_writes_read_gives_back() {
        let line = MISMATCH.fill(&[(Hole::Value, "http://it's.example")]);
        assert_eq!(
            line,
            "The 'Access-Control-Allow-Origin' header has a value 'http://it's.example' that is not equal to the supplied origin."
        );
        let holes = MISMATCH.read(&line, &budget()).expect("reads");
        assert_eq!(holes.get(Hole::Value), Some("http://it's.example"));
    }

    #[test]
    fn a_quote_inside_a_url_is_part_of_the_url() {
        let url = "http://h/it's/x?name=O'Brien#frag";
        let line = ACCESS.fill(&[
            (Hole::Kind, "fetch"),
            (Hole::Url, url),
            (Hole::Origin, "http://localhost"),
            (Hole::Reason, "Something."),
        ]);
        let holes = ACCESS.read(&line, &budget()).expect("reads");
        assert_eq!(holes.get(Hole::Url), Some(url));
        assert_eq!(holes.get(Hole::Origin), Some("http://localhost"));
        assert_eq!(holes.get(Hole::Reason), Some("Something."));
    }

    #[test]
    fn a_sentence_is_found_after_a_prefix() {
        let line = "x.js:75:22: CONSOLE SECURITY ERROR The 'Access-Control-Allow-Origin' header has a value 'a' that is not equal to the supplied origin.";
        let (at, holes) = MISMATCH.find(line, &budget()).expect("found");
        assert_eq!(&line[..at], "x.js:75:22: CONSOLE SECURITY ERROR ");
        assert_eq!(holes.get(Hole::Value), Some("a"));
        assert!(MISMATCH.read(line, &budget()).is_none(), "read is anchored at the start");
    }

    #[test]
    fn a_spent_budget_reads_nothing() {
        let line = MISMATCH.fill(&[(Hole::Value, "v")]);
        assert!(MISMATCH.read(&line, &Cell::new(0)).is_none());
    }
}
