"""Copies every scenario the way Chromium's DevTools menu does: Copy as cURL (bash) and (cmd), Copy as fetch and
Copy as fetch (Node.js), and once Copy all as cURL (bash). The Network panel's own menu actions run
(NetworkLogView.copyCurlCommand / copyFetchCall / copyAllCurlCommand); only their last step, the host's
clipboard write (InspectorFrontendHost.copyText), is captured. Writes raw/chromium.json."""
import asyncio, json, os, signal, subprocess, tempfile, time, urllib.request
from cdp import CDP
from scenarios import SCENARIOS

PORT = 9343
SETUP = r"""
(async () => {
  const SDK = await import('./core/sdk/sdk.js');
  for (let i = 0; i < 200; i++) {
    const t = SDK.TargetManager.TargetManager.instance().primaryPageTarget();
    if (t && t.model(SDK.NetworkManager.NetworkManager)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const UI = await import('./ui/legacy/legacy.js');
  await UI.ViewManager.ViewManager.instance().showView('network');
  const Host = await import('./core/host/host.js');
  window.__copied = [];
  Host.InspectorFrontendHost.InspectorFrontendHostInstance.copyText = (text) => window.__copied.push(text);
  return 'ready';
})()
"""
COPY = r"""
(async () => {
  const N = await import('./panels/network/network.js');
  const Logs = await import('./models/logs/logs.js');
  const view = N.NetworkPanel.NetworkPanel.instance().networkLogView;
  const all = Logs.NetworkLog.NetworkLog.instance().requests();
  const req = all.filter((r) => r.url() === URL && r.requestMethod === METHOD && r.resourceType().name() !== 'preflight').pop();
  if (!req) return { error: 'no request', urls: all.map((r) => r.requestMethod + ' ' + r.url() + ' ' + r.resourceType().name()) };
  const out = {};
  for (const [name, action] of [
    ['chromium-curl-bash', () => view.copyCurlCommand(req, 'unix')],
    ['chromium-curl-cmd', () => view.copyCurlCommand(req, 'win')],
    ['chromium-fetch', () => view.copyFetchCall(req, 0)],
    ['chromium-fetch-nodejs', () => view.copyFetchCall(req, 1)],
  ]) {
    window.__copied = [];
    await action();
    out[name] = window.__copied.pop();
  }
  out.status = req.statusCode;
  out.corsError = req.corsErrorStatus()?.corsError ?? null;
  out.provisional = !req.requestHeadersText() && req.requestHeaders().length < 8;
  return out;
})()
"""
COPY_ALL = r"""
(async () => {
  const N = await import('./panels/network/network.js');
  const view = N.NetworkPanel.NetworkPanel.instance().networkLogView;
  window.__copied = [];
  await view.copyAllCurlCommand('unix');
  return window.__copied.pop();
})()
"""

async def main():
    prof = tempfile.mkdtemp(prefix="chr-")
    proc = subprocess.Popen(["/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", f"--user-data-dir={prof}",
        f"--remote-debugging-port={PORT}", "--remote-allow-origins=*", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    out = {"engine": "chromium", "copies": {}}
    try:
        for _ in range(200):
            try:
                version = json.load(urllib.request.urlopen(f"http://127.0.0.1:{PORT}/json/version")); break
            except Exception: time.sleep(0.1)
        out["version"] = version["Browser"]; out["user_agent"] = version["User-Agent"]
        c = await CDP.connect(version["webSocketDebuggerUrl"])
        page = (await c.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
        ps = (await c.send("Target.attachToTarget", {"targetId": page, "flatten": True}))["sessionId"]
        await c.send("Runtime.enable", {}, ps); await c.send("Page.enable", {}, ps)
        ctx = (await c.send("Target.createBrowserContext"))["browserContextId"]
        dt = (await c.send("Target.createTarget", {"url": f"devtools://devtools/bundled/devtools_app.html?ws=127.0.0.1:{PORT}/devtools/page/{page}", "browserContextId": ctx}))["targetId"]
        ds = (await c.send("Target.attachToTarget", {"targetId": dt, "flatten": True}))["sessionId"]
        await c.send("Runtime.enable", {}, ds)
        for _ in range(100):
            try:
                if await c.evaluate("document.readyState", ds) == "complete": break
            except Exception: pass
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        print(await c.evaluate(SETUP, ds))
        await c.send("Page.navigate", {"url": "http://localhost:3000/lab"}, ps)
        await asyncio.sleep(2)
        await c.evaluate("document.cookie = 'theme=dark; path=/'", ps)
        for name, url, init in SCENARIOS:
            js = f"(async () => {{ const init = {init}; try {{ const r = await fetch({json.dumps(url)}, init); return 'status ' + r.status + ' ' + r.type; }} catch (e) {{ return String(e); }} }})()"
            outcome = await c.evaluate(js, ps)
            await asyncio.sleep(0.5)
            method = await c.evaluate(f"(() => {{ const init = {init}; return init.method ?? 'GET'; }})()", ps)
            r = await c.evaluate(COPY.replace("URL", json.dumps(url)).replace("METHOD", json.dumps(method)), ds)
            r["js_outcome"] = outcome
            out["copies"][name] = r
            print(name, outcome, {k: (v[:60] if isinstance(v, str) else v) for k, v in r.items()})
        out["copy_all_curl_bash"] = await c.evaluate(COPY_ALL, ds)
        await c.send("Browser.close")
    finally:
        try: os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError: pass
        proc.wait()
    os.makedirs("raw", exist_ok=True)
    json.dump(out, open("raw/chromium.json", "w"), indent=1, ensure_ascii=False)

asyncio.run(main())
