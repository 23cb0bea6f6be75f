// "Take it home": the policy in force as tower-http, express, nginx and Starlette configuration, for the
// request in the lab's form (GET /sandbox/export), with what each stack sends that differs from the sandbox,
// and the curl and `cors-sandbox check` commands that verify a server.

import { currentRequest } from './lab.js';
import { para } from './page.js';

const $ = (selector) => document.querySelector(selector);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function codeBlock(text) {
  const pre = element('pre');
  pre.append(element('code', text));
  return pre;
}

// The query for GET /sandbox/export: the form's method, headers, credentials and path.
function query() {
  const { path, init } = currentRequest();
  const params = new URLSearchParams();
  params.set('path', path.split('?')[0]);
  params.set('method', init.method || 'GET');
  for (const [name, value] of Object.entries(init.headers || {})) params.append('header', `${name}: ${value}`);
  if (init.credentials === 'include') params.set('credentials', 'include');
  return params;
}

function differences(stack) {
  if (!stack.differences.length) {
    return para('It sends exactly what the sandbox sends, header by header, for this request.', 'hint');
  }
  const table = element('table', undefined, 'export-differences');
  const head = element('tr');
  for (const title of ['answer', 'header', 'the sandbox', stack.stack, 'why']) head.append(element('th', title));
  table.append(head);
  for (const d of stack.differences) {
    const row = element('tr');
    row.append(
      element('td', d.answer),
      element('td', d.header),
      element('td', d.sandbox ?? '(none)'),
      element('td', d.stack ?? '(none)'),
      element('td', d.why),
    );
    table.append(row);
  }
  return table;
}

function showStack(stack) {
  const details = element('details', undefined, 'export-stack');
  details.dataset.stack = stack.stack;
  const summary = element('summary', stack.title);
  if (stack.unsupported) summary.append(element('span', ' — cannot express this policy', 'hint'));
  else if (stack.differences.length) summary.append(element('span', ` — ${stack.differences.length} difference(s) from the sandbox`, 'hint'));
  else summary.append(element('span', ' — the same headers as the sandbox', 'hint'));
  details.append(summary);
  if (stack.unsupported) {
    details.append(para(stack.unsupported, 'export-unsupported'));
    return details;
  }
  details.append(para(`${stack.file} — run: ${stack.run}`, 'hint'), codeBlock(stack.code), differences(stack));
  const notes = element('ul');
  for (const note of stack.notes) notes.append(element('li', note));
  details.append(notes);
  return details;
}

$('#export').addEventListener('click', async () => {
  const status = $('#export-status');
  const result = $('#export-result');
  status.textContent = 'Working it out…';
  let answer;
  try {
    const response = await fetch(`/sandbox/export?${query()}`);
    answer = await response.json();
    if (!response.ok) throw new Error(answer.error || `the sandbox answered ${response.status}`);
  } catch (err) {
    status.textContent = `Could not export: ${err.message}`;
    return;
  }
  const p = answer.probe;
  status.textContent = `For ${p.method} from ${p.origin}${p.credentials ? ' with credentials' : ''}.`;
  result.replaceChildren(
    ...answer.stacks.map(showStack),
    element('h3', 'Check a server as the browser would'),
    para('These send the same requests to the sandbox’s API; put your server’s URL in their place.', 'hint'),
    codeBlock(answer.curl.join('\n')),
    codeBlock(answer.check),
  );
});
