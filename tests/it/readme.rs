//! The README is tested: every command block marked `sh runnable` runs
//! against the bundled fixtures with the exit status it states, the quick
//! start shows what the audit prints, and the export commands ask for what
//! the audit needs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use usertype_audit::read::account::{CLASSIFY_ATTRIBUTES, MATCH_ATTRIBUTES};
use usertype_audit::read::cloud::coverage::select_list;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// The fenced blocks whose info string is `info`: (line of the fence, body).
fn blocks(text: &str, info: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    // Inside a block: whether it is wanted, its first line, its body.
    let mut inside: Option<(bool, usize, Vec<String>)> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.starts_with("```");
        inside = match (inside, fence) {
            (None, true) => Some((
                line.trim_start_matches('`').trim() == info,
                i + 1,
                Vec::new(),
            )),
            (None, false) => None,
            (Some((wanted, start, body)), true) => {
                if wanted {
                    out.push((start, body));
                }
                None
            }
            (Some((wanted, start, mut body)), false) => {
                body.push(line.to_string());
                Some((wanted, start, body))
            }
        };
    }
    out
}

/// A command line: its words (`'...'` and `"..."` quote) and the exit
/// status of a trailing `# exit N` comment (0 without one).
fn parse_command(line: &str) -> (Vec<String>, i32) {
    let (cmd, comment) = match line
        .find(" #")
        .or_else(|| line.strip_prefix('#').map(|_| 0))
    {
        Some(i) => (&line[..i], &line[i..]),
        None => (line, ""),
    };
    let exit = comment
        .trim_start_matches([' ', '#'])
        .strip_prefix("exit ")
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut started = false;
    for c in cmd.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (_, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    (words, exit)
}

/// A folder to run the README's commands in, with `fixtures/` in it (a
/// link), so that `--out report` does not write into the repository.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    #[cfg(unix)]
    std::os::unix::fs::symlink(root().join("fixtures"), dir.path().join("fixtures"))
        .expect("link fixtures");
    dir
}

fn run_in(dir: &Path, words: &[String]) -> std::process::Output {
    Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(&words[1..])
        .output()
        .expect("run")
}

#[test]
fn every_runnable_block_runs_with_the_stated_exit_status() {
    let text = readme();
    let runnable = blocks(&text, "sh runnable");
    assert!(runnable.len() >= 4, "runnable blocks: {}", runnable.len());
    let dir = workdir();
    let mut ran = 0;
    for (start, body) in &runnable {
        for (i, line) in body.iter().enumerate() {
            let at = format!("README.md:{}", start + i + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (words, exit) = parse_command(line);
            assert_eq!(
                words.first().map(String::as_str),
                Some("usertype-audit"),
                "{at}: a runnable block holds only usertype-audit commands: {line}"
            );
            assert!(
                !words
                    .iter()
                    .any(|w| ["|", ">", "<", "&&", ";"].contains(&w.as_str())),
                "{at}: a runnable command has no pipe or redirection: {line}"
            );
            let out = run_in(dir.path(), &words);
            assert_eq!(
                out.status.code(),
                Some(exit),
                "{at}: `{line}` exited {:?}, the README says {exit}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 8, "only {ran} commands ran");
}

#[test]
fn command_lines_are_parsed_as_a_shell_would() {
    let (w, exit) = parse_command("usertype-audit scan 'a b.ldf' \"c\"   # exit 1: why");
    assert_eq!(w, ["usertype-audit", "scan", "a b.ldf", "c"]);
    assert_eq!(exit, 1);
    let (w, exit) = parse_command("usertype-audit   # prints where to start");
    assert_eq!((w.len(), exit), (1, 0));
}

/// The quick start's output block is what the audit prints, line for line
/// (`...` leaves lines out).
#[test]
fn the_quick_start_shows_what_the_audit_prints() {
    let text = readme();
    let shown = blocks(&text, "text")
        .into_iter()
        .map(|(_, body)| body)
        .find(|b| {
            b.first()
                .is_some_and(|l| l.starts_with("$ usertype-audit audit "))
        })
        .expect("a text block starting `$ usertype-audit audit`");
    let command = shown[0].trim_start_matches("$ ");
    let (words, _) = parse_command(command);
    let dir = workdir();
    let out = run_in(dir.path(), &words);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let printed: Vec<&str> = stdout.lines().collect();
    let mut at = 0;
    for line in shown.iter().skip(1).filter(|l| l.trim() != "...") {
        let found = printed[at..].iter().position(|p| p == line);
        assert!(
            found.is_some(),
            "README line not printed: {line:?}\n{stdout}"
        );
        at += found.unwrap_or(0) + 1;
    }
    // The summary ends with the next step.
    assert!(printed
        .last()
        .is_some_and(|l| l.contains("usertype-audit explain")));
}

/// Every `$select=` and every Graph PowerShell property list in the README
/// is the list the coverage check asks for.
#[test]
fn the_graph_property_lists_are_the_ones_the_audit_needs() {
    let text = readme();
    let want = select_list();
    let mut seen = 0;
    for (i, _) in text.match_indices("$select=") {
        let rest = &text[i + "$select=".len()..];
        let list = rest
            .split(['&', '\'', ' ', '\n'])
            .next()
            .unwrap_or_default();
        assert_eq!(list, want, "README $select at byte {i}");
        seen += 1;
    }
    for flag in ["-Property ", "Select-Object id,"] {
        for (i, _) in text.match_indices(flag) {
            let rest = &text[i + flag.len()..];
            let list = rest.split([' ', '\n']).next().unwrap_or_default();
            let list = if flag.ends_with("id,") {
                format!("id,{list}")
            } else {
                list.to_string()
            };
            if flag == "-Property " && !text[..i].ends_with("-All ") {
                continue; // Get-ADUser -Properties is another list
            }
            assert_eq!(list, want, "README {flag}at byte {i}");
            seen += 1;
        }
    }
    assert!(seen >= 4, "property lists found: {seen}");
}

/// The ldifde, csvde and ldapsearch commands export every attribute the
/// audit reads (classification, scope, anchor, matching).
#[test]
fn the_onprem_export_commands_ask_for_every_attribute_the_audit_reads() {
    let text = readme();
    let needed: Vec<&str> = CLASSIFY_ATTRIBUTES
        .iter()
        .chain(MATCH_ATTRIBUTES)
        .copied()
        // Get-ADUser's name for a userAccountControl bit, not an LDAP attribute.
        .filter(|a| *a != "Enabled")
        .collect();
    let mut checked = 0;
    for tool in ["ldifde -f", "csvde -u -f", "ldapsearch -H"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(tool))
            .unwrap_or_else(|| panic!("no `{tool}` command in README.md"));
        let words: Vec<&str> = line
            .split(|c: char| c == ',' || c == '"' || c.is_whitespace())
            .collect();
        for attr in &needed {
            assert!(
                words.contains(attr),
                "`{tool}` does not export {attr}: {line}"
            );
        }
        if tool.starts_with("ldapsearch") {
            assert!(line.contains("-E pr=1000/noprompt"), "ldapsearch must page");
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
}

/// The two set-up commands stay the README's first lines.
#[test]
fn the_readme_starts_with_the_two_setup_commands() {
    let text = readme();
    let first: Vec<&str> = text.lines().take(6).collect();
    assert_eq!(first[0], "# usertype-audit");
    assert_eq!(first[2], "```sh");
    assert!(
        first[3].starts_with("cargo run --release -- audit --onprem fixtures/example/onprem.ldf")
    );
    assert!(first[4].starts_with("./test.sh "));
    assert_eq!(first[5], "```");
}

/// What the README's `Get-ADUser | Select-Object *, <calculated> |
/// Export-Csv` writes (the calculated columns last, the anchor in base64,
/// lists joined with `;`) is read: the anchor is the ConsistencyGuid, not
/// the objectGUID, and each list value is its own.
#[test]
fn the_export_csv_calculated_properties_are_read() {
    let text = readme();
    for fix in [
        "@{n='mS-DS-ConsistencyGuid';e={if ($_.'mS-DS-ConsistencyGuid') {[Convert]::ToBase64String($_.'mS-DS-ConsistencyGuid')}}}",
        "@{n='proxyAddresses';e={$_.'proxyAddresses' -join ';'}}",
        "@{n='memberOf';e={$_.'memberOf' -join ';'}}",
    ] {
        assert!(text.contains(fix), "README lacks {fix}");
    }
    let dir = workdir();
    std::fs::write(
        dir.path().join("onprem-ps.csv"),
        "\"DistinguishedName\",\"ObjectClass\",\"UserPrincipalName\",\"SamAccountName\",\
         \"ObjectGUID\",\"objectSid\",\"Enabled\",\"mS-DS-ConsistencyGuid\",\"proxyAddresses\",\"memberOf\"\r\n\
         \"CN=Ann,OU=Partners,DC=contoso,DC=com\",\"user\",\"ann@partners.fabrikam123.org\",\"ann\",\
         \"d08f810b-a35c-49a8-a4cd-c6923dfc031e\",\"S-1-5-21-1-2-3-1001\",\"True\",\
         \"AAECAwQFBgcICQoLDA0ODw==\",\"SMTP:ann@x.com;smtp:a@y.com\",\"CN=G1,DC=x;CN=G2,DC=x\"\r\n\
         \"CN=Bob,OU=Staff,DC=contoso,DC=com\",\"user\",\"bob@contoso.com\",\"bob\",\
         \"d08f810b-a35c-49a8-a4cd-c6923dfc031f\",\"S-1-5-21-1-2-3-1002\",\"True\",\"\",\"\",\"\"\r\n",
    )
    .expect("write");
    let words: Vec<String> = [
        "usertype-audit",
        "classify",
        "--onprem",
        "onprem-ps.csv",
        "--rules",
        "fixtures/rules/upn-expression.toml",
        "--format",
        "jsonl",
    ]
    .map(String::from)
    .to_vec();
    let out = run_in(dir.path(), &words);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["source_anchor"], "AAECAwQFBgcICQoLDA0ODw==");
    assert_eq!(rows[0]["outcome"], "Guest");
    // No ConsistencyGuid: the objectGUID, as ImmutableId.
    assert_eq!(rows[1]["source_anchor"], "C4GP0FyjqEmkzcaSPfwDHw==");
    let dump = run_in(
        dir.path(),
        &["usertype-audit", "scan", "--dump", "jsonl", "onprem-ps.csv"].map(String::from),
    );
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&dump.stdout)
            .lines()
            .next()
            .expect("a row"),
    )
    .expect("json");
    assert_eq!(
        first["attrs"]["proxyAddresses"],
        serde_json::json!(["SMTP:ann@x.com", "smtp:a@y.com"])
    );
    assert_eq!(
        first["attrs"]["memberOf"],
        serde_json::json!(["CN=G1,DC=x", "CN=G2,DC=x"])
    );
}

/// The README teaches the current spellings: an old one (kept as a hidden
/// alias) appears only in the list of earlier releases' spellings.
#[test]
fn the_readme_uses_no_old_flag_spelling() {
    let text = readme();
    let old = [("classify", " --out "), ("scan", " --onprem-format")];
    let mut in_old_list = false;
    for (i, line) in text.lines().enumerate() {
        // The bullet that lists the old spellings, up to the next bullet or blank line.
        if line.starts_with("- ") || line.trim().is_empty() {
            in_old_list = line.contains("Spellings of earlier releases");
        }
        if in_old_list {
            continue;
        }
        for (sub, flag) in old {
            let uses = line
                .split('`')
                .any(|code| code.contains(&format!("{sub} ")) && code.contains(flag));
            assert!(
                !uses,
                "README.md:{}: `{sub}{flag}` is an old spelling: {line}",
                i + 1
            );
        }
    }
}

/// What the README's `Get-MgUser ... | Select-Object ... | ConvertTo-Json
/// -Depth 10 | Out-File -Encoding utf8` writes in Windows PowerShell 5.1 is
/// read: a byte-order mark, CRLF, the SDK's PascalCase property names (the
/// names of the members Select-Object found), dates as `\/Date(ms)\/`, and
/// the SDK's `AdditionalProperties` inside nested objects.
#[test]
fn what_get_mguser_convertto_json_writes_is_read() {
    let dir = workdir();
    std::fs::write(
        dir.path().join("onprem-ps.csv"),
        "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\
         \"DistinguishedName\",\"ObjectClass\",\"UserPrincipalName\",\"SamAccountName\",\
         \"ObjectGUID\",\"objectSid\",\"Enabled\",\"mS-DS-ConsistencyGuid\"\r\n\
         \"CN=Ann,OU=Partners,DC=contoso,DC=com\",\"user\",\"ann@partners.fabrikam123.org\",\"ann\",\
         \"d08f810b-a35c-49a8-a4cd-c6923dfc031e\",\"S-1-5-21-1-2-3-1001\",\"True\",\
         \"AAECAwQFBgcICQoLDA0ODw==\"\r\n",
    )
    .expect("write");
    let json = "\u{feff}[\r\n    {\r\n\
        \x20       \"Id\":  \"11111111-2222-3333-4444-555555555555\",\r\n\
        \x20       \"UserPrincipalName\":  \"ann@partners.fabrikam123.org\",\r\n\
        \x20       \"UserType\":  \"Member\",\r\n\
        \x20       \"AccountEnabled\":  true,\r\n\
        \x20       \"ProxyAddresses\":  [\r\n\
        \x20                              \"SMTP:ann@partners.fabrikam123.org\"\r\n\
        \x20                          ],\r\n\
        \x20       \"Identities\":  [\r\n\
        \x20                          {\r\n\
        \x20                              \"Issuer\":  \"contoso.onmicrosoft.com\",\r\n\
        \x20                              \"SignInType\":  \"userPrincipalName\",\r\n\
        \x20                              \"AdditionalProperties\":  {\r\n\r\n\
        \x20                                                       }\r\n\
        \x20                          }\r\n\
        \x20                      ],\r\n\
        \x20       \"OnPremisesSyncEnabled\":  true,\r\n\
        \x20       \"OnPremisesImmutableId\":  \"AAECAwQFBgcICQoLDA0ODw==\",\r\n\
        \x20       \"OnPremisesLastSyncDateTime\":  \"\\/Date(1733500000000)\\/\",\r\n\
        \x20       \"OnPremisesExtensionAttributes\":  {\r\n\
        \x20                                             \"ExtensionAttribute1\":  \"Guest\",\r\n\
        \x20                                             \"AdditionalProperties\":  {\r\n\r\n\
        \x20                                                                      }\r\n\
        \x20                                         },\r\n\
        \x20       \"CreatedDateTime\":  \"\\/Date(1733400000000)\\/\"\r\n\
        \x20   }\r\n]\r\n";
    std::fs::write(dir.path().join("graph-users.json"), json).expect("write");
    let words: Vec<String> = [
        "usertype-audit",
        "audit",
        "--onprem",
        "onprem-ps.csv",
        "--cloud",
        "graph-users.json",
        "--rules",
        "fixtures/rules/upn-expression.toml",
        "--out",
        "report",
    ]
    .map(String::from)
    .to_vec();
    let out = run_in(dir.path(), &words);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The partner's cloud user is found by its anchor and read as a Member:
    // the audit fails on it rather than refusing the export.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("cloud: 1 users = 1 matched"), "{stdout}");
    assert!(stdout.contains("guest_as_member         1"), "{stdout}");
}
