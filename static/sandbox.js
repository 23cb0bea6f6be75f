// The tutorial page's script: plain JavaScript, no framework, meant to be read in View source.
//
// It does three things:
//   1. sends the article's request and shows the three views of it (views.js);
//   2. drives the API's policy through the sandbox's control API (/sandbox/policy);
//   3. follows the live feed (/sandbox/events) so every open tab shows the same policy, log and progress.

import { followFeed, para } from './page.js';
import { apiView, javascriptView, whyView } from './views.js';

const apiUrl = document.body.dataset.apiUrl;       // e.g. http://localhost:8000/api — the article's URL
const pageOrigin = document.body.dataset.pageOrigin;
const $ = (selector) => document.querySelector(selector);

// ---- 1. The request and its three views ----------------------------------------------------------

$('#send').addEventListener('click', async () => {
  $('#send').disabled = true;
  try {
    const before = await latestSeq();
    const js = await runArticleCode();
    // The API recorded the exchange before it answered, so it is in the log by the time fetch() settles.
    // The tutorial's URL carries no trace id (so the console reads as in the article); the first request
    // from this page after `before` is ours.
    const mine = (await readLog(before)).find(
      (x) => !x.preflight && x.method === 'GET' && x.path === '/api' && x.origin === pageOrigin,
    );
    showViews(js, mine);
  } finally {
    $('#send').disabled = false;
  }
});

// The article's client code, exactly as shown on the page: what JavaScript gets is all it can know.
function runArticleCode() {
  return new Promise((resolve) => {
    const show = (err) => resolve({ error: String(err) });
    fetch(apiUrl, { cache: 'no-store' })
      .then((res) => res.json())
      .then((res) => { console.log(res); resolve({ error: null, value: res }); })
      .catch((err) => show(err)); // the error JavaScript is given
  });
}

// The verdict on this page's own request. When the API's record alone cannot tell whether credentials
// were asked for (`allowed: null`, both outcomes given), this page knows: its fetch() sends the default
// credentials mode, so the "not included" outcome is what happened.
function ownVerdict(verdict) {
  return verdict && verdict.allowed === null ? verdict.if_not : verdict;
}

// The three views (views.js), all at once, into the page's three panels.
function showViews(js, exchange) {
  const verdict = ownVerdict(exchange?.verdict);
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

for (const radio of document.querySelectorAll('input[name="allow-origin"]')) {
  // value "" means "send no header", which the control API spells null.
  radio.addEventListener('change', () => changePolicy({ allow_origin: radio.value === '' ? null : radio.value }));
}

$('input[name="custom-origin"]').addEventListener('keydown', (event) => {
  // Sent verbatim, even when empty: an empty value is a header with nothing in it, not "no header".
  if (event.key === 'Enter') changePolicy({ allow_origin: event.target.value });
});

async function changePolicy(changes) {
  const res = await fetch('/sandbox/policy', {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(changes),
  });
  const body = await res.json();
  const error = $('#policy-error');
  error.hidden = res.ok;
  error.textContent = res.ok ? '' : body.error;
  if (res.ok) showPolicy(body);
}

function showPolicy(policy) {
  const value = policy.allow_origin;
  let matched = false;
  for (const radio of document.querySelectorAll('input[name="allow-origin"]')) {
    radio.checked = value === null ? radio.value === '' : radio.value === value && value !== '';
    matched ||= radio.checked;
  }
  const custom = $('input[name="custom-origin"]');
  if (!matched && document.activeElement !== custom) custom.value = value;
  $('#header-line').textContent = value === null
    ? '(no Access-Control-Allow-Origin header)'
    : `Access-Control-Allow-Origin: ${value}`;
}

// ---- The tutorial ----------------------------------------------------------------------------------

$('#console-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await fetch('/sandbox/progress/console', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text: event.target.elements['console-line'].value }),
  });
  const body = await res.json();
  $('#console-result').textContent = body.matched
    ? 'Yes: that is the browser telling you, and only you, why it hid the answer.'
    : body.hint ?? body.error;
});

$('#start-over').addEventListener('click', () => fetch('/sandbox/progress', { method: 'DELETE' }));

function showProgress(progress) {
  for (const step of progress.steps) {
    document.querySelector(`[data-step="${step.step}"]`)?.classList.toggle('done', step.done);
  }
  $('#progress-count').textContent = `${progress.done}/${progress.of}`;
}

// ---- 3. The live feed and the log ------------------------------------------------------------------

let lastSeq = 0;

async function readLog(after = 0) {
  const res = await fetch(`/sandbox/log?after=${after}`);
  return res.ok ? res.json() : [];
}

async function latestSeq() {
  const all = await readLog(lastSeq);
  all.forEach(addToLog);
  return lastSeq;
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
  while ($('#log').children.length > 50) $('#log').lastChild.remove();
}

followFeed(
  {
    policy: (data) => showPolicy(data.policy),
    progress: showProgress,
    exchange: addToLog,
    resync: () => latestSeq(),
  },
  latestSeq,
);
latestSeq();
