//! The `igsim` binary's start-up contract, run as a real process: `--version`, and the exit
//! code and message when its address is already taken.

use std::process::Command;

fn igsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_igsim"))
}

#[test]
fn version_prints_the_crate_version() {
    let out = igsim().arg("--version").output().expect("igsim runs");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("igsim {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_port_already_in_use_exits_with_code_3_and_says_what_to_do() {
    // Held for the whole test: igsim cannot bind it.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = taken.local_addr().unwrap().to_string();
    for args in [vec!["--addr", addr.as_str()], vec!["serve", "--addr", addr.as_str()]] {
        let out = igsim().args(&args).output().expect("igsim runs");
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("{addr} is already in use")), "{err}");
        assert!(err.contains("--addr 127.0.0.1:<port>"), "{err}");
        assert!(
            out.stdout.is_empty(),
            "nothing is announced: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
