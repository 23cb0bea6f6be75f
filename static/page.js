// What both pages share: the live feed, what the page does when the sandbox stops, and two small DOM
// helpers.

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
    // The feed drops when the sandbox stops (it ends every feed on Ctrl-C) and the browser then retries
    // every few seconds: each failed try is an `error`. A dropped feed alone is not proof — ask the sandbox.
    feed.addEventListener('error', () => checkSandbox());
    feed.addEventListener('open', () => { if (stopped) showStopped(false); });
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

// ---- When the sandbox stops ------------------------------------------------------------------------

const STOPPED_SENTENCE =
  'The sandbox is not running: start it again with cargo run, then reload this page.';

let stopped = false;

/// Says on the page whether the sandbox has stopped (the #sandbox-stopped alert), and disables every
/// control of the page while it has: none of them can work without it.
export function showStopped(now) {
  stopped = now;
  const alert = document.querySelector('#sandbox-stopped');
  alert.textContent = now ? STOPPED_SENTENCE : '';
  alert.hidden = !now;
  for (const control of document.querySelectorAll('main button, main input, main select, main textarea')) {
    control.disabled = now;
  }
}

/// Asks the sandbox whether it is still there and shows the answer; resolves to whether it answered.
/// `fetch()` rejects (a TypeError) only when no answer came at all: the sandbox is not running.
export async function checkSandbox() {
  try {
    await fetch('/sandbox/policy', { cache: 'no-store' });
  } catch {
    showStopped(true);
    return false;
  }
  if (stopped) showStopped(false);
  return true;
}

/// What to do with an error a call to the sandbox threw: a TypeError means no answer came (the sandbox
/// may have stopped, which `checkSandbox` then says); anything else is returned as its sentence.
export async function whyItFailed(err) {
  if (err instanceof TypeError && !(await checkSandbox())) return null;
  return err.message;
}

/// The policy the API applies now, as the sandbox says; `lastShown` if it cannot be read (the sandbox is
/// gone). What the controls go back to when a change fails.
export async function policyInForce(lastShown) {
  try {
    const res = await fetch('/sandbox/policy', { cache: 'no-store' });
    if (res.ok) return await res.json();
  } catch {
    // the last one shown, below
  }
  return lastShown;
}
