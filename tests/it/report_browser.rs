//! report.html in a real browser: headless Chromium opens the report of a
//! generated forest with more than 20,000 listed findings (the page used to
//! keep only the 20,000 most severe) under one filter per kind and severity,
//! and each view must show exactly as many rows as findings.jsonl holds for
//! it, its last row must be the last such finding, and only the rows in view
//! may be in the DOM.
//!
//! Chromium is found through `$CHROMIUM` or on PATH; `scripts/ensure-chromium.sh`
//! installs it (`./test.sh` and `.ci/run` run it). Without a browser this test
//! fails: it never passes silently.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use usertype_audit::findings::{Kind, Severity};
use usertype_audit::report::row::COLUMNS;

const USERS: &str = "25000";
const SEED: &str = "7";

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_usertype-audit"))
}

fn chromium() -> PathBuf {
    let candidates = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "chromium",
                "chromium-browser",
                "google-chrome-stable",
                "google-chrome",
            ]
            .into_iter()
            .map(PathBuf::from),
        );
    for candidate in candidates {
        if candidate.as_os_str().is_empty() {
            continue;
        }
        if candidate.is_absolute() && candidate.is_file() {
            return candidate;
        }
        if let Some(found) = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(&candidate))
                .find(|p| p.is_file())
        }) {
            return found;
        }
    }
    panic!(
        "no Chromium found (looked at $CHROMIUM, chromium, chromium-browser, google-chrome): \
         run scripts/ensure-chromium.sh (it installs Debian's chromium with apt-get), or set \
         CHROMIUM=/path/to/chrome"
    );
}

/// Generates the forest and audits it; returns the report folder.
fn audited_forest(dir: &Path) -> PathBuf {
    let started = Instant::now();
    let forest = dir.join("forest");
    let out = binary()
        .args(["-q", "generate", "--users", USERS, "--seed", SEED, "--out"])
        .arg(&forest)
        .output()
        .expect("run generate");
    assert!(
        out.status.success(),
        "generate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every account intended Guest: most matched Members become
    // guest_as_member, so the listed findings pass 20,000 on a forest small
    // enough for a debug build, and the other kinds stay as generated.
    eprintln!("generate: {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let rules = dir.join("all-guest.toml");
    fs::write(&rules, "[usertype]\nexpression = '\"Guest\"'\n").expect("rules");
    let report = dir.join("report");
    let out = binary()
        .args(["-q", "audit", "--reproducible", "--onprem"])
        .arg(forest.join("onprem.ldf"))
        .arg("--cloud")
        .arg(forest.join("graph-users.json"))
        .arg("--rules")
        .arg(&rules)
        .arg("--out")
        .arg(&report)
        .output()
        .expect("run audit");
    assert!(
        report.join("report.html").is_file() && report.join("findings.jsonl").is_file(),
        "audit wrote no report (exit {:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("audit: {:.1} s", started.elapsed().as_secs_f64());
    report
}

/// One finding of findings.jsonl: its values in [`COLUMNS`] order, null as None.
type Row = Vec<Option<String>>;

fn read_jsonl(path: &Path) -> Vec<Row> {
    let text = fs::read_to_string(path).expect("findings.jsonl");
    text.lines()
        .map(|line| {
            let object: serde_json::Value =
                serde_json::from_str(line).expect("a JSON object per line");
            COLUMNS
                .iter()
                .map(|c| object[*c].as_str().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// Runs `page` in headless Chromium and returns its DOM once scripts ran.
fn dump_dom(page: &Path, profile: &Path) -> String {
    let url = format!("file://{}", page.display());
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // The harness page reads the report's DOM in its frame.
            "--allow-file-access-from-files",
            "--window-size=1280,900",
            "--virtual-time-budget=60000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = stdout.read_to_string(&mut dom);
        dom
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("wait for Chromium").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("read the DOM")
}

/// A page that opens report.html in a frame at the first fragment, then
/// moves it to each next fragment (the page follows `hashchange`), and
/// writes, per view, a tab-separated line: fragment, `data-matching`,
/// `aria-rowcount`, rows in the DOM, the chosen finding's fields, and the
/// `aria-rowindex` of the chosen row in the table (`none` if not rendered).
fn harness(fragments: &[String]) -> String {
    let cases = serde_json::to_string(fragments).expect("json");
    format!(
        r##"<!DOCTYPE html><html><body><pre id="results"></pre><script>
var cases = {cases};
var out = [], n = 0;
var f = document.createElement("iframe");
f.width = 1200; f.height = 800;
function record() {{
  var d = null, frag = cases[n];
  try {{ d = f.contentDocument; }} catch (e) {{ out.push(frag + "\tcannot read the frame: " + e); }}
  if (d) {{
    var c = d.getElementById("count"), t = d.getElementById("findings-table"),
      dds = d.querySelectorAll("#finding-detail dd"), fields = [],
      chosen = d.querySelector("#findings-table tr[aria-selected=true]");
    for (var i = 0; i < dds.length; i++) {{ fields.push(dds[i].textContent); }}
    out.push([frag, c && c.dataset.matching, t && t.getAttribute("aria-rowcount"),
      d.querySelectorAll("#findings-table tbody tr.row").length, fields.join("\u001f"),
      chosen ? chosen.getAttribute("aria-rowindex") : "none"].join("\t"));
  }} else if (out.length === n) {{ out.push(frag + "\tno document"); }}
  n += 1;
  if (n === cases.length || !d) {{
    document.getElementById("results").textContent = out.join("\n");
    return;
  }}
  // The page's own listener was added first, so it has run when ours does.
  f.contentWindow.addEventListener("hashchange", function once() {{
    f.contentWindow.removeEventListener("hashchange", once);
    record();
  }});
  f.contentWindow.location.hash = cases[n];
}}
f.onload = function () {{ f.onload = null; record(); }};
f.src = "report.html#" + cases[0];
document.body.appendChild(f);
</script></body></html>"##
    )
}

fn rank(severity: &str) -> usize {
    Severity::ALL
        .iter()
        .position(|s| s.name() == severity)
        .unwrap_or(usize::MAX)
}

#[test]
fn every_filter_shows_as_many_rows_as_findings_jsonl_holds() {
    let browser = chromium();
    let dir = tempfile::tempdir().expect("temp dir");
    let report = audited_forest(dir.path());
    let rows = read_jsonl(&report.join("findings.jsonl"));
    assert!(
        rows.len() > 20_000,
        "only {} findings listed: the forest must pass the old 20,000 cut",
        rows.len()
    );
    let col = |name: &str| {
        COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    let (kind, severity, source, cloud_id) =
        (col("kind"), col("severity"), col("source"), col("cloud_id"));

    // What each view must show, from findings.jsonl alone: how many rows, and
    // its last row (most severe first, ties in the file's order).
    let mut expected: BTreeMap<String, (usize, Option<&Row>)> = BTreeMap::new();
    let mut add = |fragment: String, keep: &dyn Fn(&Row) -> bool| {
        let mut matching: Vec<&Row> = rows.iter().filter(|r| keep(r)).collect();
        matching.sort_by_key(|r| rank(r[severity].as_deref().unwrap_or("")));
        expected.insert(fragment, (matching.len(), matching.last().copied()));
    };
    for k in Kind::ALL {
        let name = k.name();
        add(format!("kind={name}&row=last"), &|r: &Row| {
            r[kind].as_deref() == Some(name)
        });
    }
    for s in Severity::ALL {
        let name = s.name();
        add(format!("severity={name}&row=last"), &|r: &Row| {
            r[severity].as_deref() == Some(name)
        });
    }
    add("row=last".to_owned(), &|_: &Row| true);
    // A text search for one cloud id: every finding that mentions it.
    let id = rows
        .iter()
        .rev()
        .find_map(|r| r[cloud_id].clone())
        .expect("a finding with a cloud id");
    let needle = id.to_lowercase();
    add(format!("q={id}&row=last"), &|r: &Row| {
        r.iter()
            .flatten()
            .any(|v| v.to_lowercase().contains(&needle))
    });
    assert!(
        expected.values().filter(|(n, _)| *n == 0).count() > 0,
        "at least one kind has no finding, to check an empty view"
    );

    let fragments: Vec<String> = expected.keys().cloned().collect();
    let page = report.join("harness.html");
    fs::write(&page, harness(&fragments)).expect("harness");
    let started = Instant::now();
    let dom = dump_dom(&page, &dir.path().join("profile"));
    eprintln!(
        "{} views in {} ({:.1} s)",
        fragments.len(),
        browser.display(),
        started.elapsed().as_secs_f64()
    );
    let start = dom
        .find("<pre id=\"results\">")
        .unwrap_or_else(|| panic!("no results in the DOM:\n{dom}"))
        + "<pre id=\"results\">".len();
    let results = &dom[start..start + dom[start..].find("</pre>").expect("end of results")];
    let results = results
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}");
    let lines: Vec<&str> = results.lines().collect();
    assert_eq!(
        lines.len(),
        fragments.len(),
        "one line per view:\n{results}"
    );

    for (line, fragment) in lines.iter().zip(&fragments) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.first().copied(), Some(fragment.as_str()), "{line}");
        let (count, last) = expected[fragment];
        assert_eq!(
            fields.get(1).copied(),
            Some(count.to_string().as_str()),
            "#{fragment}: matching count (findings.jsonl holds {count}): {line}"
        );
        assert_eq!(
            fields.get(2).copied(),
            Some((count + 1).to_string().as_str()),
            "#{fragment}: aria-rowcount counts the header row and every match: {line}"
        );
        let in_dom: usize = fields.get(3).and_then(|n| n.parse().ok()).expect("rows");
        assert!(
            in_dom <= count && in_dom <= 100,
            "#{fragment}: {in_dom} rows in the DOM for {count} matches: not virtualised"
        );
        if count > 0 {
            assert!(in_dom > 0, "#{fragment}: no row rendered");
        }
        // The last row, chosen by `row=last`, is the last such finding.
        let shown: Vec<&str> = fields
            .get(4)
            .map(|f| f.split('\u{1f}').collect())
            .unwrap_or_default();
        match last {
            Some(want) => {
                let want: Vec<&str> = want
                    .iter()
                    .map(|v| v.as_deref().unwrap_or("\u{2014}"))
                    .collect();
                assert_eq!(shown, want, "#{fragment}: the last row's fields");
                assert!(shown.get(source).is_some());
            }
            None => assert_eq!(shown, [""], "#{fragment}: nothing to choose"),
        }
        // The chosen row is scrolled into view: rendered, at its index.
        let want_index = if count > 0 {
            (count + 1).to_string()
        } else {
            "none".to_owned()
        };
        assert_eq!(
            fields.get(5).copied(),
            Some(want_index.as_str()),
            "#{fragment}: the last row is in the DOM at its aria-rowindex: {line}"
        );
    }
}
