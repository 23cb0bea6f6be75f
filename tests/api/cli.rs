//! The `cors-sandbox` binary itself, where the library entry point cannot show it.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// Started with a low soft limit on open files, the binary raises it to the hard limit: every open tab
/// holds a connection.
#[test]
fn the_binary_raises_its_open_files_limit() {
    let mut hard = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct passed to it.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut hard) }, 0);
    if hard.rlim_max <= 256 {
        return; // nothing to raise on this machine
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"));
    command
        .args(["--api-port", "0", "--client-port", "0", "--attacker-port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe, and it only lowers this child's own soft limit.
    unsafe {
        command.pre_exec(|| {
            let mut low = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut low);
            low.rlim_cur = 256;
            libc::setrlimit(libc::RLIMIT_NOFILE, &low);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("start the binary");
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).expect("/proc limits");
    let _ = child.kill();
    let _ = child.wait();
    let open_files = limits.lines().find(|l| l.starts_with("Max open files")).expect("the open-files line");
    let soft: u64 = open_files.split_whitespace().nth(3).and_then(|n| n.parse().ok()).expect("a soft limit");
    assert_eq!(soft, hard.rlim_max, "{open_files}");
}

/// `--open` hands the tutorial's URL to the system's opener (here a stand-in `xdg-open` that writes down
/// what it was given), and says where to go when there is none.
#[test]
fn open_hands_the_tutorial_to_the_browser_or_says_where_to_go() {
    let dir = std::env::temp_dir().join(format!("cors-sandbox-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let opener = dir.join("xdg-open");
    let given = dir.join("given");
    std::fs::write(&opener, format!("#!/bin/sh\necho \"$@\" > '{}'\n", given.display())).unwrap();
    let mut permissions = std::fs::metadata(&opener).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&opener, permissions).unwrap();

    let run = |path: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cors-sandbox"))
            .args(["--api-port", "0", "--client-port", "0", "--attacker-port", "0", "--open"])
            .env("PATH", path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the binary");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let last = line.starts_with("Opened ") || line.starts_with("Could not open");
            lines.push(line);
            if last {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        lines
    };
    let lines = run(&dir.display().to_string());
    let tutorial =
        lines.iter().find_map(|l| l.trim().strip_prefix("Tutorial:")).expect("the banner").trim().to_owned();
    assert_eq!(lines.last().unwrap(), &format!("Opened {tutorial} in your browser."));
    assert_eq!(std::fs::read_to_string(&given).unwrap().trim(), tutorial);

    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let lines = run(&empty.display().to_string());
    let last = lines.last().unwrap();
    assert!(last.starts_with("Could not open a browser (xdg-open") && last.ends_with("yourself."), "{last}");
    let _ = std::fs::remove_dir_all(&dir);
}
