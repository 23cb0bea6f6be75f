//! The framework settings that commonly reflect every `Origin` with credentials: what `--scan` names when
//! a server echoes an attacker's origin with credentials. They are the lab's framework presets
//! (`client_site::presets`), each proven by a real run of its framework (tests/api/exports/presets.rs).

use client_site::presets::PRESETS;

/// What `--scan` adds when the server echoed any origin with credentials: the settings that do that.
pub fn reflected_with_credentials() -> String {
    let mut out = String::from(
        "\nAn Origin echoed with credentials is most often one line of framework configuration that reads as \"allow everyone\" and means \"echo every Origin, cookies included\":\n",
    );
    for preset in &PRESETS {
        let Some((stack, setting)) = preset.framework else { continue };
        let title = server::export::stack(stack).map(|s| s.title).unwrap_or(stack);
        out.push_str(&format!("  {title}: {}\n", setting.replace('\n', " and ")));
    }
    out.push_str("Name the origins you trust instead (an exact list, echoed), and send Vary: Origin.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_names_each_frameworks_setting() {
        let text = reflected_with_credentials();
        for setting in [
            "allow_origins=[\"*\"], allow_credentials=True",
            "CORS_ALLOW_ALL_ORIGINS = True and CORS_ALLOW_CREDENTIALS = True",
            "CORS(app, supports_credentials=True)",
            "cors({ origin: true, credentials: true })",
            "fastify.register(cors, { origin: true, credentials: true })",
        ] {
            assert!(text.contains(setting), "{setting} in {text}");
        }
    }
}
