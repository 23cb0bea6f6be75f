//! Every document, table row, section and file the code and the docs cite exists: a comment that says
//! "docs/console-messages.md row 3a" or "`client-site/src/lab.rs`" must lead somewhere (stale maps and
//! citations are how a reader gets lost).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The files whose text is read for citations: the code, the pages, the docs and the tests (not the
/// recorded fixtures, which quote what browsers printed).
fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "src",
        "browser-model",
        "server",
        "client-site",
        "static",
        "templates",
        "tests",
        "docs",
        "examples",
        "benches",
        "scripts",
        ".ci",
    ] {
        walk(&Path::new(ROOT).join(dir), &mut files);
    }
    files.extend(["README.md", "ARCHITECTURE.md"].map(|f| Path::new(ROOT).join(f)));
    files
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_dir() {
            if !matches!(name, "target" | "fixtures" | "images" | "node_modules") {
                walk(&path, files);
            }
        } else if [".rs", ".md", ".js", ".html", ".css", ".toml", ".py"].iter().any(|ext| name.ends_with(ext))
            || path.parent().and_then(Path::file_name).is_some_and(|dir| dir == "scripts" || dir == ".ci")
        {
            files.push(path);
        }
    }
}

/// Each `docs/NAME.md` cited, with what follows it (` row 3a`, ` §13`), and where.
fn doc_citations(text: &str) -> Vec<(String, Option<String>)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("docs/") {
        let after = &rest[at + 5..];
        let name: String =
            after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        let tail = &after[name.len()..];
        // `docs/NAME.md row N`: a placeholder in a sentence about citations, not one.
        let placeholder = |id: &str| !id.is_empty() && id.chars().all(|c| c.is_ascii_uppercase());
        if let Some(tail) = tail.strip_prefix(".md")
            && !placeholder(&name)
        {
            let anchor = ["row ", "§"].iter().find_map(|mark| {
                tail.strip_prefix(' ').and_then(|t| t.strip_prefix(mark)).map(|t| {
                    let id: String =
                        t.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
                    format!("{mark}{}", id.trim_end_matches('.'))
                })
            });
            found.push((
                name.clone(),
                anchor.filter(|a| !placeholder(a.trim_start_matches("row ").trim_start_matches('§'))),
            ));
        }
        rest = &after[name.len().min(after.len())..];
    }
    found
}

/// The repository paths cited in backquotes: `browser-model/src/fetch.rs`, `tests/browser/lab.rs`.
fn path_citations(text: &str) -> Vec<String> {
    const ROOTS: [&str; 10] = [
        "src/",
        "browser-model/",
        "server/",
        "client-site/",
        "static/",
        "templates/",
        "tests/",
        "examples/",
        "benches/",
        "scripts/",
    ];
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|quoted| ROOTS.iter().any(|r| quoted.starts_with(r)))
        .filter(|quoted| {
            !quoted.contains(['*', '{', '<', ' ', '…', '$']) && !quoted.contains("NAME") && quoted.len() < 120
        })
        .map(|quoted| {
            quoted.split([':', '#']).next().unwrap_or_default().trim_end_matches(['/', '.', ',']).to_string()
        })
        .filter(|path| path.contains('.') || path.ends_with('/'))
        .collect()
}

fn has_row(doc: &str, row: &str) -> bool {
    doc.lines().any(|line| line.starts_with(&format!("| {row} |")) || line.starts_with(&format!("|{row}|")))
}

fn has_section(doc: &str, section: &str) -> bool {
    doc.lines().any(|line| {
        let heading = line.trim_start_matches('#').trim_start();
        line.starts_with('#')
            && (heading.starts_with(&format!("{section}.")) || heading.starts_with(&format!("{section} ")))
    })
}

#[test]
fn every_cited_document_row_section_and_file_exists() {
    let mut missing = BTreeSet::new();
    for file in sources() {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let shown = file.strip_prefix(ROOT).unwrap_or(&file).display().to_string();
        for (name, anchor) in doc_citations(&text) {
            let doc_path = Path::new(ROOT).join("docs").join(format!("{name}.md"));
            let Ok(doc) = std::fs::read_to_string(&doc_path) else {
                missing.insert(format!("{shown}: docs/{name}.md does not exist"));
                continue;
            };
            match anchor.as_deref() {
                Some(a) if a.starts_with("row ") && !has_row(&doc, &a[4..]) => {
                    missing.insert(format!("{shown}: docs/{name}.md has no {a}"));
                }
                Some(a) if a.starts_with('§') && !has_section(&doc, &a['§'.len_utf8()..]) => {
                    missing.insert(format!("{shown}: docs/{name}.md has no {a}"));
                }
                _ => {}
            }
        }
        for path in path_citations(&text) {
            if !Path::new(ROOT).join(&path).exists() {
                missing.insert(format!("{shown}: `{path}` does not exist"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} citation(s) lead nowhere:\n{}",
        missing.len(),
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn citations_are_read_as_a_reader_reads_them() {
    assert_eq!(
        doc_citations("see docs/console-messages.md row 3a, and docs/lessons.md §13."),
        [
            ("console-messages".to_string(), Some("row 3a".to_string())),
            ("lessons".to_string(), Some("§13".to_string()))
        ]
    );
    assert_eq!(
        path_citations("in `browser-model/src/fetch.rs` and `tests/*.rs`"),
        ["browser-model/src/fetch.rs"]
    );
    assert!(has_row("| 3a | two lines |", "3a"));
    assert!(has_section("### 13. Reflecting", "13"));
}
