"""A small CDP client (flat sessions) over the `websockets` package."""
import asyncio
import itertools
import json

import websockets


class CDP:
    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending = {}
        self.listeners = []  # (method or None, sessionId or None, callback)
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url):
        ws = await websockets.connect(url, max_size=None, ping_interval=None)
        return cls(ws)

    async def _read(self):
        async for raw in self.ws:
            msg = json.loads(raw)
            if "id" in msg:
                fut = self.pending.pop(msg["id"], None)
                if fut and not fut.done():
                    fut.set_result(msg)
            else:
                for method, sid, cb in list(self.listeners):
                    if (method is None or method == msg["method"]) and (sid is None or sid == msg.get("sessionId")):
                        cb(msg)

    def on(self, method, cb, session=None):
        self.listeners.append((method, session, cb))

    async def send(self, method, params=None, session=None, timeout=60):
        i = next(self.ids)
        fut = asyncio.get_running_loop().create_future()
        self.pending[i] = fut
        msg = {"id": i, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        await self.ws.send(json.dumps(msg))
        reply = await asyncio.wait_for(fut, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    async def evaluate(self, expr, session, timeout=60):
        r = await self.send("Runtime.evaluate", {"expression": expr, "awaitPromise": True, "returnByValue": True,
                                                 "allowUnsafeEvalBlockedByCSP": True}, session, timeout)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate failed: {json.dumps(r['exceptionDetails'])[:2000]}")
        return r["result"].get("value")
