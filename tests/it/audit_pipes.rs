//! Inputs that are pipes (`/dev/stdin`, `<(...)`, a FIFO): read once, whole,
//! never reopened, and not given a hash the audit could not compute.
#![cfg(unix)]

use crate::common::fixture;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn audit(onprem: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_usertype-audit"));
    c.args(["--quiet", "audit", "--reproducible"])
        .arg("--onprem")
        .arg(onprem)
        .arg("--cloud")
        .arg(fixture("example/graph-users.json"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .arg("--out")
        .arg(out);
    c
}

fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("json")
}

/// Starts `cmd` with the fixture `rel` written to its standard input.
fn spawn_fed(cmd: &mut Command, rel: &str) -> std::process::Child {
    let mut child = cmd.stdin(Stdio::piped()).spawn().expect("run");
    let bytes = std::fs::read(fixture(rel)).expect("fixture");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&bytes).expect("write");
    child
}

/// Waits for `child` at most 60 s; false if it had to be killed.
fn finishes(child: &mut std::process::Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_piped_export_is_read_whole_and_left_unhashed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (from_file, from_pipe) = (dir.path().join("file"), dir.path().join("pipe"));
    let status = audit(&fixture("example/onprem.csv"), &from_file)
        .status()
        .expect("run");
    assert_eq!(status.code(), Some(1), "the example has critical findings");
    // A CSV export through a pipe: before, the two bytes read to look for a
    // gzip header were lost, and with them the `DN` column.
    let mut child = spawn_fed(
        &mut audit(Path::new("/dev/stdin"), &from_pipe),
        "example/onprem.csv",
    );
    assert!(finishes(&mut child), "the audit of a pipe hung");
    for name in ["findings.jsonl", "findings.csv"] {
        let a = std::fs::read_to_string(from_file.join(name)).expect("file run");
        let b = std::fs::read_to_string(from_pipe.join(name)).expect("pipe run");
        let a = a.replace(
            &fixture("example/onprem.csv").display().to_string(),
            "ONPREM",
        );
        let b = b.replace("/dev/stdin", "ONPREM");
        assert!(a == b, "{name} differs between the file and the pipe");
    }
    let s = summary(&from_pipe);
    assert_eq!(s["inputs"][0]["path"], "/dev/stdin");
    // Not the hash of nothing: no hash at all.
    assert_eq!(s["inputs"][0]["blake3"], serde_json::Value::Null, "{s:#}");
    assert!(s["inputs"][1]["blake3"].is_string(), "{s:#}");
}

#[test]
fn a_fifo_export_does_not_hang_the_audit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("onprem.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let mut child = audit(&fifo, &dir.path().join("report"))
        .arg("--onprem-format")
        .arg("ldif")
        .spawn()
        .expect("run");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let ldif = std::fs::read(fixture("example/onprem.ldf")).expect("ldif");
            let mut w = std::fs::OpenOptions::new()
                .write(true)
                .open(fifo)
                .expect("open fifo");
            w.write_all(&ldif).expect("write");
        })
    };
    writer.join().expect("writer");
    assert!(finishes(&mut child), "the audit hung after reading a FIFO");
    let s = summary(&dir.path().join("report"));
    assert_eq!(s["inputs"][0]["blake3"], serde_json::Value::Null, "{s:#}");
    assert_eq!(s["onprem"]["records_read"], 1020, "{s:#}");
}

#[test]
fn scan_recognises_a_piped_export() {
    let mut scan = Command::new(env!("CARGO_BIN_EXE_usertype-audit"));
    scan.args(["--quiet", "scan", "/dev/stdin"])
        .stdout(Stdio::null());
    let mut child = spawn_fed(&mut scan, "example/onprem.ldf");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
}
