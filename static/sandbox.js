// The tutorial page's script: plain JavaScript, no framework, meant to be read in View source.
//
// It does three things:
//   1. sends the article's request and shows the three views of it (views.js);
//   2. drives the API's policy through the sandbox's control API (/sandbox/policy);
//   3. follows the live feed (/sandbox/events) so every open tab shows the same policy, log and progress.

import { checkSandbox, followFeed, para, policyInForce, whyItFailed } from './page.js';
import { reportAttempt } from './sandbox-api.js';
import { apiView, javascriptView, whyView } from './views.js';

const apiUrl = document.body.dataset.apiUrl;       // e.g. http://localhost:8000/api — the article's URL
const pageOrigin = document.body.dataset.pageOrigin;
const $ = (selector) => document.querySelector(selector);

// ---- 1. The request and its three views ----------------------------------------------------------

// The button stays enabled (and focused) while a request runs: `aria-disabled` marks it busy, since a
// disabled button loses the keyboard focus. The result is announced in one sentence (#send-status).
$('#send').addEventListener('click', async () => {
  const button = $('#send');
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  $('#send-status').textContent = '';
  try {
    const before = await latestSeq();
    const js = await runArticleCode();
    // The API recorded the exchange before it answered, so it is in the log by the time fetch() settles.
    // The tutorial's URL carries no trace id (so the console reads as in the article); the first request
    // from this page after `before` is ours.
    const mine = (await readLog(before)).find(
      (x) => !x.preflight && x.method === 'GET' && x.path === '/api' && x.origin === pageOrigin,
    );
    // This page knows what it sent; told so, the sandbox judges it with no guess (and ticks the steps).
    const joined = await reportOwn(before, js).catch(() => null);
    showViews(js, mine, joined?.verdict);
    $('#send-status').textContent = js.error
      ? `Blocked: JavaScript got ${js.error}. The three views below say why.`
      : `Read: JavaScript got ${JSON.stringify(js.value)}.`;
  } catch (err) {
    // Only the sandbox's own /sandbox/log can throw here (the article's fetch() never does).
    const why = await whyItFailed(err);
    if (why) $('#send-status').textContent = `The sandbox's log could not be read: ${why}`;
  } finally {
    button.removeAttribute('aria-disabled');
    if (document.activeElement === document.body) button.focus();
  }
});

// The article's client code, as shown on the page: what JavaScript gets is all it can know. (It also
// keeps the Response, to report what this page got.)
function runArticleCode() {
  return new Promise((resolve) => {
    let response = null;
    const show = (err) => resolve({ error: String(err), response });
    fetch(apiUrl, { cache: 'no-store' })
      .then((res) => { response = res; return res.json(); })
      .then((res) => { console.log(res); resolve({ error: null, value: res, response }); })
      .catch((err) => show(err)); // the error JavaScript is given
  });
}

// Reports this page's request, as the lab does: the article's fetch(), untagged, matched to the API's
// records after `before`.
function reportOwn(before, js) {
  const res = js.response;
  return reportAttempt({
    trace: null, after_seq: before, url: apiUrl, method: 'GET', headers: [],
    credentials: 'same-origin', mode: 'cors', redirect: 'follow', cache: 'no-store', page_url: location.href,
    js: {
      ok: res?.ok ?? null, status: res?.status ?? null, type: res?.type ?? null,
      headers: res ? [...res.headers] : [], body: null, error: js.error,
    },
  });
}

// The verdict on this page's own request. When the API's record alone cannot tell whether credentials
// were asked for (`allowed: null`, both outcomes given), this page knows: its fetch() sends the default
// credentials mode, so the "not included" outcome is what happened.
function ownVerdict(verdict) {
  return verdict && verdict.allowed === null ? verdict.if_not : verdict;
}

// The three views (views.js), all at once, into the page's three panels.
function showViews(js, exchange, reported) {
  const verdict = reported ?? ownVerdict(exchange?.verdict);
  const { line, more } = javascriptView(js);
  $('#js-result').replaceChildren(line);
  $('#js-note').replaceChildren(...more);
  $('#server-result').replaceChildren(...apiView(exchange ? [exchange] : [], js));
  $('#why-result').replaceChildren(...whyView(verdict, js));
  const resolved = !js.error;
  if (verdict && verdict.allowed !== resolved) {
    $('#why-result').append(para('The sandbox\'s model of the browser expected the opposite of what your browser did. Please report it: the browser is right.', 'blocked'));
  }
}

// ---- 2. The policy ---------------------------------------------------------------------------------

// A choice here is the header the API sends, so it also removes an origin matcher (which the lab's named
// policies set): while one is set, the API sends the request's Origin or nothing, never allow_origin.
for (const radio of document.querySelectorAll('input[name="allow-origin"]')) {
  // value "" means "send no header", which the control API spells null.
  radio.addEventListener('change', () =>
    changePolicy({ allow_origin: radio.value === '' ? null : radio.value, origin_matcher: null }));
}

$('input[name="custom-origin"]').addEventListener('keydown', (event) => {
  // Sent verbatim, even when empty: an empty value is a header with nothing in it, not "no header".
  if (event.key === 'Enter') changePolicy({ allow_origin: event.target.value, origin_matcher: null });
});

// A change the sandbox refuses (a 422: say a value over 4 KiB) or never receives is undone on the page:
// the controls go back to the policy in force, and the error says why.
async function changePolicy(changes) {
  const error = $('#policy-error');
  let res;
  try {
    res = await fetch('/sandbox/policy', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(changes),
    });
  } catch {
    if (await checkSandbox()) {
      error.textContent = 'The sandbox did not answer; the policy is unchanged. Try again.';
      error.hidden = false;
    }
    showPolicy(inForce, { force: true });
    return;
  }
  const body = await res.json();
  error.hidden = res.ok;
  error.textContent = res.ok ? '' : body.error;
  if (res.ok) showPolicy(body);
  else showPolicy(await policyInForce(inForce), { force: true });
}

// The last policy shown, from the feed or an answer: what the controls go back to when a change fails.
let inForce = null;

// The article's policy (PUT /sandbox/policy with {} gives it): the fields the tutorial does not control
// are shown whenever they differ from it, because they change what the browser decides here.
const ARTICLE = { preflight_status: 204, headers_on: 'both' };
const HEADERS_ON = {
  preflight: 'CORS headers on the preflight only: the answer to this page\'s request carries none, so the browser blocks it.',
  actual: 'CORS headers on the actual answer only: a preflight gets none (this page\'s simple GET sends no preflight).',
};

/// Shows `policy` in the controls. `force` also rewrites the text field while it has the focus (after a
/// refused change, the rejected value must not stay there as if it applied).
function showPolicy(policy, { force = false } = {}) {
  if (!policy) return;
  inForce = policy;
  const value = policy.allow_origin;
  // Under an origin matcher no choice here is what the API sends: none is checked.
  const matcher = policy.origin_matcher ?? null;
  let matched = false;
  for (const radio of document.querySelectorAll('input[name="allow-origin"]')) {
    radio.checked = !matcher && (value === null ? radio.value === '' : radio.value === value && value !== '');
    matched ||= radio.checked;
  }
  const custom = $('input[name="custom-origin"]');
  const shown = matcher ? '' : value;
  if (force) custom.value = matched ? '' : shown;
  else if (!matched && document.activeElement !== custom) custom.value = shown;
  $('#header-line').textContent = matcher
    ? '(Access-Control-Allow-Origin: the request\'s Origin if the origin matcher below accepts it, else none)'
    : value === null
      ? '(no Access-Control-Allow-Origin header)'
      : policy.headers_on === 'preflight'
        ? `(no Access-Control-Allow-Origin on the answer: ${value} goes on preflights only)`
        : `Access-Control-Allow-Origin: ${value}`;
  showOtherSettings(policy);
}

function showOtherSettings(policy) {
  let any = false;
  for (const item of document.querySelectorAll('#policy-extras li[data-field]')) {
    const field = item.dataset.field;
    const value = policy[field];
    let text = null;
    if (field === 'origin_matcher') {
      if (value) text = `Access-Control-Allow-Origin decided per request, as an express server's ${value.code} would: ${value.sends}`;
    } else if (field === 'preflight_status') {
      if (value !== ARTICLE.preflight_status) text = `Preflight answer status: ${value} (the article's: ${ARTICLE.preflight_status})`;
    } else if (field === 'headers_on') {
      if (value !== ARTICLE.headers_on) text = HEADERS_ON[value] ?? `CORS headers on: ${value}`;
    } else if (value !== null && value !== undefined) {
      text = `${item.dataset.header}: ${value === '' ? '(an empty value)' : value}`;
    }
    item.hidden = text === null;
    item.textContent = text ?? '';
    any ||= text !== null;
  }
  $('#policy-extras').hidden = !any;
}

$('#policy-reset').addEventListener('click', async () => {
  const error = $('#policy-error');
  try {
    const res = await fetch('/sandbox/policy', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    const body = await res.json();
    error.hidden = res.ok;
    error.textContent = res.ok ? '' : body.error;
    if (res.ok) showPolicy(body, { force: true });
  } catch {
    await checkSandbox();
  }
});

// ---- The tutorial ----------------------------------------------------------------------------------

$('#console-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  let res;
  try {
    res = await fetch('/sandbox/progress/console', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: event.target.elements['console-line'].value }),
    });
  } catch {
    await checkSandbox();
    return;
  }
  const body = await res.json();
  $('#console-result').textContent = body.matched
    ? 'Yes: that is the browser telling you, and only you, why it hid the answer.'
    : body.hint ?? body.error;
});

// Starting over also puts back the article's policy (the sandbox announces both on the live feed).
$('#start-over').addEventListener('click', () =>
  fetch('/sandbox/progress', { method: 'DELETE' }).catch(() => checkSandbox()));

function showProgress(progress) {
  for (const step of progress.steps) {
    document.querySelector(`[data-step="${step.step}"]`)?.classList.toggle('done', step.done);
  }
  $('#progress-count').textContent = `${progress.done}/${progress.of}`;
  $('#tutorial-done').textContent = progress.done === progress.of
    ? `All done: ${progress.done} of ${progress.of} steps. You have seen the browser block a request, read why, and fixed it two ways. The request lab goes on from here.`
    : '';
}

// ---- 3. The live feed and the log ------------------------------------------------------------------

let lastSeq = 0;

async function readLog(after = 0) {
  const res = await fetch(`/sandbox/log?after=${after}`);
  return res.ok ? res.json() : [];
}

// Reads the log on from the last exchange shown (an answer holds at most 1 MiB: read on until empty).
async function latestSeq() {
  for (;;) {
    const page = await readLog(lastSeq);
    if (page.length === 0) return lastSeq;
    page.forEach(addToLog);
  }
}

function addToLog(exchange) {
  if (exchange.seq <= lastSeq) return;
  lastSeq = exchange.seq;
  const item = document.createElement('li');
  const verdict = exchange.verdict;
  let outcome = 'no Origin: CORS does not apply';
  if (verdict?.allowed === null) outcome = 'readable, unless it was sent with credentials (then blocked)';
  else if (verdict) outcome = verdict.allowed ? 'readable by the page' : 'blocked by the browser';
  item.className = verdict ? (verdict.allowed === null ? '' : verdict.allowed ? 'ok' : 'blocked') : '';
  const acao = exchange.response_headers.find(([name]) => name === 'access-control-allow-origin');
  item.textContent = `#${exchange.seq} ${exchange.method} ${exchange.path} from ${exchange.origin ?? '(no Origin)'} → ${exchange.status}, ` +
    `${acao ? `Access-Control-Allow-Origin: ${acao[1]}` : 'no Access-Control-Allow-Origin'} — ${outcome}`;
  $('#log').prepend(item);
  // A line cut to a few lines scrolls: the keyboard must reach it too.
  if (item.scrollHeight > item.clientHeight) item.tabIndex = 0;
  while ($('#log').children.length > 50) $('#log').lastChild.remove();
}

// Under load the feed sends the newest few exchanges every 50 ms and counts the rest: say so, in order.
function addOmitted({ count, up_to_seq: upTo }) {
  if (upTo <= lastSeq) return;
  lastSeq = upTo;
  const item = document.createElement('li');
  item.textContent = `… ${count} more request${count === 1 ? '' : 's'} (up to #${upTo}) arrived too fast to list here; GET /sandbox/log has every one.`;
  $('#log').prepend(item);
  while ($('#log').children.length > 50) $('#log').lastChild.remove();
}

followFeed(
  {
    policy: (data) => showPolicy(data.policy),
    progress: showProgress,
    exchange: addToLog,
    'exchanges-omitted': addOmitted,
    resync: () => latestSeq().catch(checkSandbox),
  },
  () => latestSeq().catch(checkSandbox),
);
latestSeq().catch(checkSandbox);
