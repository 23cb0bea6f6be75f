"""Copies every scenario the way Firefox's network monitor menu does: Copy as cURL (POSIX) and (Windows) and Copy as
Fetch. The menu's own code runs (RequestListContextMenu.copyAsCurl / copyAsFetch, with the clicked request's fields
as the menu passes them) and writes the real clipboard, which is read back. Writes raw/firefox.json."""
import asyncio, itertools, json, os, re, shutil, signal, subprocess, sys, tempfile, time
import websockets
from scenarios import SCENARIOS

USER_JS = """user_pref("app.update.enabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("app.normandy.enabled", false);
user_pref("devtools.toolbox.selectedTool", "netmonitor");
"""
LOADER = """const { require } = ChromeUtils.importESModule("resource://devtools/shared/loader/Loader.sys.mjs");
const { gDevTools } = require("devtools/client/framework/devtools");
const win = Services.wm.getMostRecentWindow("navigator:browser");
const tab = win.gBrowser.selectedTab;
"""
COPY = LOADER + r"""
const tb = gDevTools.getToolboxForTab(tab);
const panel = tb.getPanel("netmonitor");
const pw = panel.panelWin;
const RequestListContextMenu = pw.windowRequire("devtools/client/netmonitor/src/widgets/RequestListContextMenu");
const menu = new RequestListContextMenu({ connector: pw.connector });
const requests = [...pw.store.getState().requests.requests.values()];
const clicked = requests.filter((r) => r.url === URL && r.method === METHOD).pop();
if (!clicked) return { error: 'no request', seen: requests.map((r) => r.method + ' ' + r.url) };
function readClipboard() {
  const trans = Cc["@mozilla.org/widget/transferable;1"].createInstance(Ci.nsITransferable);
  trans.init(null);
  trans.addDataFlavor("text/plain");
  try { Services.clipboard.getData(trans, Ci.nsIClipboard.kGlobalClipboard, win.browsingContext.currentWindowContext); }
  catch (e) { Services.clipboard.getData(trans, Ci.nsIClipboard.kGlobalClipboard); }
  const out = {};
  trans.getTransferData("text/plain", out);
  return out.value.QueryInterface(Ci.nsISupportsString).data;
}
const { id, url, method, httpVersion, requestHeaders, requestPostData, responseHeaders } = clicked;
const out = {};
for (const [name, action] of [
  ['firefox-curl-posix', () => menu.copyAsCurl(id, url, method, httpVersion, requestHeaders, requestPostData, responseHeaders, "Linux")],
  ['firefox-curl-windows', () => menu.copyAsCurl(id, url, method, httpVersion, requestHeaders, requestPostData, responseHeaders, "WINNT")],
  ['firefox-fetch', () => menu.copyAsFetch(id, url, method, requestHeaders, requestPostData)],
]) {
  await action();
  await new Promise((r) => setTimeout(r, 100));
  out[name] = readClipboard();
}
out.status = clicked.status ?? null;
return JSON.stringify(out);
"""

class Bidi:
    def __init__(self, ws):
        self.ws, self.ids, self.pending, self.events = ws, itertools.count(1), {}, []
        self.reader = asyncio.create_task(self._read())
    async def _read(self):
        async for raw in self.ws:
            m = json.loads(raw)
            if "id" in m and m["id"] in self.pending:
                self.pending.pop(m["id"]).set_result(m)
    async def send(self, method, params, timeout=60):
        i = next(self.ids)
        fut = asyncio.get_running_loop().create_future()
        self.pending[i] = fut
        await self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        r = await asyncio.wait_for(fut, timeout)
        if r.get("type") == "error":
            raise RuntimeError(f"{method}: {r.get('error')} {r.get('message')}")
        return r["result"]
    async def eval(self, context, expr, timeout=60):
        r = await self.send("script.evaluate", {"expression": expr, "target": {"context": context},
                                                "awaitPromise": True, "resultOwnership": "none"}, timeout)
        if r.get("type") == "exception":
            raise RuntimeError(f"script failed: {json.dumps(r['exceptionDetails'])[:1500]}")
        return r["result"].get("value")

async def main():
    tmp = tempfile.mkdtemp(prefix="ff-")
    prof = os.path.join(tmp, "profile"); os.makedirs(prof)
    open(os.path.join(prof, "user.js"), "w").write(USER_JS)
    version = subprocess.run(["/usr/bin/firefox-esr", "--version"], capture_output=True, text=True).stdout.strip()
    proc = subprocess.Popen(["/usr/bin/firefox-esr", "--headless", "--no-remote", "--profile", prof,
                             "--remote-debugging-port=9344", "--remote-allow-system-access"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1"})
    out = {"engine": "firefox", "version": version, "copies": {}}
    try:
        url = None
        while url is None:
            m = re.search(r"WebDriver BiDi listening on (\S+)", proc.stderr.readline())
            if m: url = m.group(1)
        b = Bidi(await websockets.connect(url + "/session", max_size=None, ping_interval=None))
        await b.send("session.new", {"capabilities": {}})
        content = (await b.send("browsingContext.getTree", {}))["contexts"][0]["context"]
        chrome = (await b.send("browsingContext.getTree", {"moz:scope": "chrome"}))["contexts"][0]["context"]
        out["user_agent"] = await b.eval(content, "navigator.userAgent")
        print(version, out["user_agent"])
        print(await b.eval(chrome, "(async () => {" + LOADER + """
            const tb = await gDevTools.showToolboxForTab(tab, { toolId: "netmonitor" });
            return tb.currentToolId; })()"""))
        await b.send("browsingContext.navigate", {"context": content, "url": "http://localhost:3000/lab", "wait": "complete"})
        await b.eval(content, "document.cookie = 'theme=dark; path=/'")
        for name, url, init in SCENARIOS:
            js = f"(async () => {{ const init = {init}; try {{ const r = await fetch({json.dumps(url)}, init); return 'status ' + r.status + ' ' + r.type; }} catch (e) {{ return String(e); }} }})()"
            outcome = await b.eval(content, js)
            await asyncio.sleep(1.0)
            method = await b.eval(content, f"(() => {{ const init = {init}; return init.method ?? 'GET'; }})()")
            method = method.upper() if method.upper() in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS") else method
            r = json.loads(await b.eval(chrome, "(async () => {" + COPY.replace("URL", json.dumps(url)).replace("METHOD", json.dumps(method)) + "})()"))
            r["js_outcome"] = outcome
            out["copies"][name] = r
            print(name, outcome, {k: (v[:60] if isinstance(v, str) else v) for k, v in r.items()})
        try: await asyncio.wait_for(b.send("browser.close", {}), 5)
        except Exception: pass
    finally:
        try: os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError: pass
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    json.dump(out, open("raw/firefox.json", "w"), indent=1, ensure_ascii=False)

asyncio.run(main())
