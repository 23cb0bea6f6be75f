// What both pages share: the live feed, and two small DOM helpers.

/// Follows the live feed (/sandbox/events), calling `listeners[name](data)` for each event by name.
///
/// A browser opens at most six HTTP/1.1 connections to one host:port, and a live feed holds one open. The
/// feed is closed when the page is left (it may sit in the back/forward cache, still connected) and
/// reopened if the page is shown again — calling `onReturn` then, to catch up — so old pages never starve
/// the controls of connections.
export function followFeed(listeners, onReturn = () => {}) {
  let feed = null;
  const open = () => {
    feed = new EventSource('/sandbox/events');
    for (const [name, listener] of Object.entries(listeners)) {
      feed.addEventListener(name, (event) => listener(JSON.parse(event.data)));
    }
  };
  window.addEventListener('pagehide', () => feed?.close());
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) {
      open();
      onReturn();
    }
  });
  open();
}

/// A paragraph with `text` (never parsed as HTML).
export function para(text, className) {
  return Object.assign(document.createElement('p'), { textContent: text, className: className ?? '' });
}

/// A <dl> of `[term, value]` rows.
export function definitionList(rows) {
  const dl = document.createElement('dl');
  for (const [term, value] of rows) {
    dl.append(Object.assign(document.createElement('dt'), { textContent: term }));
    dl.append(Object.assign(document.createElement('dd'), { textContent: value }));
  }
  return dl;
}
