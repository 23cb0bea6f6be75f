// "Judge a HAR": a recording exported from DevTools, chosen or dropped here, judged by this sandbox
// (POST /sandbox/har): every fetch() and XHR in it, as the browser did — allowed or blocked, the check that
// failed, the line each engine printed, and why. The file goes to this sandbox only, on this machine; it
// is judged in memory and never stored. Everything taken from the file is shown with textContent: a HAR
// is anyone's JSON, and nothing in it may become markup.

const $ = (selector) => document.querySelector(selector);
const section = $('#har');
const input = $('#har-file');
const status = $('#har-status');
const result = $('#har-result');
// The sandbox reads at most this many bytes (client-site/src/har/file.rs, MAX_HAR_BYTES).
const maxBytes = Number(section.dataset.maxBytes);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// How one request ended, in a word or two.
function outcome(request) {
  if (request.same_origin) return ['same-origin', 'har-same'];
  if (request.allowed === true) return ['allowed', 'har-allowed'];
  if (request.allowed === false) return ['blocked', 'har-blocked'];
  return ['blocked only if the page sent credentials', 'har-blocked'];
}

function showRequest(request) {
  const [word, className] = outcome(request);
  const item = element('li', undefined, `har-request ${className}`);
  const head = element('p', undefined, 'har-head');
  head.append(element('strong', word), ' ', element('code', `${request.method} ${request.url}`));
  item.append(head, element('p', request.reason));
  if (request.not_cors) item.append(element('p', `Usual causes: ${request.not_cors.causes.join('; ')}.`, 'hint'));
  for (const assumed of request.assumed) item.append(element('p', `Assumed: ${assumed}`, 'hint'));
  if (request.failed_check) {
    const details = element('details');
    details.append(element('summary', `${request.failed_check}: what each browser printed`));
    for (const [engine, lines] of [
      ['Chromium', request.chromium_messages],
      ['Firefox', request.firefox_messages],
      ['WebKit', request.webkit_messages],
    ]) {
      if (!lines.length) continue;
      details.append(element('h4', engine), element('pre', lines.join('\n'), 'console'));
    }
    item.append(details);
  }
  return item;
}

function summary(s) {
  const causes = Object.entries(s.blocked_by).map(([cause, n]) => `${n} ${cause}`);
  let text = `${s.requests} request(s): ${s.same_origin} same-origin, ${s.allowed} allowed, ${s.blocked} blocked`;
  if (causes.length) text += ` (${causes.join(', ')})`;
  if (s.depends_on_credentials) text += `, ${s.depends_on_credentials} blocked only if the page sent credentials`;
  return `${text}.`;
}

function show(name, answer) {
  const list = element('ol', undefined, 'har-requests');
  list.append(...answer.requests.map(showRequest));
  // The summary is the status line, announced once; a file with nothing cross-origin says so above the list.
  const parts = answer.error ? [element('p', answer.error, 'warn')] : [];
  result.replaceChildren(...parts, list);
  status.textContent = `${name}: ${summary(answer.summary)}`;
}

async function judge(file) {
  if (file.size > maxBytes) {
    status.textContent = `${file.name} is ${Math.ceil(file.size / 1e6)} MB: the sandbox reads at most ${maxBytes / 1048576} MiB. Export only the requests that failed (filter DevTools' Network panel to Fetch/XHR).`;
    result.replaceChildren();
    return;
  }
  status.textContent = `Judging ${file.name}…`;
  let answer;
  try {
    const response = await fetch('/sandbox/har', { method: 'POST', body: file });
    answer = await response.json();
    // A HAR with no cross-origin request is a 422 that still lists what the file holds.
    if (!response.ok && !answer.requests) throw new Error(answer.error || `the sandbox answered ${response.status}`);
  } catch (err) {
    status.textContent = `Could not judge ${file.name}: ${err.message}`;
    result.replaceChildren();
    return;
  }
  show(file.name, answer);
}

input.addEventListener('change', () => {
  if (input.files.length) judge(input.files[0]);
});

// Dropping a file anywhere on the section does what choosing it does.
section.addEventListener('dragover', (event) => {
  event.preventDefault();
  section.classList.add('dropping');
});
section.addEventListener('dragleave', () => section.classList.remove('dropping'));
section.addEventListener('drop', (event) => {
  event.preventDefault();
  section.classList.remove('dropping');
  const file = event.dataTransfer?.files?.[0];
  if (file) judge(file);
});
