// "Paste a request": a request copied from DevTools ("Copy as cURL" or "Copy as fetch", Chromium's or
// Firefox's) fills the lab's request form. The sandbox reads the text (POST /sandbox/paste, in
// client-site/src/paste/); this script only fills the fields and shows what the sandbox said, as text.
// Nothing pasted is run, here or there.

import { checkSandbox, para } from './page.js';

const $ = (selector) => document.querySelector(selector);
const requestForm = $('#request-form');
const result = $('#paste-result');

$('#paste-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  result.replaceChildren(para('Reading the copy…', 'hint'));
  let res;
  try {
    res = await fetch('/sandbox/paste', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: $('#paste-text').value }),
    });
  } catch {
    result.replaceChildren();
    checkSandbox();
    return;
  }
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) {
    // A refusal is one sentence saying what to do; the form stays as it was.
    result.replaceChildren(para(answer.error ?? `The sandbox answered ${res.status}.`, 'error'));
    return;
  }
  if (answer.form) fill(answer.form);
  result.replaceChildren(...shown(answer));
});

// Sets each field the answer names (path, method, headers, body, body_raw, credentials, mode…), then tells
// the form it changed, so that lab.js shows the code it will run.
function fill(form) {
  const fields = requestForm.elements;
  for (const [name, value] of Object.entries(form)) {
    if (fields[name]) fields[name].value = value;
  }
  requestForm.dispatchEvent(new Event('input'));
}

// The answer for a person: what the form holds now (or why not), what was left out and why, and for
// another server the command that checks it.
function shown(answer) {
  const nodes = [para(answer.summary), para(`Read as ${answer.read_as}.`, 'hint')];
  if (answer.notes.length) {
    const list = document.createElement('ul');
    list.className = 'paste-notes';
    list.append(...answer.notes.map((note) => Object.assign(document.createElement('li'), { textContent: note })));
    nodes.push(list);
  }
  if (answer.check_command) {
    const pre = document.createElement('pre');
    pre.append(Object.assign(document.createElement('code'), { textContent: answer.check_command }));
    nodes.push(pre);
  }
  return nodes;
}
