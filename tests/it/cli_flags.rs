//! One flag vocabulary: every renamed flag in its new and its old spelling,
//! the reader options on every subcommand that reads exports, `--threads`
//! only where it acts, and `--color`.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("usertype-audit").expect("binary")
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn f(rel: &str) -> String {
    fixture(rel).display().to_string()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `classify` writes its rows with `-o`, `--output` and the hidden old `--out`.
#[test]
fn classify_output_new_and_old_spellings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut written = Vec::new();
    for flag in ["-o", "--output", "--out"] {
        let path = dir.path().join(format!("rows{flag}.csv"));
        let out = run(&[
            "-q",
            "classify",
            "--onprem",
            &f("example/onprem.ldf"),
            "--rules",
            &f("rules/upn-expression.toml"),
            flag,
            path.to_str().expect("path"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{flag}: rows went to the file");
        let rows = std::fs::read_to_string(&path).expect("rows");
        assert!(rows.starts_with("dn,upn,source_anchor,"), "{flag}");
        written.push(rows);
    }
    assert!(written.windows(2).all(|w| w[0] == w[1]));
    // The old spelling is hidden from the help, the new one shown.
    let help = stdout(&run(&["classify", "--help"]));
    assert!(help.contains("-o, --output <FILE>"), "{help}");
    assert!(!help.contains("--out "), "{help}");
}

/// `scan --input-format` names any export's format; `--onprem-format`, its
/// old spelling, still works and is hidden.
#[test]
fn scan_input_format_new_and_old_spellings() {
    for flag in ["--input-format", "--onprem-format"] {
        let out = run(&[
            "scan",
            "--format",
            "json",
            flag,
            "graph-json",
            &f("example/graph-users.json"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("\"users\""),
            "{flag}: {}",
            stdout(&out)
        );
    }
    let help = stdout(&run(&["scan", "--help"]));
    assert!(help.contains("--input-format <FORMAT>"));
    assert!(!help.contains("--onprem-format"), "{help}");
}

/// `--onprem-format` on the on-premises subcommands offers only on-premises formats.
#[test]
fn onprem_format_refuses_a_cloud_format() {
    let out = run(&[
        "classify",
        "--onprem",
        &f("example/onprem.ldf"),
        "--rules",
        &f("rules/upn-expression.toml"),
        "--onprem-format",
        "graph-json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ldif, csvde, export-csv"),
        "{}",
        stderr(&out)
    );
}

/// Each reader option is accepted by each subcommand that reads exports and
/// acts there: a 1 MiB record limit is accepted, and `--trailing-space
/// reject` makes an LDIF value ending in a space a rejected record.
#[test]
fn reader_options_on_every_reading_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ldif = dir.path().join("space.ldf");
    std::fs::write(
        &ldif,
        "version: 1\n\ndn: CN=Ann,OU=Partners,DC=contoso,DC=com\nobjectClass: user\n\
         userPrincipalName: ann@partners.fabrikam123.org \nobjectGUID:: AAECAwQFBgcICQoLDA0ODw==\n\n",
    )
    .expect("write");
    let ldif = ldif.to_str().expect("path");
    let rules = f("rules/upn-expression.toml");
    let reader = [
        "--max-record-size",
        "1",
        "--delimiter",
        ";",
        "--source-anchor",
        "objectGUID",
    ];
    let dir_out = dir.path().join("report");
    let out_dir = dir_out.to_str().expect("path");
    let cloud = f("example/graph-users.json");
    let commands: Vec<Vec<&str>> = vec![
        vec!["scan", ldif],
        vec!["classify", "--onprem", ldif, "--rules", &rules],
        vec![
            "explain",
            "--onprem",
            ldif,
            "--rules",
            &rules,
            "--dn",
            "CN=Ann,OU=Partners,DC=contoso,DC=com",
        ],
        vec![
            "audit", "--onprem", ldif, "--cloud", &cloud, "--rules", &rules, "--out", out_dir,
        ],
    ];
    for cmd in &commands {
        let keep = bin()
            .args(cmd)
            .args(reader)
            .args(["--trailing-space", "keep"])
            .output()
            .expect("run");
        let reject = bin()
            .args(cmd)
            .args(reader)
            .args(["--trailing-space", "reject"])
            .output()
            .expect("run");
        let (k, r) = (stderr(&keep), stderr(&reject));
        assert!(!k.contains("unexpected argument"), "{}: {k}", cmd[0]);
        assert!(!r.contains("unexpected argument"), "{}: {r}", cmd[0]);
        // explain shows the account, not the reader's diagnostics.
        if cmd[0] != "explain" {
            assert!(k.contains("trailing_space"), "{}: {k}", cmd[0]);
        }
        assert_ne!(
            (keep.status.code(), &keep.stdout),
            (reject.status.code(), &reject.stdout),
            "{}: --trailing-space reject changed nothing\n{r}",
            cmd[0]
        );
    }
}

/// `--threads` acts where exports are read (after the subcommand, and
/// before it in the old spelling) and is refused where it would do nothing.
#[test]
fn threads_only_where_it_acts() {
    let ldif = f("example/onprem.ldf");
    for args in [
        vec!["scan", "--threads", "2", &ldif],
        vec!["--threads", "2", "scan", &ldif],
        vec![
            "-q",
            "classify",
            "--threads",
            "1",
            "--onprem",
            &ldif,
            "--rules",
        ],
    ] {
        let mut args = args;
        let rules = f("rules/upn-expression.toml");
        if args.last() == Some(&"--rules") {
            args.push(&rules);
            let out = run(&args);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
            continue;
        }
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    // Not offered after a subcommand that reads nothing: clap refuses it.
    for args in [
        vec!["init", "--threads", "2", "-"],
        vec!["rules", "check", "--threads", "2", "x.toml"],
        vec!["explain", "guest_as_member", "--threads", "2"],
        vec!["explain", "--list", "--threads", "2"],
        vec!["generate", "--threads", "2", "--out", "x"],
        vec!["completions", "bash", "--threads", "2"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("'--threads") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
    // Before such a subcommand (the old place): a clear error, nothing done.
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.toml");
    for args in [
        vec!["--threads", "2", "init", rules.to_str().expect("path")],
        vec!["--threads", "2", "explain", "guest_as_member"],
        vec!["--threads", "2", "rules", "check", "x.toml"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("--threads does nothing for"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty());
    }
    assert!(!rules.exists(), "init ran despite the refused option");
}

fn audit_summary(extra: &[&str], no_color: Option<&str>) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = bin();
    cmd.args([
        "audit",
        "--reproducible",
        "--onprem",
        &f("example/onprem.ldf"),
        "--cloud",
        &f("example/graph-users.json"),
        "--rules",
        &f("rules/upn-expression.toml"),
        "--out",
    ])
    .arg(dir.path().join("r"))
    .args(extra)
    .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    stdout(&out)
}

/// `--color always` colours even into a pipe and despite NO_COLOR; `never`
/// and `auto` into a pipe do not.
#[test]
fn color_flag() {
    let always = audit_summary(&["--color", "always"], Some("1"));
    assert!(always.starts_with("\x1b[1;31m"), "{always:?}");
    for (extra, no_color) in [
        (&["--color", "never"][..], None),
        (&["--color", "auto"][..], None),
        (&[][..], None),
        (&["--color", "auto"][..], Some("1")),
    ] {
        let plain = audit_summary(extra, no_color);
        assert!(!plain.contains('\x1b'), "{extra:?}: {plain:?}");
    }
    let out = run(&["audit", "--color", "sometimes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("always"), "{}", stderr(&out));
}

/// `--color auto` colours a terminal, but not one whose TERM is `dumb`, nor
/// with NO_COLOR set (run under a pseudo-terminal by `script`, where present).
#[test]
fn color_auto_on_a_terminal_respects_term_dumb_and_no_color() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = String::from(env!("CARGO_BIN_EXE_usertype-audit"));
    for arg in [
        "audit".to_string(),
        "--reproducible".into(),
        "--onprem".into(),
        f("example/onprem.ldf"),
        "--cloud".into(),
        f("example/graph-users.json"),
        "--rules".into(),
        f("rules/upn-expression.toml"),
        "--out".into(),
        dir.path().join("r").to_string_lossy().into_owned(),
    ] {
        command.push_str(" '");
        command.push_str(&arg.replace('\'', "'\\''"));
        command.push('\'');
    }
    let on_terminal = |term: &str, no_color: Option<&str>| {
        let mut script = std::process::Command::new("script");
        script
            .args(["-qc", &format!("{command} 2>/dev/null"), "/dev/null"])
            .env("TERM", term)
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            script.env("NO_COLOR", v);
        }
        script
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let Some(colored) = on_terminal("xterm", None) else {
        println!("`script` is not installed: the terminal cases are not run");
        return;
    };
    assert!(colored.contains("\x1b[1;31mFail"), "{colored:?}");
    for (term, no_color) in [("dumb", None), ("xterm", Some("1"))] {
        let plain = on_terminal(term, no_color).unwrap_or_default();
        assert!(plain.contains("Fail"), "{term}: {plain:?}");
        assert!(!plain.contains('\x1b'), "{term} {no_color:?}: {plain:?}");
    }
}
