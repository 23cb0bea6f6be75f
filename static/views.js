// The three views of one request, as both pages show them:
//   1. what JavaScript got — all the page's code is ever told;
//   2. what the API saw and sent — the server's own record;
//   3. why the browser decided so — the rule, and the lines Chromium and Firefox print in the console.
// Each function builds DOM nodes; the page decides where they go.

import { definitionList, para } from './page.js';

// ---- 1. What JavaScript got ------------------------------------------------------------------------

/// View 1. `js.error` is what the fetch() promise rejected with; otherwise the tutorial gives `js.value`
/// (what the article's code read) and the lab the Response's own fields (`status`, `type`, `ok`,
/// `headers`, `body`). Returns `line`, the one thing the page's code got, and `more`, what that means.
export function javascriptView(js) {
  if (js.error) {
    return {
      line: para(js.error, 'result blocked'),
      more: [para('That is all JavaScript is told: no status, no headers, no body, no reason. Chromium gives the same error for every CORS failure and for a dead server.', 'hint')],
    };
  }
  if ('value' in js) {
    return {
      line: para(typeof js.value === 'string' ? js.value : JSON.stringify(js.value), 'result ok'),
      more: [para('The browser let this page read the answer.', 'hint')],
    };
  }
  return {
    line: para(`Response ${js.status} (${js.type})`, 'result ok'),
    more: [definitionList([
      ['ok', String(js.ok)],
      ['headers it could read', js.headers.map(([name]) => name).join(', ') || '(none)'],
      ['body', js.body === '' ? '(empty)' : js.body ?? '(not read)'],
    ])],
  };
}

// ---- 2. What the API saw and sent ------------------------------------------------------------------

/// View 2: the API's records of one request (`exchanges`, preflight first, then every hop), and what
/// JavaScript got (`js`, as for view 1).
export function apiView(exchanges, js) {
  if (exchanges.length === 0) return [para('Nothing reached the API: it has no record of this request.')];
  const nodes = [];
  for (const x of exchanges) {
    nodes.push(definitionList([
      [x.preflight ? 'Preflight' : 'Request', `${x.method} ${x.path}`],
      ['Origin', x.origin ?? '(none)'],
      ['Status', String(x.status)],
      ...corsHeaders(x).map(([name, value]) => [name, value === '' ? '(empty)' : value]),
    ]));
    if (!x.response_headers.some(([name]) => name === 'access-control-allow-origin')) {
      nodes.push(para('No Access-Control-Allow-Origin header was sent.'));
    }
  }
  // CORS decides what the page may read, not what the server does: a blocked request still ran.
  const answered = exchanges.filter((x) => !x.preflight).at(-1);
  if (js.error && answered) {
    nodes.push(para(`The request reached the API and ran: the API answered ${answered.status} with its body. The browser received it all, then hid it from the page.`, 'key'));
  }
  return nodes;
}

/// The response headers CORS is about (`Access-Control-*`, `Vary`, `Location`), as the sandbox chose them
/// from the API's record (browser_model::http::is_cors_response_header).
export function corsHeaders(exchange) {
  return exchange.cors_response_headers ?? [];
}

/// `url` as the learner wrote it: without the trace id the lab adds to find the API's records of it
/// (see `send()` in sandbox-api.js).
export function withoutTrace(url) {
  return url.replace(/[?&]trace=[^&]*/, '');
}

// ---- 3. Why ----------------------------------------------------------------------------------------

/// What the WebKit lines are, precisely: measured in WebKitGTK, whose WebCore Safari shares.
const WEBKIT_NOTE = 'As WebKitGTK\'s WebCore prints them (measured in its MiniBrowser), with JavaScript given TypeError: Load failed. Safari on macOS and iOS shares these words, but has its own network stack, and its Intelligent Tracking Prevention and cookie rules may block where WebKitGTK does not.';

/// View 3: the browser model's `verdict` — the rule that decided, the console lines, and (in the lab)
/// the notes and every check in order. Without a verdict the request never reached the API, or CORS did
/// not apply.
export function whyView(verdict, js) {
  if (!verdict) {
    return [para(js.error
      ? 'The request did not reach the API, so this is not a CORS decision: the connection itself failed.'
      : 'The answer was readable.')];
  }
  const nodes = [para(verdict.rule ?? '', verdict.allowed ? 'ok' : 'blocked')];
  // A 4xx or 5xx without CORS headers is the server's error, not its CORS policy: that comes first
  // (browser_model::NotCors, the same words as `cors-sandbox check` and the HAR judge).
  if (verdict.not_cors) {
    nodes.unshift(para(`${verdict.not_cors.headline} Usual causes: ${verdict.not_cors.causes.join('; ')}.`, 'warn'));
  }
  // This browser's own lines first, the other engines' under a fold each.
  // The engines and their lines as the model gives them; WebKit's as WebKitGTK's WebCore prints them
  // (Safari shares WebCore's words but not its network stack).
  const engines = (verdict.engines ?? []).map((e) => (e.engine === 'webkit' ? { ...e, note: WEBKIT_NOTE } : e));
  const here = engines.findIndex((engine) => engine.name.startsWith(thisEngine()));
  const [own] = engines.splice(here < 0 ? 0 : here, 1);
  if (own?.lines.length) {
    nodes.push(para(`${own.name} prints ${own.lines.length === 1 ? 'this' : 'these lines'} in the console (F12, Console tab):`));
    nodes.push(...own.lines.map(consoleLine));
    if (own.note) nodes.push(para(own.note, 'hint'));
  }
  for (const other of engines.filter((engine) => engine.lines.length)) {
    const fold = document.createElement('details');
    fold.append(Object.assign(document.createElement('summary'), {
      textContent: own?.lines.length ? `${other.name} says it differently` : `${other.name} prints`,
    }));
    fold.append(...other.lines.map(consoleLine));
    if (other.note) fold.append(para(other.note, 'hint'));
    nodes.push(fold);
  }
  for (const note of verdict.notes ?? []) nodes.push(para(note, 'hint'));
  if (verdict.checks) {
    const checks = document.createElement('details');
    checks.append(Object.assign(document.createElement('summary'), { textContent: `Every check, in order (${verdict.checks.length})` }));
    const list = document.createElement('ol');
    for (const check of verdict.checks) {
      list.append(Object.assign(document.createElement('li'), {
        className: check.passed ? 'ok' : 'blocked',
        textContent: `${check.passed ? '✓' : '✗'} ${check.explanation} (${check.step})`,
      }));
    }
    checks.append(list);
    nodes.push(checks);
  }
  return nodes;
}

/// The engine this page runs in, as far as its console lines go: `Firefox` or `Chromium` (Chrome, Edge,
/// and the others built on it). Safari prints other lines again; the model does not know them yet.
export function thisEngine() {
  const agent = navigator.userAgent;
  if (agent.includes('Firefox/')) return 'Firefox';
  // Safari, and every browser on iOS, is WebKit; Chromium's agent string says "Chrome/" as well.
  if (agent.includes('AppleWebKit/') && !agent.includes('Chrome/')) return 'WebKit';
  return 'Chromium';
}

/// A line as the browser's console prints it.
export function consoleLine(text) {
  return Object.assign(document.createElement('pre'), { className: 'console', textContent: text });
}
