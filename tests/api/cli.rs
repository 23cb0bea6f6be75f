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
