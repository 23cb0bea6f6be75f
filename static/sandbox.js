// The tutorial page's script: plain JavaScript, no framework, meant to be read in View source.
//
// It does three things:
//   1. sends the article's request and shows the three views of it;
//   2. drives the API's policy through the sandbox's control API (/sandbox/policy);
//   3. follows the live feed (/sandbox/events) so every open tab shows the same policy, log and progress.

import { definitionList, followFeed, para } from './page.js';

const apiUrl = document.body.dataset.apiUrl;       // e.g. http://localhost:8000/api — the article's URL
const pageOrigin = document.body.dataset.pageOrigin;
const $ = (selector) => document.querySelector(selector);

// ---- 1. The request and its three views ----------------------------------------------------------

$('#send').addEventListener('click', async () => {
  $('#send').disabled = true;
  try {
    const before = await latestSeq();
    const js = await runArticleCode();
    showJs(js);
    // The API recorded the exchange before it answered, so it is in the log by the time fetch() settles.
    // The tutorial's URL carries no trace id (so the console reads as in the article); the first request
    // from this page after `before` is ours.
    const mine = (await readLog(before)).find(
      (x) => !x.preflight && x.method === 'GET' && x.path === '/api' && x.origin === pageOrigin,
    );
    showServer(mine);
    showWhy(mine, js);
  } finally {
    $('#send').disabled = false;
  }
});

// The article's client code, exactly as shown on the page: what JavaScript gets is all it can know.
function runArticleCode() {
  return new Promise((resolve) => {
    const show = (err) => resolve({ ok: false, text: String(err) });
    fetch(apiUrl, { cache: 'no-store' })
      .then((res) => res.json())
      .then((res) => { console.log(res); resolve({ ok: true, text: JSON.stringify(res) }); })
      .catch((err) => show(err)); // the error JavaScript is given
  });
}

function showJs(js) {
  const out = $('#js-result');
  out.textContent = js.ok ? JSON.parse(js.text) : js.text;
  out.className = 'result ' + (js.ok ? 'ok' : 'blocked');
  $('#js-note').textContent = js.ok
    ? 'The browser let this page read the answer.'
    : 'That is all JavaScript is told: no status, no headers, no body, no reason. Chromium gives the same error for every CORS failure and for a dead server.';
}

function showServer(exchange) {
  const box = $('#server-result');
  box.replaceChildren();
  if (!exchange) {
    box.append(para('The API has no record of this request: it never arrived (is the sandbox still running?).'));
    return;
  }
  box.append(
    definitionList([
      ['Request', `${exchange.method} ${exchange.path}`],
      ['Origin', exchange.origin ?? '(none)'],
      ['Status', String(exchange.status)],
      ...corsHeaders(exchange.response_headers).map(([name, value]) => [name, value === '' ? '(empty)' : value]),
    ]),
  );
  if (!corsHeaders(exchange.response_headers).some(([name]) => name === 'access-control-allow-origin')) {
    box.append(para('No Access-Control-Allow-Origin header was sent.'));
  }
  if (exchange.verdict && !exchange.verdict.allowed) {
    box.append(para(`The request reached the API, which answered ${exchange.status} with its body. The browser received it all, then hid it from the page.`, 'key'));
  }
}

function showWhy(exchange, js) {
  const box = $('#why-result');
  box.replaceChildren();
  const verdict = exchange?.verdict;
  if (!verdict) {
    box.append(para(js.ok ? 'The answer was readable.' : 'The request did not reach the API, so this is not a CORS decision: the connection itself failed.'));
    return;
  }
  box.append(para(verdict.rule ?? '', verdict.allowed ? 'ok' : 'blocked'));
  if (verdict.chromium_message) {
    box.append(para('Chromium prints this in the DevTools console (F12, Console tab):'));
    const pre = document.createElement('pre');
    pre.className = 'console';
    pre.textContent = verdict.chromium_message;
    box.append(pre);
    const firefox = document.createElement('details');
    firefox.innerHTML = '<summary>Firefox says it differently</summary>';
    firefox.append(Object.assign(document.createElement('pre'), { className: 'console', textContent: verdict.firefox_message }));
    box.append(firefox);
  }
  if (verdict.allowed !== js.ok) {
    box.append(para('The sandbox\'s model of the browser expected the opposite of what your browser did. Please report it: the browser is right.', 'blocked'));
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
  const outcome = verdict ? (verdict.allowed ? 'readable by the page' : 'blocked by the browser') : 'no Origin: CORS does not apply';
  item.className = verdict ? (verdict.allowed ? 'ok' : 'blocked') : '';
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

// ---- Small helpers ---------------------------------------------------------------------------------

function corsHeaders(headers) {
  return headers.filter(([name]) => name.startsWith('access-control-') || name === 'vary');
}
