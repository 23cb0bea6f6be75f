// "Explain a console line": the learner pastes a line from a console; the sandbox (POST /sandbox/explain,
// the browser model in Rust) says what it is, and this script only shows the answer, as text.

import { para, definitionList, whyItFailed } from './page.js';

const $ = (selector) => document.querySelector(selector);

$('#explain-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = $('#explain-result');
  result.replaceChildren(para('Reading the line…', 'hint'));
  try {
    const res = await fetch('/sandbox/explain', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: $('#explain-text').value }),
    });
    const answer = await res.json();
    result.replaceChildren(...(res.ok ? explanation(answer) : [para(answer.error, 'warn')]));
  } catch (err) {
    const why = await whyItFailed(err);
    result.replaceChildren(...(why ? [para(`The sandbox could not read it: ${why}`, 'warn')] : []));
  }
});

// The answer as elements, every text through textContent.
function explanation(x) {
  const engine = x.engine_name;
  const where = (c) => (c.where ? ` (${c.where})` : '');
  const nodes = [];
  if (x.role === 'companion') {
    nodes.push(para(`${engine} prints this line beside the one that names the check: paste that one for a precise answer.`, 'hint'));
  }
  if (!x.ambiguous && x.candidates.length) {
    const first = x.candidates[0];
    nodes.push(heading(`${engine}: ${x.cors_error ?? first.cause}${where(first)}`));
  } else {
    nodes.push(heading(`${engine}: the words cannot tell which check failed`));
    const list = document.createElement('ol');
    list.className = 'explain-candidates';
    for (const c of x.candidates) {
      list.append(Object.assign(document.createElement('li'), { textContent: `${c.cause}${where(c)}` }));
    }
    nodes.push(para('The candidates, likeliest first:'), list);
  }
  if (x.settle) nodes.push(para(`What settles it: ${x.settle}`, 'hint'));
  const held = [
    ['URL', x.extracted.url], ['Fetched', x.extracted.initial_url], ['Page origin', x.extracted.origin],
    ['Header value', x.extracted.value], ['Method', x.extracted.method], ['Header', x.extracted.header],
    ['Status', x.extracted.status], ['Token', x.extracted.token],
  ].filter(([, value]) => value !== null && value !== undefined).map(([term, value]) => [term, String(value)]);
  if (held.length) nodes.push(definitionList(held));
  if (x.meaning) nodes.push(para(`What it means: ${x.meaning}`), para(`The fix: ${x.fix}`));
  if (x.lab_link) {
    const link = Object.assign(document.createElement('a'), { href: x.lab_link, textContent: 'Set this failure up in the lab' });
    link.id = 'explain-lab-link';
    const line = document.createElement('p');
    line.append(link, ' — then apply it and press Send.');
    nodes.push(line);
  }
  if (x.lab_note) nodes.push(para(x.lab_note, 'hint'));
  if (x.check_command) {
    const pre = document.createElement('pre');
    pre.append(Object.assign(document.createElement('code'), { textContent: x.check_command }));
    nodes.push(para('Ask your own server the same question:'), pre);
  }
  return nodes;
}

function heading(text) {
  return Object.assign(document.createElement('h3'), { textContent: text, id: 'explain-heading' });
}
