// The Local Network Access lesson's page (templates/local-network.html). The sandbox serves it with
// `Content-Security-Policy: treat-as-public-address`, so to Chromium it is a site on the internet, and its
// fetch() of the API on this machine needs the `loopback-network` permission.
//
// The button runs that fetch() — written out below, exactly as the page shows it — then asks the browser
// what the permission now says, and reports both to the sandbox (POST /sandbox/attempts, as the lab does).
// The answer joins them with the API's records and the browser model's verdict: the three views.

import { javascriptView, apiView, whyView, thisEngine } from './views.js';
import { reportAttempt } from './sandbox-api.js';
import { para } from './page.js';

const $ = (selector) => document.querySelector(selector);
const apiOrigin = document.body.dataset.apiOrigin; // e.g. http://localhost:8000

/// What `navigator.permissions.query({name: 'loopback-network'})` says: `prompt`, `granted` or `denied`;
/// `null` where the browser does not know the name (WebKit has no Local Network Access).
async function permissionState() {
  try {
    return (await navigator.permissions.query({ name: 'loopback-network' })).state;
  } catch {
    return null;
  }
}

function showPermission(state) {
  $('#lna-permission').textContent = state === null
    ? 'This browser does not know the loopback-network permission: it has no Local Network Access.'
    : `navigator.permissions.query({name: 'loopback-network'}) says: ${state}.`;
}

/// One try: the fetch(), then the report, then the three views.
async function callTheLocalApi() {
  $('#lna-try').disabled = true;
  for (const view of ['#lna-js', '#lna-api', '#lna-why']) $(view).replaceChildren(para('…', 'hint'));
  // A trace id finds the API's records of this very request (or shows there are none).
  const trace = `lna${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const url = `${apiOrigin}/api?trace=${trace}`;
  const init = { cache: 'no-store' };
  const target = $('#lna-target').value;
  if (target) init.targetAddressSpace = target;
  let js;
  try {
    // Chromium holds this promise while its permission bubble waits for an answer.
    const res = await fetch(url, init);
    js = { ok: res.ok, status: res.status, type: res.type, headers: [...res.headers], body: await res.text(), error: null };
  } catch (err) {
    js = { ok: null, status: null, type: null, headers: [], body: null, error: String(err) };
  }
  const permission = await permissionState();
  showPermission(permission);
  let result;
  try {
    result = await reportAttempt({
      trace, after_seq: 0, url, method: 'GET', headers: [], credentials: 'same-origin', mode: 'cors',
      redirect: 'follow', cache: 'no-store', page_url: location.href, js,
      local_network: {
        page_space: 'public', permission, engine: thisEngine().toLowerCase(), target_address_space: target || null,
      },
    });
  } catch (err) {
    $('#lna-why').replaceChildren(para(`The sandbox could not judge this try: ${err.message}`, 'error'));
    $('#lna-try').disabled = false;
    return;
  }
  show(result);
  $('#lna-try').disabled = false;
}

/// The three views of one try.
function show(result) {
  const { line, more } = javascriptView(result.js);
  $('#lna-js').replaceChildren(line, ...more);
  const api = apiView(result.server, result.js);
  if (result.server.length === 0) {
    api.push(para('No request, no preflight: the browser refused before sending. (Chromium may open a connection to learn the address, and sends nothing on it.)', 'key'));
  }
  $('#lna-api').replaceChildren(...api);
  const why = whyView(result.verdict, result.js);
  const lna = result.verdict?.local_network_access;
  if (lna) why.splice(1, 0, para(lna.summary));
  for (const seen of result.observations ?? []) why.push(para(seen, 'hint'));
  $('#lna-why').replaceChildren(...why);
}

// This browser's paragraph says so.
const here = document.querySelector(`[data-engine="${thisEngine()}"] .yours`);
if (here) here.hidden = false;
$('#lna-try').addEventListener('click', callTheLocalApi);
permissionState().then(showPermission);
