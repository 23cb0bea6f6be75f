"""Re-measures the main facts of docs/local-network-access.md and console-messages.md rows 3a and 32-37 in the
real engines, and prints one JSON object per case. Run it through scripts/lna-facts (which makes the venv).

Each server is raw HTTP/1.1 over Python sockets (the bytes on the wire are exactly the ones written here) and
logs every connection and request. Chromium is driven over the DevTools protocol, Firefox over its own
WebDriver BiDi socket, WebKit (MiniBrowser under xvfb-run) by a page that prints markers.
"""
import asyncio, itertools, json, os, re, shutil, signal, ssl, subprocess, sys, tempfile, time

import websockets

LOG = []
HERE = os.path.dirname(os.path.abspath(__file__))


def raw(status, headers, body=b""):
    body = body.encode() if isinstance(body, str) else body
    head = [f"HTTP/1.1 {status} X"] + [f"{n}: {v}" for n, v in headers] + [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def serve(name, host, port, handler, tls=None):
    async def conn(reader, writer):
        LOG.append({"server": name, "kind": "connect"})
        try:
            head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).decode("latin1")
        except BaseException:
            writer.close()
            return
        first, *lines = [l for l in head.split("\r\n") if l]
        method, target, _ = first.split(" ", 2)
        headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines]
        length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
        if length:
            await reader.readexactly(length)
        LOG.append({"server": name, "kind": "request", "method": method, "target": target})
        origin = next((v for n, v in headers if n.lower() == "origin"), "null")
        writer.write(handler(method, target, origin))
        await writer.drain()
        writer.close()
    ctx = None
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
    await asyncio.start_server(conn, host, port, ssl=ctx)


def page(body, csp=True):
    hs = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
    return lambda m, t, o: raw(200, hs + ([("Content-Security-Policy", "treat-as-public-address")] if csp else []), body)


def api(m, t, o):
    hs = [("Access-Control-Allow-Origin", o), ("Access-Control-Allow-Credentials", "true")]
    if m == "OPTIONS":
        return raw(204, hs + [("Access-Control-Allow-Methods", "POST"), ("Access-Control-Allow-Headers", "content-type, x-api-key")])
    if "/acao/" in t:  # several Access-Control-Allow-Origin lines, spelled as asked
        name = "access-control-allow-origin" if "lower" in t else "Access-Control-Allow-Origin"
        return raw(200, [(name, o), (name, "http://other.example")], "{}")
    return raw(200, hs, "{}")


FETCH = """(async () => { try { const r = await Promise.race([fetch(%s, %s), new Promise((_, no) => setTimeout(() => no('pending after 8 s'), 8000))]);
  return {status: r.status}; } catch (e) { return {error: String(e)}; } })()"""


def seen(mark, name="api"):
    ev = [e for e in LOG[mark:] if e["server"] == name]
    reqs = [f'{e["method"]} {e["target"]}' for e in ev if e["kind"] == "request"]
    return reqs or ("a TCP connection, no request" if ev else "nothing")


class Cdp:
    """Chromium over the DevTools protocol (browser websocket, flattened sessions)."""

    async def start(self, headless=True):
        self.dir = tempfile.mkdtemp()
        args = ["chromium", f"--user-data-dir={self.dir}", "--remote-debugging-port=0", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
        self.proc = subprocess.Popen(args + (["--headless=new"] if headless else []) + ["about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        while not (os.path.exists(port_file) and open(port_file).read().count("\n")):
            await asyncio.sleep(0.05)
        port, path = open(port_file).read().split("\n")[:2]
        self.ws = await websockets.connect(f"ws://127.0.0.1:{port}{path}", max_size=2**26)
        self.ids, self.pending, self.lines = itertools.count(1), {}, []
        asyncio.create_task(self.read())
        target = await self.cmd("Target.createTarget", {"url": "about:blank"})
        self.s = (await self.cmd("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}))["sessionId"]
        await self.cmd("Log.enable", session=self.s)
        return self

    async def read(self):
        try:
            await self.read_all()
        except websockets.ConnectionClosed:
            pass  # the browser was closed

    async def read_all(self):
        async for text in self.ws:
            m = json.loads(text)
            if m.get("id") in self.pending:
                self.pending.pop(m["id"]).set_result(m)
            elif m.get("method") == "Log.entryAdded":
                self.lines.append(m["params"]["entry"]["text"])

    async def cmd(self, method, params=None, session=None):
        i = next(self.ids)
        self.pending[i] = asyncio.get_event_loop().create_future()
        await self.ws.send(json.dumps({"id": i, "method": method, "params": params or {}, **({"sessionId": session} if session else {})}))
        reply = await asyncio.wait_for(self.pending[i], 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    async def goto(self, url):
        await self.cmd("Page.navigate", {"url": url}, self.s)
        await asyncio.sleep(1.5)
        self.lines.clear()

    async def fetch(self, url, init="{}"):
        r = await self.cmd("Runtime.evaluate", {"expression": FETCH % (json.dumps(url), init), "awaitPromise": True, "returnByValue": True}, self.s)
        await asyncio.sleep(0.5)
        lines, self.lines = [l for l in self.lines if "favicon" not in l and "404" not in l], []
        return r["result"]["value"], lines

    def close(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


class Bidi:
    """Firefox ESR over the WebDriver BiDi socket it serves itself (no geckodriver)."""

    async def start(self, prefs):
        self.dir = tempfile.mkdtemp()
        with open(os.path.join(self.dir, "user.js"), "w") as f:
            for k, v in {"browser.shell.checkDefaultBrowser": False, "app.update.enabled": False, **prefs}.items():
                f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")
        self.proc = subprocess.Popen(["firefox-esr", "--headless", "--no-remote", "--profile", self.dir, "--remote-debugging-port=0"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        loop = asyncio.get_event_loop()
        while True:
            line = await loop.run_in_executor(None, self.proc.stderr.readline)
            found = re.search(rb"WebDriver BiDi listening on (\S+)", line)
            if found:
                break
        loop.run_in_executor(None, lambda: [None for _ in self.proc.stderr])
        self.ws = await websockets.connect(found.group(1).decode() + "/session", max_size=2**26)
        self.ids, self.pending, self.lines = itertools.count(1), {}, []
        asyncio.create_task(self.read())
        await self.cmd("session.new", {"capabilities": {}})
        await self.cmd("session.subscribe", {"events": ["log.entryAdded"]})
        self.ctx = (await self.cmd("browsingContext.getTree", {}))["contexts"][0]["context"]
        return self

    async def read(self):
        try:
            await self.read_all()
        except websockets.ConnectionClosed:
            pass  # the browser was closed

    async def read_all(self):
        async for text in self.ws:
            m = json.loads(text)
            if m.get("id") in self.pending:
                self.pending.pop(m["id"]).set_result(m)
            elif m.get("method") == "log.entryAdded" and m["params"].get("type") == "javascript":
                self.lines.append(m["params"]["text"])

    async def cmd(self, method, params):
        i = next(self.ids)
        self.pending[i] = asyncio.get_event_loop().create_future()
        await self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        reply = await asyncio.wait_for(self.pending[i], 30)
        if reply.get("type") == "error":
            raise RuntimeError(f"{method}: {reply.get('message')}")
        return reply["result"]

    async def goto(self, url):
        await self.cmd("browsingContext.navigate", {"context": self.ctx, "url": url, "wait": "complete"})
        self.lines.clear()

    async def fetch(self, url, init="{}"):
        r = await self.cmd("script.evaluate", {"expression": f"(async () => JSON.stringify(await {FETCH % (json.dumps(url), init)}))()",
                                               "target": {"context": self.ctx}, "awaitPromise": True})
        await asyncio.sleep(0.5)
        lines, self.lines = self.lines, []
        return json.loads(r["result"]["value"]), lines

    def close(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


async def webkit(url, args=()):
    """MiniBrowser prints the page's console on its standard error; returns those lines until WK-END."""
    p = await asyncio.create_subprocess_exec("xvfb-run", "-a", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
                                             "--enable-write-console-messages-to-stdout=true", *args, url,
                                             stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True)
    lines = []
    try:
        while not any("WK-END" in l for l in lines):
            line = await asyncio.wait_for(p.stderr.readline(), 60)
            lines.append(line.decode().rstrip("\n"))
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        await p.wait()
    return [l for l in lines if "CONSOLE" in l and "WK-" not in l]


def report(**fields):
    print(json.dumps(fields, ensure_ascii=False), flush=True)


async def main():
    await serve("page", "127.0.0.1", 18080, page("<!doctype html><title>public page</title><p>public"))
    await serve("api", "127.0.0.1", 18081, api)
    origin, target = "http://127.0.0.1:18080", "http://127.0.0.1:18081/api"
    post = "{method: 'POST', headers: {'Content-Type': 'application/json', 'X-Api-Key': '1'}, body: '{}'}"

    chromium = await Cdp().start()
    try:
        await chromium.goto(origin + "/")
        for what, init in (("simple GET", "{}"), ("preflighted POST", post)):
            mark = len(LOG)
            js, lines = await chromium.fetch(f"{target}?chromium-{what[:6]}", init)
            report(engine="chromium", case=f"{what}, page public by the CSP header, no permission (headless)", js=js, console=lines, api=seen(mark))
        js, lines = await chromium.fetch(target + "?tas", "{targetAddressSpace: 'local'}")
        report(engine="chromium", case="targetAddressSpace 'local' to a loopback API", js=js, console=lines)
        await chromium.cmd("Browser.setPermission", {"permission": {"name": "loopback-network"}, "setting": "granted", "origin": origin})
        mark = len(LOG)
        js, lines = await chromium.fetch(target + "?chromium-granted", post)
        report(engine="chromium", case="preflighted POST, loopback-network granted (Browser.setPermission)", js=js, console=lines, api=seen(mark))
    finally:
        chromium.close()

    firefox = await Bidi().start({"network.lna.address_space.public.override": "127.0.0.1:18080"})
    try:
        await firefox.goto(origin + "/")
        for state in ("denied", "granted"):
            await firefox.cmd("permissions.setPermission", {"descriptor": {"name": "loopback-network"}, "state": state, "origin": origin})
            for what, init in (("simple GET", "{}"), ("preflighted POST", post)):
                mark = len(LOG)
                js, lines = await firefox.fetch(f"{target}?firefox-{state}-{what[:6]}", init)
                report(engine="firefox", case=f"{what}, page public by the pref, loopback-network {state} (BiDi)", js=js, console=lines, api=seen(mark))
        for spelling in ("canonical", "lower"):
            js, lines = await firefox.fetch(f"http://127.0.0.1:18081/acao/{spelling}?ff")
            report(engine="firefox", case=f"two Access-Control-Allow-Origin lines, names spelled {spelling}", js=js, console=lines)
    finally:
        firefox.close()

    # WebKit: an https page fetching http loopback (mixed content). The certificate is made here, self-signed.
    tls = tempfile.mkdtemp()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{tls}/key.pem", "-out", f"{tls}/cert.pem",
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    runner = ("<!doctype html><title>wk</title><script type=module>for (const u of ['http://127.0.0.1:18081/api?wk', 'http://localhost:18081/api?wk']) {"
              " try { await fetch(u); console.log('WK-OK ' + u); } catch (e) { console.log('WK-ERR ' + e); } } console.log('WK-END');</script>")
    await serve("tls", "127.0.0.1", 18443, page(runner, csp=False), tls=(f"{tls}/cert.pem", f"{tls}/key.pem"))
    mark = len(LOG)
    lines = await webkit("https://127.0.0.1:18443/", ["--ignore-tls-errors"])
    report(engine="webkit", case="https page fetches http://127.0.0.1 and http://localhost (mixed content)", console=lines, api=seen(mark))
    shutil.rmtree(tls, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
