// The `sandbox` object: the lab's engine, also a global for the DevTools console.
//
//   await sandbox.policy({ allow_origin: '*' })        → the new policy
//   await sandbox.send('/api', { method: 'PUT' })      → { js, server, verdict, agrees, disagreements, observations }
//   await sandbox.presets()                             → the named policies
//
// send() runs the request exactly as the lab's Send button does: it tags the URL with a trace id (so the
// API's records can be found), runs fetch(), then reports what it asked for and what JavaScript got to
// /sandbox/attempts, which joins that with the API's records and the browser model's verdict.

const apiOrigin = document.body.dataset.apiOrigin; // e.g. http://localhost:8000

/// Changes the API's policy (only the fields given) and resolves to the new policy.
export function policy(changes = {}) {
  return sendJson('PATCH', '/sandbox/policy', changes);
}

/// Replaces the whole policy (fields left out take their defaults).
export function replacePolicy(whole) {
  return sendJson('PUT', '/sandbox/policy', whole);
}

// Sends `body` as JSON to the sandbox's own control API; resolves to the answer, or throws its error
// sentence.
async function sendJson(method, path, body) {
  const res = await fetch(path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json();
  if (!res.ok) throw new Error(answer.error);
  return answer;
}

/// The named policies, with this page's origin filled in.
export async function presets() {
  return (await fetch('/sandbox/presets')).json();
}

/// Runs `fetch(apiOrigin + path, init)` and resolves to its three views.
export async function send(path, init = {}) {
  const cache = init.cache ?? 'no-store';
  // The preflight cache is keyed by URL: with the browser's default cache the lab sends the same untagged
  // URL each time (so a cached preflight can be seen) and is matched to the API's records by order.
  const tagged = cache === 'no-store' || cache === 'reload';
  const trace = tagged ? `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}` : null;
  const url = apiOrigin + path + (tagged ? `${path.includes('?') ? '&' : '?'}trace=${trace}` : '');
  const after_seq = tagged ? 0 : await lastSeq();
  const js = await run(url, { ...init, cache });
  const report = {
    trace,
    after_seq,
    url,
    method: init.method ?? 'GET',
    headers: headersAsSent(init),
    credentials: init.credentials ?? 'same-origin',
    mode: init.mode ?? 'cors',
    redirect: init.redirect ?? 'follow',
    cache,
    // The page's own URL, which Firefox names in some messages ("Content at … may not load data from …").
    page_url: location.href,
    js,
  };
  return reportAttempt(report);
}

/// Reports one request a page sent and what its JavaScript got (the lab's format); resolves to its three
/// views and the verdict, joined with the API's records. The tutorial reports its own fetch() this way.
export function reportAttempt(attempt) {
  return sendJson('POST', '/sandbox/attempts', attempt);
}

// What JavaScript gets: the Response's own fields, or the error fetch() rejected with. Reading the body
// is not the fetch failing, so a body that cannot be read is just `null`.
async function run(url, init) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    return { ok: null, status: null, type: null, headers: [], body: null, error: String(err) };
  }
  let body = null;
  try {
    body = await res.text();
  } catch {
    body = null;
  }
  return { ok: res.ok, status: res.status, type: res.type, headers: [...res.headers], body, error: null };
}

// The request headers as the browser will see them: the ones the page set, plus the Content-Type its
// body implies when the page set none (a string is text/plain, URLSearchParams is form-urlencoded…).
function headersAsSent(init) {
  let headers;
  try {
    headers = [...new Headers(init.headers ?? {})];
  } catch {
    // A value fetch() refuses (a line break, say): report the headers as the page wrote them. fetch()
    // itself then rejects with the TypeError, which is what the page sees.
    const given = init.headers ?? {};
    const entries = Array.isArray(given) ? given : given instanceof Headers ? [...given] : Object.entries(given);
    headers = entries.map(([name, value]) => [String(name).toLowerCase(), String(value)]);
  }
  if (init.body != null && !headers.some(([name]) => name === 'content-type')) {
    const implied = impliedContentType(init.body);
    if (implied) headers.push(['content-type', implied]);
  }
  return headers;
}

function impliedContentType(body) {
  if (typeof body === 'string') return 'text/plain;charset=UTF-8';
  if (body instanceof URLSearchParams) return 'application/x-www-form-urlencoded;charset=UTF-8';
  if (body instanceof FormData) return 'multipart/form-data; boundary=----sandbox';
  if (body instanceof Blob && body.type) return body.type;
  return null;
}

// The newest `seq` in the API's log. An answer holds at most 1 MiB, oldest first: read on with `after=`.
async function lastSeq() {
  let last = 0;
  for (;;) {
    const page = await (await fetch(`/sandbox/log?after=${last}`)).json();
    if (page.length === 0) return last;
    last = page[page.length - 1].seq;
  }
}

window.sandbox = { policy, replacePolicy, presets, send };
