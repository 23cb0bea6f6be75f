// Draws one request as a small sequence diagram: the page, the browser and the API as three lanes, the
// messages between them as arrows, and the check that failed marked where it failed.

import { corsHeaders, withoutTrace } from './views.js';

/// Builds the diagram for a `sandbox.send()` result.
export function timeline(result) {
  const { js, server, verdict, request } = result;
  const rows = [];
  const preflights = server.filter((x) => x.preflight);
  const actual = server.filter((x) => !x.preflight);

  rows.push(arrow('page', 'browser', `fetch('${withoutTrace(request.url)}', { method: '${request.method}', credentials: '${request.credentials}', mode: '${request.mode}' })`));

  // A request fetch() refused to build, or to send at all, never left the browser: no lane to the API.
  if (['request-constructor', 'mode'].includes(verdict.failed_check_id)) {
    rows.push(note('browser', `✗ Never sent: ${verdict.rule}`, 'blocked'));
  } else if (verdict.preflight) {
    rows.push(note('browser', `Preflight needed: ${verdict.preflight_reason ?? ''}`));
    if (preflights.length === 0) {
      rows.push(note('browser', actual.length
        ? 'No OPTIONS reached the API: the browser used its preflight cache.'
        : 'No OPTIONS reached the API.', 'warn'));
    }
  } else if (request.mode === 'cors') {
    rows.push(note('browser', 'No preflight: a simple request (safelisted method and headers).'));
  }
  for (const x of preflights) {
    rows.push(arrow('browser', 'api', `OPTIONS ${x.path} · ${requestFacts(x)}`));
    const failedHere = verdict.failed_check && verdict.failed_in_preflight;
    rows.push(arrow('api', 'browser', `${x.status} · ${responseFacts(x)}`, failedHere ? 'blocked' : 'ok'));
    if (failedHere) rows.push(note('browser', `✗ ${verdict.rule}`, 'blocked'));
    else rows.push(note('browser', '✓ preflight passed', 'ok'));
  }
  actual.forEach((x, i) => {
    rows.push(arrow('browser', 'api', `${x.method} ${x.path} · ${requestFacts(x)}`));
    const isLast = i === actual.length - 1;
    const failedHere = verdict.failed_check && !verdict.failed_in_preflight && sameUrl(verdict.failed_url, x);
    rows.push(arrow('api', 'browser', `${x.status} · ${responseFacts(x)}`, failedHere ? 'blocked' : 'ok'));
    if (failedHere) rows.push(note('browser', `✗ ${verdict.rule}`, 'blocked'));
    else if (!isLast) rows.push(note('browser', `↪ follows the redirect to ${header(x, 'location')}`));
  });
  if (server.length === 0 && request.mode === 'cors' && !['request-constructor', 'mode'].includes(verdict.failed_check_id)) {
    rows.push(note('browser', js.error ? 'Nothing reached the API.' : 'Answered from the browser\'s HTTP cache: nothing reached the API.', 'warn'));
  }
  rows.push(js.error
    ? arrow('browser', 'page', `rejects: ${js.error}`, 'blocked')
    : arrow('browser', 'page', `resolves: status ${js.status}, type ${js.type}`, 'ok'));

  const diagram = document.createElement('div');
  diagram.className = 'timeline';
  diagram.setAttribute('role', 'img');
  diagram.setAttribute('aria-label', 'Sequence diagram of the request between the page, the browser and the API');
  for (const lane of ['Page (JavaScript)', 'Browser', 'API']) {
    diagram.append(Object.assign(document.createElement('div'), { className: 'lane-head', textContent: lane }));
  }
  diagram.append(...rows);
  return diagram;
}

const column = { page: 1, browser: 2, api: 3 };

function arrow(from, to, text, tone = '') {
  const row = document.createElement('div');
  const [a, b] = [column[from], column[to]].sort();
  row.className = `msg ${column[from] < column[to] ? 'right' : 'left'} ${tone}`;
  row.style.gridColumn = `${a} / ${b + 1}`;
  row.textContent = text;
  return row;
}

function note(lane, text, tone = '') {
  const row = document.createElement('div');
  row.className = `note ${tone}`;
  row.style.gridColumn = `${column[lane]} / ${column[lane] + 1}`;
  row.textContent = text;
  return row;
}

function header(exchange, name) {
  return exchange.response_headers.find(([n]) => n === name)?.[1];
}

function requestFacts(x) {
  const facts = [`Origin: ${x.origin ?? '(none)'}`];
  for (const [name, value] of x.request_headers) {
    if (name.startsWith('access-control-request-')) facts.push(`${name}: ${value}`);
    if (name === 'cookie') facts.push('Cookie: …');
  }
  return facts.join(' · ');
}

function responseFacts(x) {
  const cors = corsHeaders(x);
  return cors.length ? cors.map(([n, v]) => `${n}: ${v}`).join(' · ') : 'no CORS headers';
}

function sameUrl(url, exchange) {
  return !url || new URL(url).pathname === exchange.path;
}
