//! Help that teaches, shell completions and manual pages.

use std::path::Path;
use std::process::{Command as Process, Output, Stdio};

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("usertype-audit").expect("binary")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every subcommand the binary has, nested ones as `rules check`, read from
/// the top-level help (so a new subcommand is covered without editing this list).
fn subcommands() -> Vec<Vec<String>> {
    fn listed(help: &str) -> Vec<String> {
        help.lines()
            .skip_while(|l| l.trim() != "Commands:")
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .filter(|name| name != "help")
            .collect()
    }
    let mut out = Vec::new();
    for name in listed(&text(&run(&["--help"]).stdout)) {
        let nested = listed(&text(&run(&[&name, "--help"]).stdout));
        out.push(vec![name.clone()]);
        for sub in nested {
            out.push(vec![name.clone(), sub]);
        }
    }
    out
}

#[test]
fn every_subcommand_lists_and_has_an_example() {
    let all = subcommands();
    let names: Vec<String> = all.iter().map(|c| c.join(" ")).collect();
    for want in [
        "audit",
        "classify",
        "explain",
        "init",
        "rules",
        "rules check",
        "scan",
        "generate",
        "completions",
        "man",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    for cmd in &all {
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--help");
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let help = text(&out.stdout);
        let example = help
            .lines()
            .skip_while(|l| !l.starts_with("Example"))
            .nth(1)
            .unwrap_or_default();
        assert!(
            example
                .trim_start()
                .starts_with(&format!("usertype-audit {}", cmd[0])),
            "{args:?}: no example line after `Example`:\n{help}"
        );
    }
}

/// The subcommand help shows the long description of its argument struct,
/// not only the one-line summary (a review found it hidden).
#[test]
fn subcommand_help_shows_the_whole_description() {
    let help = text(&run(&["audit", "--help"]).stdout);
    assert!(
        help.contains("Exit status: 0 no finding at or above --fail-on"),
        "{help}"
    );
    let help = text(&run(&["explain", "--help"]).stdout);
    assert!(
        help.contains("Preview of the Synchronization Service Manager"),
        "{help}"
    );
}

#[test]
fn no_arguments_print_where_to_start_and_exit_2() {
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    let commands: Vec<&str> = err
        .lines()
        .filter(|l| l.trim_start().starts_with("usertype-audit "))
        .collect();
    assert_eq!(commands.len(), 3, "{err}");
    assert!(commands[0].contains("usertype-audit init"), "{err}");
    assert!(commands[1].contains("usertype-audit rules check"), "{err}");
    assert!(
        commands[2].contains("usertype-audit audit --onprem"),
        "{err}"
    );
}

fn completion(shell: &str) -> String {
    let out = run(&["completions", shell]);
    assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = completion(shell);
        for sub in ["audit", "classify", "scan", "completions", "man"] {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(script.contains("onprem"), "{shell}");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The bash completion parses (`bash -n`), and completes a subcommand's flags.
#[test]
fn bash_completion_parses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("usertype-audit.bash");
    std::fs::write(&path, completion("bash")).expect("write");
    let status = Process::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .expect("bash");
    assert!(status.success(), "bash -n refused the completion script");
    // Complete `usertype-audit classify --outp` the way bash would.
    let probe = format!(
        "source {}; COMP_WORDS=(usertype-audit classify --outp); COMP_CWORD=2; \
         _usertype__audit usertype-audit --outp classify; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display()
    );
    let out = Process::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .expect("bash");
    assert_eq!(
        text(&out.stdout).trim(),
        "--output",
        "{}",
        text(&out.stderr)
    );
}

fn man_check(page: &Path) -> Option<Output> {
    // groff renders and warns (-ww); a page it cannot parse shows on stderr.
    let out = Process::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(page)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    Some(out)
}

#[test]
fn man_pages_one_per_subcommand_render() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("man1");
    let out = run(&["-q", "man", "--out", out_dir.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut want: Vec<String> = subcommands()
        .iter()
        .map(|c| format!("usertype-audit-{}.1", c.join("-")))
        .collect();
    want.push("usertype-audit.1".into());
    want.sort();
    let mut have: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    have.sort();
    assert_eq!(have, want);
    let top = std::fs::read_to_string(out_dir.join("usertype-audit.1")).expect("top");
    for sub in subcommands().iter().filter(|c| c.len() == 1) {
        let reference = format!("usertype\\-audit\\-{}(1)", sub[0]);
        assert!(top.contains(&reference), "{} not named:\n{top}", sub[0]);
    }
    // Every page a page refers to is there.
    for name in &want {
        let page = std::fs::read_to_string(out_dir.join(name)).expect("page");
        for (i, _) in page.match_indices("usertype\\-audit\\-") {
            let rest = &page[i..];
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '\\' || c == '-'))
                .unwrap_or(rest.len());
            if !rest[len..].starts_with("(1)") {
                continue;
            }
            let file = format!("{}.1", rest[..len].replace("\\-", "-"));
            assert!(
                want.contains(&file),
                "{name} refers to {file}, which is not written"
            );
        }
    }
    // The same top page on standard output.
    assert_eq!(text(&run(&["man"]).stdout), top);
    // A second run refreshes its own pages (as `audit` refreshes its reports).
    let again = run(&["-q", "man", "--out", out_dir.to_str().expect("path")]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("usertype-audit.1")).expect("top"),
        top
    );
    for name in &want {
        let page = out_dir.join(name);
        match man_check(&page) {
            None => {
                println!("groff is not installed: {name} not rendered (apt-get install groff)");
                return;
            }
            Some(r) => {
                assert!(r.status.success(), "{name}: groff failed");
                assert!(r.stderr.is_empty(), "{name}: {}", text(&r.stderr));
            }
        }
    }
}

/// A file under a page's name that `man` did not write is never replaced
/// without --force, and a refused name leaves the folder as it was: no page
/// is written before every name has been checked.
#[test]
fn man_never_replaces_someone_elses_file_and_writes_all_pages_or_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("man1");
    std::fs::create_dir(&out_dir).expect("mkdir");
    // Pages are made top first, then audit, then classify: a writer that
    // checked page by page would already have written the first two.
    let mine = out_dir.join("usertype-audit-scan.1");
    std::fs::write(&mine, ".TH MINE 1\nmy notes\n").expect("write");
    // A page of another command, in the same roff preamble: not ours either.
    let other = out_dir.join("usertype-audit-classify.1");
    let foreign = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH other-tool 1  \"other\" \n";
    std::fs::write(&other, foreign).expect("write");
    let dir_arg = out_dir.to_str().expect("path");
    let refused = run(&["-q", "man", "--out", dir_arg]);
    assert_eq!(refused.status.code(), Some(2));
    let err = text(&refused.stderr);
    assert!(err.contains("--force"), "{err}");
    assert!(err.contains("usertype-audit-classify.1"), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["usertype-audit-classify.1", "usertype-audit-scan.1"],
        "a refused run wrote pages"
    );
    assert_eq!(
        std::fs::read_to_string(&mine).expect("mine"),
        ".TH MINE 1\nmy notes\n"
    );
    assert_eq!(std::fs::read_to_string(&other).expect("other"), foreign);
    // --force is the user's word that those files may go.
    let forced = run(&["-q", "man", "--force", "--out", dir_arg]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    let scan_page = std::fs::read_to_string(&mine).expect("page");
    assert!(
        scan_page.contains(".TH usertype-audit-scan 1"),
        "{scan_page}"
    );
}

/// `--out` naming a file, not a folder, is refused and the file is kept.
#[test]
fn man_out_naming_a_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("notes");
    std::fs::write(&file, "mine").expect("write");
    let out = run(&["man", "--out", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is a file, not a folder"));
    assert_eq!(std::fs::read_to_string(&file).expect("file"), "mine");
}

/// `man --out DIR | head`: a closed standard output ends the run quietly
/// (exit 0), never in a panic; the pages are written all the same.
#[test]
fn man_out_into_a_closed_pipe_does_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("man1");
    let mut child = Process::new(env!("CARGO_BIN_EXE_usertype-audit"))
        .args(["man", "--out"])
        .arg(&out_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Closed before the first line: rendering eleven pages takes longer than this.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(out_dir.join("usertype-audit.1").exists());
}
