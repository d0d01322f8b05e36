//! Golden files of `audit --plan` on the example forest (fixtures/example):
//! PLAN.md and both scripts, byte for byte, and the same plan whatever the
//! thread count. `UPDATE_GOLDEN=1 cargo test --test plan_golden` rewrites
//! them; read the diff before committing.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const GOLDEN: [&str; 3] = ["PLAN.md", "cloud-usertype.ps1", "b2b-invitations.ps1"];

const ALL: [&str; 7] = [
    "cloud-usertype.batch.jsonl",
    "undo/cloud-usertype.batch.jsonl",
    "cloud-usertype.ps1",
    "b2b-readiness.csv",
    "b2b-invitations.batch.jsonl",
    "b2b-invitations.ps1",
    "PLAN.md",
];

fn run(out: &Path, threads: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(root)
        .args([
            "--quiet",
            "--threads",
            threads,
            "audit",
            "--reproducible",
            "--onprem",
            "fixtures/example/onprem.ldf",
            "--cloud",
            "fixtures/example/graph-users.json",
            "--rules",
            "fixtures/rules/upn-expression.toml",
            "--plan",
            "--domains",
            "tests/golden/plan/domains.json",
            "--out",
        ])
        .arg(out)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_plan_matches_its_golden_files_whatever_the_thread_count() {
    let one = tempfile::tempdir().expect("tempdir");
    let two = tempfile::tempdir().expect("tempdir");
    run(one.path(), "1");
    run(two.path(), "2");
    for name in ALL {
        let a = fs::read(one.path().join("plan").join(name)).expect(name);
        let b = fs::read(two.path().join("plan").join(name)).expect(name);
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/plan");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for name in GOLDEN {
        let got = fs::read_to_string(one.path().join("plan").join(name)).expect(name);
        let path = golden.join(name);
        if update {
            fs::write(&path, &got).expect("write golden");
            continue;
        }
        let want = fs::read_to_string(&path).expect("golden file (UPDATE_GOLDEN=1 writes it)");
        assert!(
            got == want,
            "{name} differs from {}; run UPDATE_GOLDEN=1 and read the diff",
            path.display()
        );
    }
}

#[test]
fn a_second_run_replaces_its_own_plan_but_never_someone_elses_file() {
    let out = tempfile::tempdir().expect("tempdir");
    run(out.path(), "2");
    run(out.path(), "2");
    let notes = out.path().join("plan/PLAN.md");
    fs::write(&notes, "my own notes\n").expect("write");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(root)
        .args([
            "audit",
            "--onprem",
            "fixtures/example/onprem.ldf",
            "--cloud",
            "fixtures/example/graph-users.json",
            "--rules",
            "fixtures/rules/upn-expression.toml",
            "--plan",
            "--out",
        ])
        .arg(out.path())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("PLAN.md") && err.contains("not a report this tool wrote"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&notes).expect("read"), "my own notes\n");
}

#[test]
fn a_run_without_plan_removes_an_earlier_plan_but_not_other_files() {
    let out = tempfile::tempdir().expect("tempdir");
    run(out.path(), "2");
    let mine = out.path().join("plan/notes.txt");
    fs::write(&mine, "keep me\n").expect("write");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(root)
        .args([
            "audit",
            "--onprem",
            "fixtures/example/onprem.ldf",
            "--cloud",
            "fixtures/example/graph-users.json",
            "--rules",
            "fixtures/rules/upn-expression.toml",
            "--out",
        ])
        .arg(out.path())
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    for name in ALL {
        assert!(!out.path().join("plan").join(name).exists(), "{name} left");
        assert!(stdout.contains(name), "{name} not said removed: {stdout}");
    }
    assert!(!out.path().join("plan/undo").exists());
    assert_eq!(fs::read_to_string(&mine).expect("read"), "keep me\n");
}
