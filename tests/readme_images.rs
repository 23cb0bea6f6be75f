//! The README's pictures: each one it shows is a PNG in docs/images, small enough to keep in git, made by
//! `scripts/screenshots` (examples/screenshots/main.rs names it), and the README says how to make them again.
//! The screenshots themselves are not taken here: that needs Chromium, and `scripts/screenshots` does it.

use std::path::Path;

/// As in examples/screenshots/main.rs, which refuses to write a bigger picture.
const MAX_BYTES: u64 = 150 * 1024;
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `![alt](target)` in `markdown`, as (alt, target).
fn images(markdown: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("![") {
        rest = &rest[start + 2..];
        let Some((alt, after)) = rest.split_once("](") else { break };
        let Some((target, _)) = after.split_once(')') else { break };
        found.push((alt.to_owned(), target.to_owned()));
        rest = after;
    }
    found
}

#[test]
fn finds_markdown_images() {
    let found = images("a ![The lab](docs/images/a.png) b ![](x.png)\n![c](d.png)");
    assert_eq!(
        found,
        [
            ("The lab".to_owned(), "docs/images/a.png".to_owned()),
            (String::new(), "x.png".to_owned()),
            ("c".to_owned(), "d.png".to_owned())
        ]
    );
}

#[test]
fn every_readme_picture_is_a_small_png_the_command_makes() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("read README.md");
    let command = std::fs::read_to_string(Path::new(ROOT).join("examples/screenshots/main.rs"))
        .expect("read examples/screenshots/main.rs");
    assert!(
        !readme.contains("<img"),
        "the README's pictures are Markdown images, so this test sees them all"
    );
    let shown = images(&readme);
    assert!(!shown.is_empty(), "the README shows no picture");
    assert!(readme.contains("scripts/screenshots"), "the README names the command that makes its pictures");
    let mut problems = Vec::new();
    for (alt, target) in &shown {
        let Some(name) = target.strip_prefix("docs/images/") else {
            problems.push(format!("{target}: not in docs/images"));
            continue;
        };
        if alt.trim().is_empty() {
            problems.push(format!("{target}: no alt text"));
        }
        if !command.contains(&format!("\"{name}\"")) {
            problems.push(format!("{target}: examples/screenshots/main.rs does not make it"));
        }
        let path = Path::new(ROOT).join(target);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                problems.push(format!("{target}: {e}"));
                continue;
            }
        };
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.get(12..16) != Some(b"IHDR") {
            problems.push(format!("{target}: not a PNG"));
            continue;
        }
        if bytes.len() as u64 > MAX_BYTES {
            problems.push(format!("{target}: {} bytes, over {MAX_BYTES}", bytes.len()));
        }
        let dimension =
            |at: usize| bytes.get(at..at + 4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        let (width, height) = (dimension(16), dimension(20));
        if width == 0 || height == 0 || width > 1000 || height > 1000 {
            problems.push(format!("{target}: {width}×{height} px, not within 1000×1000"));
        }
    }
    // And nothing in docs/images that the README does not show: a picture nobody sees goes stale unseen.
    let dir = Path::new(ROOT).join("docs/images");
    for entry in std::fs::read_dir(&dir).expect("read docs/images") {
        let name = entry.expect("a docs/images entry").file_name().to_string_lossy().into_owned();
        if !shown.iter().any(|(_, target)| target == &format!("docs/images/{name}")) {
            problems.push(format!("docs/images/{name}: the README does not show it"));
        }
    }
    assert!(problems.is_empty(), "the README's pictures:\n{}", problems.join("\n"));
}
