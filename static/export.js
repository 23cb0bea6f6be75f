// "Take it home": the policy in force as the configuration of the stack chosen in the picker, for the request
// in the lab's form (GET /sandbox/export?stack=…), with what that stack sends that differs from the sandbox,
// what it sends when a handler throws or a route refuses, and the curl and `cors-sandbox check` commands that
// verify a server. Everything the sandbox answers is put on the page as text (textContent), never as markup.

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

// The query for GET /sandbox/export: the chosen stack, and the form's method, headers, credentials and path.
function query() {
  const { path, init } = currentRequest();
  const params = new URLSearchParams();
  params.set('stack', $('#export-stack').value);
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
  table.append(element('caption', `Where ${stack.stack} differs from the sandbox`));
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
  const block = element('div', undefined, 'export-stack');
  block.dataset.stack = stack.stack;
  const heading = element('h3', stack.title);
  if (stack.unsupported) heading.append(element('span', ' — cannot express this policy', 'hint'));
  else if (stack.differences.length) heading.append(element('span', ` — ${stack.differences.length} difference(s) from the sandbox`, 'hint'));
  else heading.append(element('span', ' — the same headers as the sandbox', 'hint'));
  block.append(heading);
  if (stack.unsupported) {
    block.append(para(stack.unsupported, 'export-unsupported'));
    return block;
  }
  block.append(para(`${stack.file} — run: ${stack.run}`, 'hint'), codeBlock(stack.code), differences(stack));
  const notes = element('ul');
  for (const note of stack.notes) notes.append(element('li', note));
  block.append(notes, errors(stack));
  return block;
}

// One answer in words: its status and the CORS headers on it.
function answered(sent) {
  if (sent.status === 0) return 'no answer at all (the connection closes)';
  const headers = Object.entries(sent.headers).filter(([name]) => name !== 'vary');
  if (!headers.length) return `${sent.status}, with no CORS header`;
  return `${sent.status}, with ${headers.map(([name, value]) => `${name}: ${value}`).join('; ')}`;
}

// What the route that throws, the route that refuses, a path no route takes (404) and a route that takes one
// method only (405) send, and the mistake that takes the headers off.
function errors(stack) {
  const section = element('section', undefined, 'export-errors');
  section.append(element('h4', 'When a handler throws, a route refuses, or no route takes the request'));
  const list = element('ul');
  for (const route of stack.errors) {
    const item = element('li');
    item.append(
      element('strong', `${route.path}, ${route.does}: `),
      `the preflight gets ${answered(route.sends.preflight)}; the request gets ${answered(route.sends.actual)}. `,
      route.why,
    );
    if (route.mistake) {
      item.append(para(`The mistake: ${route.mistake.what} Then the preflight gets ${answered(route.mistake.sends.preflight)}; the request gets ${answered(route.mistake.sends.actual)}.`, 'hint'));
    }
    list.append(item);
  }
  section.append(list);
  return section;
}

async function showExport() {
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
}

$('#export').addEventListener('click', showExport);
// Once a stack is shown, choosing another shows that one.
$('#export-stack').addEventListener('change', () => {
  if ($('#export-result').childElementCount) showExport();
});
