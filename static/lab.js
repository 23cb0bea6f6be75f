// The request lab: a form over the `sandbox` object (sandbox-api.js), the policy controls, the lessons and
// the live log. Plain JavaScript, meant to be read in View source.

import { policy, replacePolicy, presets, send } from './sandbox-api.js';
import { timeline } from './timeline.js';
import { checkSandbox, followFeed, para, policyInForce, whyItFailed } from './page.js';
import { apiView, consoleLine, javascriptView, whyView, withoutTrace } from './views.js';

const $ = (selector) => document.querySelector(selector);
const apiOrigin = document.body.dataset.apiOrigin;
const attackerOrigin = document.body.dataset.attackerOrigin;
const requestForm = $('#request-form');
const policyForm = $('#policy-form');

// ---- The request -----------------------------------------------------------------------------------

// The fetch() init the form describes, and the same init as code the learner could paste.
export function currentRequest() {
  const f = requestForm.elements;
  const init = {};
  const code = {};
  const method = f.method.value.trim() || 'GET';
  if (method !== 'GET') init.method = code.method = method;
  const headers = f.headers.value
    .split('\n')
    .map((line) => line.split(/:(.*)/s).map((part) => part.trim()))
    .filter(([name]) => name);
  const body = f.body.value;
  if (body === 'json') headers.push(['Content-Type', 'application/json']);
  if (headers.length) init.headers = code.headers = Object.fromEntries(headers.map(([n, v]) => [n, v ?? '']));
  if (body === 'text') { init.body = 'hello'; code.body = `'hello'`; }
  if (body === 'json') { init.body = JSON.stringify({ hello: 'world' }); code.body = `JSON.stringify({ hello: 'world' })`; }
  if (body === 'form') { init.body = new URLSearchParams({ hello: 'world' }); code.body = `new URLSearchParams({ hello: 'world' })`; }
  // A pasted request's own body (static/paste.js fills it), sent as the string it is.
  if (body === 'raw') { init.body = f.body_raw.value; code.body = JSON.stringify(f.body_raw.value); }
  if (f.credentials.value !== 'same-origin') init.credentials = code.credentials = f.credentials.value;
  if (f.mode.value !== 'cors') init.mode = code.mode = f.mode.value;
  if (f.redirect.value !== 'follow') init.redirect = code.redirect = f.redirect.value;
  init.cache = code.cache = f.cache.value;
  return { path: f.path.value.trim() || '/api', init, code };
}

function showCode() {
  const { path, code } = currentRequest();
  const lines = Object.entries(code).map(([key, value]) =>
    `  ${key}: ${key === 'body' ? value : JSON.stringify(value)},`);
  $('#lab-code code').textContent =
    `fetch('${apiOrigin}${path}', {\n${lines.join('\n')}\n})`;
}

requestForm.addEventListener('input', showCode);
requestForm.addEventListener('submit', (event) => event.preventDefault());
showCode();

// The button stays enabled (and focused) while a request runs: `aria-disabled` marks it busy, since a
// disabled button loses the keyboard focus. The result is announced in one sentence (#lab-send-status).
$('#lab-send').addEventListener('click', async () => {
  const button = $('#lab-send');
  if (button.getAttribute('aria-disabled') === 'true') return;
  const { path, init } = currentRequest();
  button.setAttribute('aria-disabled', 'true');
  $('#lab-send-status').textContent = '';
  try {
    const result = await send(path, init);
    showResult(result);
    $('#lab-send-status').textContent = result.js.error
      ? `Blocked: JavaScript got ${result.js.error}. The views below say why.`
      : `Read: response ${result.js.status} (${result.js.type}).`;
  } catch (err) {
    const why = await whyItFailed(err);
    if (why) $('#lab-result').replaceChildren(para(`The lab could not run this request: ${why}`, 'blocked'));
    $('#lab-send-status').textContent = why ? `The lab could not run this request: ${why}` : '';
  } finally {
    button.removeAttribute('aria-disabled');
    if (document.activeElement === document.body) button.focus();
  }
});

// ---- The three views and the timeline --------------------------------------------------------------

function showResult(result) {
  const { js, server, verdict } = result;
  const views = document.createElement('div');
  views.className = 'columns three';
  const { line, more } = javascriptView(js);
  views.append(
    panel('1. What JavaScript got', [line, ...more]),
    panel('2. What the API saw and sent', apiView(server, js)),
    panel('3. Why', whyView(verdict, js)),
  );
  $('#lab-result').replaceChildren(views, timeline(result), ...remarks(result));
}

// What the lab makes of the model's verdict beside the browser's behaviour. `disagreements`: where what
// JavaScript got differs from the model's prediction. `observations`: what only the API's log shows and is
// not a disagreement — a preflight answered from the preflight cache, an HTTP-cache hit, no request at
// all. (A sandbox older than `observations` folded them into `disagreements`, with `agrees` still true.)
function remarks(result) {
  const disagreements = result.agrees ? [] : result.disagreements;
  return [
    ...disagreements.map((d) => para(`The model and your browser disagree: ${d}`, 'warn')),
    ...(result.observations ?? []).map((o) => para(`What the API's log shows: ${o}`, 'hint')),
  ];
}

// ---- The policy ------------------------------------------------------------------------------------

// The policy's header fields (allow_origin, …, vary): the page renders one row per field from the
// server's own list, so this script learns them from the form instead of keeping a copy.
const headerFields = [...policyForm.querySelectorAll('[data-field]')].map((row) => row.dataset.field);

policyForm.addEventListener('change', async (event) => {
  const name = event.target.name.replace(/^send-/, '');
  const f = policyForm.elements;
  let change;
  if (headerFields.includes(name)) {
    if (event.target.type === 'text') f[`send-${name}`].checked = true; // typing a value means "send it"
    change = { [name]: f[`send-${name}`].checked ? f[name].value : null };
  } else if (name === 'preflight_status') {
    change = { preflight_status: Number(f.preflight_status.value) };
  } else {
    change = { [name]: event.target.value };
  }
  await applying(() => policy(change));
});
policyForm.addEventListener('submit', (event) => event.preventDefault());

// Runs a policy change. One the sandbox refuses (a 422: a value over 4 KiB, say) or never receives is
// undone on the page: the fields go back to the policy in force, and the error says why.
// Resolves to whether the change applied.
async function applying(action) {
  const error = $('#lab-policy-error');
  try {
    showPolicy(await action());
    error.hidden = true;
    return true;
  } catch (err) {
    const why = await whyItFailed(err);
    error.textContent = why ?? '';
    error.hidden = !why;
    showPolicy(await policyInForce(inForce), { force: true });
    return false;
  }
}

// The last policy shown: what the fields go back to when a change fails.
let inForce = null;

/// Shows `p` in the fields. `force` also rewrites the field that has the focus (after a refused change,
/// the rejected value must not stay there as if it applied).
function showPolicy(p, { force = false } = {}) {
  if (!p) return;
  inForce = p;
  const f = policyForm.elements;
  for (const name of headerFields) {
    f[`send-${name}`].checked = p[name] !== null;
    if (force || document.activeElement !== f[name]) f[name].value = p[name] ?? '';
  }
  f.preflight_status.value = p.preflight_status;
  f.headers_on.value = p.headers_on;
  showMatcher(p.origin_matcher);
}

// The origin matcher, an object the form has no row for: its code and what it sends, read-only. While
// it is set, the API sends the request's Origin or no Access-Control-Allow-Origin, never the field's value.
function showMatcher(matcher) {
  $('#policy-matcher').hidden = !matcher;
  $('#policy-matcher-code').textContent = matcher?.code ?? '';
  $('#policy-matcher-sends').textContent = matcher?.sends ?? '';
}

$('#policy-matcher-remove').addEventListener('click', () => applying(() => policy({ origin_matcher: null })));

let namedPolicies = [];
presets().then((list) => {
  namedPolicies = list;
  for (const preset of list) {
    $('#preset').append(new Option(preset.title, preset.id));
  }
  showAttackerPresets(list.filter((preset) => preset.code));
}, () => checkSandbox());

// ---- Share links ---------------------------------------------------------------------------------------

// A share link (`/lab#share=…`) carries the policy in force and the request form's fields, so a teacher
// or a bug report hands someone the exact scenario. Opening one changes nothing until the learner agrees.
const SHARED_FIELDS = ['path', 'method', 'headers', 'body', 'body_raw', 'credentials', 'mode', 'redirect', 'cache'];

$('#share').addEventListener('click', async () => {
  const f = requestForm.elements;
  const form = Object.fromEntries(SHARED_FIELDS.map((name) => [name, f[name].value]));
  const link = `${location.origin}/lab#share=${encodeURIComponent(JSON.stringify({ form, policy: inForce }))}`;
  const field = $('#share-link');
  field.value = link;
  field.hidden = false;
  field.select();
  try {
    await navigator.clipboard.writeText(link);
    $('#share-status').textContent = 'Copied: anyone who opens it sees this policy and this request, and is asked first.';
  } catch {
    $('#share-status').textContent = 'Copy the link above: anyone who opens it sees this policy and this request, and is asked first.';
  }
});

function offerShared() {
  if (!location.hash.startsWith('#share=')) return;
  let scenario;
  try {
    scenario = JSON.parse(decodeURIComponent(location.hash.slice('#share='.length)));
  } catch {
    scenario = null;
  }
  const form = scenario?.form ?? {};
  const policy = scenario?.policy;
  $('#shared').hidden = false;
  $('#shared-apply').hidden = false;
  if (!policy || typeof policy !== 'object') {
    $('#shared-what').textContent = 'This share link is damaged (it is cut short, or was edited): nothing was changed.';
    $('#shared-apply').hidden = true;
    return;
  }
  const acao = policy.origin_matcher ? `an origin matcher (${policy.origin_matcher.kind})` : `Access-Control-Allow-Origin: ${policy.allow_origin ?? '(none)'}`;
  $('#shared-what').textContent =
    `This link sets the API's policy to ${acao}, with ${Object.entries(policy).filter(([k, v]) => v !== null && k !== 'allow_origin' && k !== 'origin_matcher').length} other settings, and fills the request with ${form.method || 'GET'} ${form.path || '/api'}. Your current policy stays until you apply it.`;
  // `onclick`, not addEventListener: a second link opened on this page replaces the first one's action.
  $('#shared-apply').onclick = async () => {
    await setScenario(form, policy);
    $('#shared').hidden = true;
    history.replaceState(null, '', '/lab');
  };
  $('#shared-ignore').onclick = () => {
    $('#shared').hidden = true;
    history.replaceState(null, '', '/lab');
  };
}
offerShared();
// A share link followed from this very page (the explain box's) changes only the fragment.
window.addEventListener('hashchange', () => {
  offerShared();
  if (!$('#shared').hidden) $('#shared').scrollIntoView();
});

// Puts a scenario in the lab: the request form's fields given in `form` (the others stay as they are), then
// the whole `policy`, with PUT /sandbox/policy as a named policy is. Share links and the lessons' "Set this
// up" both come here. Sends nothing; resolves to whether the policy applied.
async function setScenario(form, policy) {
  const f = requestForm.elements;
  for (const name of SHARED_FIELDS) {
    if (typeof form[name] === 'string') f[name].value = form[name];
  }
  showCode();
  return applying(() => replacePolicy(policy));
}

// ---- Be the attacker ---------------------------------------------------------------------------------

// The bank's login, as its own page would do it. `no-cors`: the cookie is what matters, and the answer is
// not needed, so no policy can get in the way of logging in.
$('#bank-login').addEventListener('click', async () => {
  try {
    await fetch(`${apiOrigin}/api/login?samesite=none`, { method: 'POST', mode: 'no-cors', credentials: 'include' });
    $('#bank-login-result').textContent = 'Logged in: the bank set its session cookie in this browser (sandbox_session; SameSite=None; Secure; HttpOnly).';
  } catch (err) {
    $('#bank-login-result').textContent = `The login failed: ${err.name}: ${err.message}`;
  }
});

/// One entry per policy real servers get wrong: what it is, the matcher's code, and a button to use it.
function showAttackerPresets(list) {
  $('#attacker-presets').replaceChildren(...list.map((preset) => {
    const li = document.createElement('li');
    const use = Object.assign(document.createElement('button'), { type: 'button', textContent: `Use: ${preset.title}` });
    use.dataset.preset = preset.id;
    use.addEventListener('click', () => applying(() => replacePolicy(preset.policy)));
    const code = document.createElement('pre');
    code.append(Object.assign(document.createElement('code'), { textContent: preset.code }));
    li.append(use, para(preset.about), code);
    return li;
  }));
}
$('#preset').addEventListener('change', async (event) => {
  const preset = namedPolicies.find((p) => p.id === event.target.value);
  $('#preset-about').textContent = preset?.about ?? '';
  if (preset) await applying(() => replacePolicy(preset.policy));
});

// ---- Lessons, and the live feed --------------------------------------------------------------------

function showLessons(progress) {
  $('#lessons-count').textContent = `${progress.done}/${progress.of}`;
  $('#lessons-done').textContent = progress.done === progress.of
    ? `All done: ${progress.done} of ${progress.of} lessons. You have seen every part of CORS the sandbox can show; try your own requests and policies.`
    : '';
  const items = progress.lessons.map((lesson) => {
    const li = document.createElement('li');
    li.dataset.lesson = lesson.id;
    li.className = lesson.done ? 'done' : '';
    li.append(Object.assign(document.createElement('h3'), { textContent: lesson.title }));
    li.append(para(lesson.how.replace('http://localhost:API', apiOrigin)));
    if (lesson.setup) {
      const button = Object.assign(document.createElement('button'), { type: 'button', className: 'quiet', textContent: 'Set this up' });
      button.dataset.setup = lesson.id;
      button.setAttribute('aria-label', `Set this up: ${lesson.title}`);
      button.addEventListener('click', () => setUp(lesson));
      li.append(button);
    }
    const parts = document.createElement('ul');
    for (const part of lesson.parts) {
      const item = Object.assign(document.createElement('li'), { textContent: `${part.seen ? '✓' : '○'} ${part.text}`, className: part.seen ? 'ok' : '' });
      // A part may point to where the lab says more (a fragment of this page).
      if (part.link) item.append(' — ', Object.assign(document.createElement('a'), { href: part.link.href, textContent: part.link.text }));
      parts.append(item);
    }
    li.append(parts);
    return li;
  });
  $('#lessons').replaceChildren(...items);
}

// ---- "Set this up" ----------------------------------------------------------------------------------

// A lesson's setup (GET /sandbox/lessons): a named policy or a whole one, and the request form for its first
// part. It is applied as a share link is, and nothing is sent: the status line says what was set and what
// to press — Send, or for the attacker's lesson the other site's button.
async function setUp(lesson) {
  const { setup } = lesson;
  const status = setup.attack ? $('#attacker-setup-status') : $('#lesson-setup-status');
  for (const line of [$('#attacker-setup-status'), $('#lesson-setup-status')]) line.textContent = '';
  const preset = setup.preset ? namedPolicies.find((p) => p.id === setup.preset) : null;
  const policy = setup.preset ? preset?.policy : setup.policy;
  if (!policy) {
    status.textContent = `“${lesson.title}” could not be set up: the named policies have not loaded. Reload the page.`;
    return;
  }
  $('#preset').value = preset?.id ?? '';
  $('#preset-about').textContent = preset?.about ?? '';
  if (!(await setScenario(setup.request ?? {}, policy))) {
    status.textContent = `“${lesson.title}” was not set up: the policy was refused (the error is under the policy).`;
    return;
  }
  const policyWords = preset ? `the policy “${preset.title}”` : `the policy ${policyLines(policy)}`;
  const requestWords = setup.request ? ` and the request ${requestLine(setup.request)}` : '';
  status.replaceChildren(`Set up “${lesson.title}”: ${policyWords}${requestWords}. `, ...nextStep(setup));
  (setup.attack ? $('#bank-login') : setup.visit ? status.querySelector('a') : $('#lab-send')).focus();
}

// A whole policy in the header names the form shows (e.g. Access-Control-Allow-Origin: *).
function policyLines(policy) {
  return Object.entries(policy)
    .map(([field, value]) => `${policyForm.querySelector(`[data-field="${field}"] code`)?.textContent ?? field}: ${value}`)
    .join(', ');
}

// A request form in a few words: POST /api (body JSON, credentials include).
function requestLine(form) {
  const extras = [
    ...form.headers.split('\n').filter((line) => line.trim()).map((line) => `header ${line.trim()}`),
    form.body !== 'none' && `body ${form.body === 'json' ? 'JSON' : form.body}`,
    form.credentials !== 'same-origin' && `credentials ${form.credentials}`,
    form.mode !== 'cors' && `mode ${form.mode}`,
    form.redirect !== 'follow' && `redirects ${form.redirect}`,
    form.cache !== 'no-store' && (form.cache === 'default' ? "the browser's default cache" : `cache ${form.cache}`),
  ].filter(Boolean);
  return `${form.method} ${form.path}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

// What the learner does next, as text and links.
function nextStep(setup) {
  const link = (href, text) => Object.assign(document.createElement('a'), { href, textContent: text, target: '_blank', rel: 'noopener' });
  if (setup.attack) {
    return ['Press Log in to the bank, then, on ', link(`${attackerOrigin}/`, 'the other site'), `, press “${setup.attack.label}”.`];
  }
  // A page of this site whose requests report themselves (the Local Network Access lesson's).
  if (setup.visit) {
    return ['Open ', link(setup.visit.page, setup.visit.label), ' and press its button.'];
  }
  const times = setup.sends === 1 ? 'Send' : setup.sends === 2 ? 'Send twice' : `Send ${setup.sends} times`;
  if (setup.open) {
    return ['First open ', link(apiOrigin + setup.open, apiOrigin + setup.open), ` in a new tab, then press ${times}.`];
  }
  return [`Press ${times}.`];
}

$('#lessons-over').addEventListener('click', () =>
  fetch('/sandbox/lessons', { method: 'DELETE' }).catch(() => checkSandbox()));

// One entry per lab request from any tab: a summary line that opens onto the request's timeline.
function logVerdict(result) {
  const item = document.createElement('li');
  item.className = result.js.error ? 'blocked' : 'ok';
  const entry = document.createElement('details');
  const outcome = result.js.error ? 'blocked' : `read (${result.js.status}, ${result.js.type})`;
  const preflight = result.server.some((x) => x.preflight) ? 'preflight + ' : '';
  const reached = result.server.filter((x) => !x.preflight).length;
  const seen = (result.observations ?? []).length;
  const remark = (result.agrees ? '' : ' — the model disagreed')
    + (seen ? ` — ${seen === 1 ? 'one thing' : `${seen} things`} only the API's log shows` : '');
  entry.append(Object.assign(document.createElement('summary'), {
    textContent: `${result.request.method} ${withoutTrace(result.request.url)} — ${preflight}${reached} request(s) reached the API — ${outcome}${remark}`,
  }));
  // Drawn when first opened: most entries are never looked at.
  entry.addEventListener('toggle', () => {
    if (entry.open && entry.children.length === 1) {
      entry.append(timeline(result));
      if (result.verdict.chromium_message) entry.append(consoleLine(result.verdict.chromium_message));
      entry.append(...remarks(result));
    }
  });
  item.append(entry);
  $('#lab-log').prepend(item);
  while ($('#lab-log').children.length > 30) $('#lab-log').lastChild.remove();
}

followFeed({
  policy: (data) => showPolicy(data.policy),
  lessons: showLessons,
  verdict: logVerdict,
});

// ---- Small helpers ---------------------------------------------------------------------------------

function panel(title, nodes) {
  const article = document.createElement('article');
  article.className = 'panel';
  article.append(Object.assign(document.createElement('h3'), { textContent: title }), ...nodes);
  return article;
}
