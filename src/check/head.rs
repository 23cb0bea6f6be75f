//! The answer's header lines as the server wrote them. hyper hands `check` a `HeaderMap`, whose names are
//! lower-cased and whose lines are grouped by name; the browser model reads the lines as sent, in order
//! and in their spelling (Firefox counts `Access-Control-Allow-Origin` lines by their exact spelling,
//! docs/console-messages.md row 3a). So the connection is tapped: the bytes read are kept (up to a cap), and
//! the final response head is read back from them.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How much of what the server sent is kept: a response head is far smaller.
const CAP: usize = 256 * 1024;

/// A connection whose incoming bytes are also kept in `seen`.
pub(crate) struct Tap<S> {
    inner: S,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl<S> Tap<S> {
    /// Taps `inner`; the bytes it reads land in the returned buffer as well.
    pub(crate) fn new(inner: S) -> (Tap<S>, Arc<Mutex<Vec<u8>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        (Tap { inner, seen: Arc::clone(&seen) }, seen)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            let new = &buf.filled()[before..];
            let room = CAP.saturating_sub(seen.len());
            seen.extend_from_slice(&new[..new.len().min(room)]);
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The header lines of the final (non-1xx) response head in `raw`, names as spelled and values trimmed,
/// in order; `None` when `raw` holds no whole head.
pub(crate) fn header_lines(raw: &[u8]) -> Option<Vec<(String, String)>> {
    let mut rest = raw;
    loop {
        let end = rest.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = &rest[..end];
        rest = &rest[end + 4..];
        let mut lines = head.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let status_line = String::from_utf8_lossy(lines.next()?).into_owned();
        let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
        if (100..200).contains(&status) && status != 101 {
            continue; // an informational answer; the final one follows
        }
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        return Some(
            lines
                .filter_map(|line| {
                    let colon = line.iter().position(|&b| b == b':')?;
                    let value = text(&line[colon + 1..]);
                    Some((text(&line[..colon]), value.trim_matches([' ', '\t']).to_owned()))
                })
                .collect(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::header_lines;

    #[test]
    fn lines_keep_their_spelling_and_order() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nvary: Origin\r\naccess-control-allow-origin:  http://a \r\n\r\nbody";
        let lines = header_lines(raw).expect("a whole head");
        let expected = [
            ("Access-Control-Allow-Origin", "*"),
            ("vary", "Origin"),
            ("access-control-allow-origin", "http://a"),
        ];
        assert_eq!(lines, expected.map(|(n, v)| (n.to_owned(), v.to_owned())));
        assert_eq!(header_lines(b"HTTP/1.1 200 OK\r\nA: b\r\n"), None);
    }
}
