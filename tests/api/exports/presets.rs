//! "The framework did it for you": each framework preset's one setting, run for real in its framework,
//! reflects the attacker's `Origin` with credentials — what the preset's policy makes the sandbox do.

use client_site::presets::PRESETS;
use reqwest::Client;

use super::run::{run, stacks_available};

const ATTACKER: &str = "http://localhost:4000";

/// The smallest app of `stack` with `setting` in it, verbatim, and the bank's `/api/account`.
fn app(stack: &str, setting: &str) -> String {
    let template = match stack {
        "starlette" => {
            "import os\n\nimport uvicorn\nfrom starlette.applications import Starlette\nfrom starlette.middleware.cors import CORSMiddleware\nfrom starlette.responses import JSONResponse\nfrom starlette.routing import Route\n\n\nasync def account(request):\n    return JSONResponse({\"user\": \"learner\", \"secret\": \"s3cret\"})\n\n\napp = Starlette(routes=[Route(\"/api/account\", account)])\n{SETTING}\n\nuvicorn.run(app, host=\"127.0.0.1\", port=int(os.environ[\"PORT\"]))\n"
        }
        // The settings are this module's own (DJANGO_SETTINGS_MODULE is __main__), as a settings.py has them.
        "django" => {
            "import os\n\nos.environ[\"DJANGO_SETTINGS_MODULE\"] = \"__main__\"\nALLOWED_HOSTS = [\"127.0.0.1\"]\nROOT_URLCONF = \"__main__\"\nINSTALLED_APPS = [\"corsheaders\"]\nMIDDLEWARE = [\"corsheaders.middleware.CorsMiddleware\"]\n{SETTING}\n\nfrom django.http import JsonResponse  # noqa: E402\nfrom django.urls import path  # noqa: E402\n\n\ndef account(request):\n    return JsonResponse({\"user\": \"learner\", \"secret\": \"s3cret\"})\n\n\nurlpatterns = [path(\"api/account\", account)]\n\nif __name__ == \"__main__\":\n    import uvicorn\n    from django.core.asgi import get_asgi_application\n\n    uvicorn.run(get_asgi_application(), host=\"127.0.0.1\", port=int(os.environ[\"PORT\"]))\n"
        }
        "flask" => {
            "import os\n\nfrom flask import Flask, jsonify\nfrom flask_cors import CORS\n\napp = Flask(__name__)\n{SETTING}\n\n\n@app.route(\"/api/account\")\ndef account():\n    return jsonify(user=\"learner\", secret=\"s3cret\")\n\n\napp.run(host=\"127.0.0.1\", port=int(os.environ[\"PORT\"]))\n"
        }
        "express" => {
            "const express = require(\"express\");\nconst cors = require(\"cors\");\n\nconst app = express();\n{SETTING}\napp.get(\"/api/account\", (req, res) => res.json({ user: \"learner\", secret: \"s3cret\" }));\napp.listen(Number(process.env.PORT), \"127.0.0.1\");\n"
        }
        "fastify" => {
            "const fastify = require(\"fastify\")();\nconst cors = require(\"@fastify/cors\");\n\n{SETTING}\nfastify.get(\"/api/account\", async () => ({ user: \"learner\", secret: \"s3cret\" }));\nfastify.listen({ port: Number(process.env.PORT), host: \"127.0.0.1\" });\n"
        }
        other => panic!("no app for the framework preset of {other}"),
    };
    template.replace("{SETTING}", setting)
}

/// Every framework preset: its setting, in its framework, lets the attacker's page read the account.
#[tokio::test]
async fn each_framework_preset_reflects_the_attacker_with_credentials_for_real() {
    if !stacks_available() {
        return;
    }
    let http = Client::new();
    let framework_presets: Vec<_> = PRESETS.iter().filter_map(|p| p.framework.map(|f| (p.id, f))).collect();
    assert!(framework_presets.len() >= 5, "Starlette, Django, Flask, express and Fastify at least");
    for (id, (stack, setting)) in framework_presets {
        let running = run(stack, id, &app(stack, setting)).await;
        let answer = http
            .get(running.at("/api/account"))
            .header("Origin", ATTACKER)
            .header("Cookie", "sandbox_session=the-learners")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(answer.status(), 200, "{id}");
        let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("access-control-allow-origin").as_deref(), Some(ATTACKER), "{id}: {setting}");
        assert_eq!(header("access-control-allow-credentials").as_deref(), Some("true"), "{id}: {setting}");
        assert!(answer.text().await.unwrap().contains("s3cret"), "{id}");
    }
}
