"""The requests whose DevTools copies become fixtures. Each is run by the page http://localhost:3000/lab
(the sandbox's lab, its API at http://localhost:8000) with fetch(url, init), init written as JavaScript."""

API = "http://localhost:8000"
OTHER = "http://127.0.0.1:47199"

POLICY = {
    "allow_origin": "http://localhost:3000",
    "allow_credentials": "true",
    "allow_methods": "PUT, DELETE, PATCH, patch, POST",
    "allow_headers": "X-Api-Key, Content-Type, Authorization, X-Note",
}

SCENARIOS = [
    ("get-query", f"{API}/api/echo?x=1&y=two%20words&z=[a]", "{}"),
    ("post-json-credentials", f"{API}/api/echo",
     """{ method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'k1' },
         body: JSON.stringify({ hello: 'wörld', quote: "it's" }) }"""),
    ("put-text-shell-characters", f"{API}/api/echo",
     """{ method: 'PUT', headers: { 'Content-Type': 'text/plain', 'X-Note': '100% "sure" & done' },
         body: 'line one\\nline two: $HOME `id` $(id) !bang\\r\\n50% done & more "quoted" ^caret \\\\ back' }"""),
    ("delete-authorization", f"{API}/api/echo",
     """{ method: 'DELETE', credentials: 'omit', headers: { Authorization: 'Bearer made-up-token-0002', Accept: 'application/json' } }"""),
    ("post-form-no-cors", f"{API}/api/counter",
     """{ method: 'POST', mode: 'no-cors', body: new URLSearchParams({ hello: 'world', q: 'a b&c' }) }"""),
    ("patch-lowercase", f"{API}/api/echo",
     """{ method: 'patch', headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{"n":1}' }"""),
    ("head", f"{API}/api", "{ method: 'HEAD' }"),
    ("post-multipart", f"{API}/api/echo",
     """(() => { const f = new FormData(); f.append('name', 'Ada'); f.append('file', new Blob(['a,b\\n1,2\\n'], { type: 'text/csv' }), 'data.csv'); return { method: 'POST', body: f }; })()"""),
    ("blocked-by-preflight", f"{API}/api/echo",
     """{ method: 'PUT', headers: { 'X-Blocked': '1', 'Content-Type': 'application/json' }, body: '{"a":1}' }"""),
    ("other-origin", f"{OTHER}/v1/items?id=7",
     """{ method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'k1' }, body: '{"a":1}' }"""),
]
