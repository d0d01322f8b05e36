//! `usertype-audit explain`: the documentation of a finding kind, or how the
//! rules classify one account, step by step.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{self, Write};

use anyhow::Context;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::Args;

use super::{rules::load_rule_source, ExitStatus, Global, OnPremArgs, ThreadsArgs};
use usertype_audit::classify::config::Flow;
use usertype_audit::classify::expr::Record;
use usertype_audit::classify::{Classifier, EvalScratch};
use usertype_audit::findings::Kind;
use usertype_audit::model::ids::AnchorSource;
use usertype_audit::read::account::Account;
use usertype_audit::read::input::Input;
use usertype_audit::read::{Batch, BatchSink, EntryRef, ReadControl};
use usertype_audit::report::{cap_value, terminal_safe};

/// Explain a finding kind, or how the rules classify one account.
///
/// `explain KIND` prints the documentation of a finding kind (what it
/// flags, why it matters, an example, what to do, references);
/// `explain --list` lists the kinds with their severities and titles.
///
/// `explain --onprem FILE... --rules FILE --dn DN` (or `--upn UPN`; or
/// `--connect-config PATH` instead of or beside `--rules`) shows,
/// for one account, what Entra Connect would compute and why, like the
/// Preview of the Synchronization Service Manager: the attribute values the
/// rules read, every scope step, and the value of every sub-expression.
///
/// Exactly one of KIND, --list, --dn and --upn; --dn and --upn need
/// --onprem and --rules or --connect-config, which KIND and --list refuse.
///
/// Exit status: 0 shown, 1 no account matched, 2 usage or input error
/// (an unknown KIND included).
#[derive(Debug, Args)]
#[command(
    after_help = "\
Examples:
  usertype-audit explain guest_as_member
  usertype-audit explain --list
  usertype-audit explain --onprem export.ldf --rules rules.toml --upn ann@partners.fabrikam123.org",
    group(clap::ArgGroup::new("which").required(true).args(["kind", "list", "dn", "upn"])),
    mut_arg("onprem", |a| a.required(false)),
    override_usage = "usertype-audit explain <KIND>\n       \
                      usertype-audit explain --list\n       \
                      usertype-audit explain --onprem <FILE>... --rules <FILE> <--dn <DN>|--upn <UPN>>\n       \
                      usertype-audit explain --onprem <FILE>... --connect-config <PATH>... <--dn <DN>|--upn <UPN>>"
)]
pub struct ExplainArgs {
    /// The finding kind to document, snake_case or kebab-case (guest_as_member,
    /// guest-as-member).
    #[arg(
        value_name = "KIND",
        value_parser = KindParser,
        conflicts_with_all = [
            "onprem", "rules", "source_anchor", "onprem_format", "delimiter",
            "trailing_space", "max_record_size", "threads",
        ],
    )]
    pub kind: Option<Kind>,
    /// List every finding kind with its severities and title.
    #[arg(
        long,
        conflicts_with_all = [
            "onprem", "rules", "source_anchor", "onprem_format", "delimiter",
            "trailing_space", "max_record_size", "threads",
        ],
    )]
    pub list: bool,
    /// The on-premises exports to search (with --dn or --upn).
    #[command(flatten)]
    pub input: OnPremArgs,
    /// The rule file (with --dn or --upn).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<String>,
    /// The Entra Connect configuration (with --dn or --upn; see `classify`):
    /// every rule considered is listed.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["kind", "list"])]
    pub connect_config: Vec<String>,
    /// The account's distinguished name (case-insensitive).
    #[arg(long, value_name = "DN", requires = "onprem")]
    pub dn: Option<String>,
    /// The account's userPrincipalName (case-insensitive).
    #[arg(long, value_name = "UPN", requires = "onprem")]
    pub upn: Option<String>,
    /// Worker threads (with --dn or --upn).
    #[command(flatten)]
    pub threads: ThreadsArgs,
}

/// Parses a finding kind by [`Kind::from_name`]; an unknown name is refused
/// the way clap refuses any value outside a list (exit 2, the valid names,
/// and a close one suggested).
#[derive(Clone, Copy, Debug)]
struct KindParser;

impl TypedValueParser for KindParser {
    type Value = Kind;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Kind, clap::Error> {
        if let Some(kind) = value.to_str().and_then(Kind::from_name) {
            return Ok(kind);
        }
        let names = PossibleValuesParser::new(Kind::ALL.iter().map(|k| k.name()));
        let name = names.parse_ref(cmd, arg, value)?;
        // Not reached: a name the list accepts is a kind.
        Kind::from_name(&name).ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            Kind::ALL
                .iter()
                .map(|k| PossibleValue::new(k.name()).help(k.title())),
        ))
    }
}

struct FindSink<'a> {
    args: &'a ExplainArgs,
    classifier: &'a Classifier,
    anchor: &'a AnchorSource,
    name: std::sync::Arc<str>,
    found: Vec<String>,
}

impl FindSink<'_> {
    fn wanted(&self, entry: &EntryRef<'_>) -> bool {
        if let Some(dn) = &self.args.dn {
            let have = String::from_utf8_lossy(entry.dn());
            return have.trim().eq_ignore_ascii_case(dn.trim());
        }
        if let Some(upn) = &self.args.upn {
            return entry
                .get("userPrincipalName")
                .and_then(|a| a.first())
                .and_then(|v| v.as_str())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(upn.trim()));
        }
        false
    }
}

impl BatchSink for FindSink<'_> {
    type Output = Vec<String>;

    fn map(&self, batch: &Batch) -> Vec<String> {
        batch
            .entries()
            .filter(|e| self.wanted(e))
            .map(|e| explain(self.classifier, self.anchor, &self.name, &e))
            .collect()
    }

    fn consume(&mut self, _: &Batch, found: Vec<String>) -> io::Result<()> {
        self.found.extend(found);
        Ok(())
    }
}

/// Renders the explanation of one entry.
pub fn explain(
    classifier: &Classifier,
    anchor_source: &AnchorSource,
    file: &str,
    entry: &EntryRef<'_>,
) -> String {
    let mut s = String::new();
    // Every value from the export is escaped: a DN or a value holding a line
    // break or an escape sequence could otherwise forge a line of this output.
    let _ = writeln!(
        s,
        "{}",
        terminal_safe(&cap_value(&String::from_utf8_lossy(entry.dn())))
    );
    let _ = writeln!(s, "  source: {file}:{}", entry.line());
    let account = match Account::from_entry(*entry) {
        Ok(a) => a,
        Err(why) => {
            let _ = writeln!(
                s,
                "  not a user account ({why}): Connect's user rules do not apply"
            );
            return s;
        }
    };
    let anchor = account.source_anchor(anchor_source);
    let _ = writeln!(
        s,
        "  source anchor: {}",
        anchor
            .as_ref()
            .map_or("(none: Connect would not sync it)".to_string(), |a| a
                .immutable_id())
    );
    let _ = writeln!(s, "  attributes the rules read:");
    for name in classifier.attributes() {
        let values: Vec<String> = entry
            .get(&name)
            .map(|a| {
                a.values()
                    .map(|v| match v.as_str() {
                        Some(t) => format!("{t:?}"),
                        None => format!("<{} bytes>", v.bytes.len()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let shown = if values.is_empty() {
            "(absent)".to_string()
        } else {
            values.join(", ")
        };
        let _ = writeln!(s, "    [{name}] = {}", terminal_safe(&cap_value(&shown)));
    }
    let mut scratch = EvalScratch::default();
    let steps = classifier.scope_steps(&account, anchor.is_some(), &mut scratch);
    if !steps.is_empty() {
        let _ = writeln!(s, "  scope:");
    }
    for (step, passed) in steps {
        let _ = writeln!(
            s,
            "    {} {}",
            if passed { "pass   " } else { "EXCLUDE" },
            terminal_safe(&step.to_string())
        );
    }
    if classifier.rules().scope.out_of_box {
        let steps = classifier.cloud_filtered().trace(entry as &dyn Record);
        let filtered = steps
            .last()
            .is_some_and(|st| matches!(&st.value, Ok(v) if v.to_string() == "True"));
        if filtered {
            // Show why, term by term, as the Preview would.
            let _ = writeln!(s, "  cloudFiltered (out-of-box expression) is True:");
            for step in steps.iter().filter(|st| !is_literal(st)) {
                let _ = writeln!(s, "    {}", trace_line(step));
            }
        } else if let Some(last) = steps.last() {
            let _ = writeln!(
                s,
                "  cloudFiltered (out-of-box expression) = {}",
                terminal_safe(
                    &last
                        .value
                        .as_ref()
                        .map_or_else(|e| format!("error: {e}"), |v| v.to_string())
                )
            );
        }
    }
    let c = classifier.classify(&account, anchor.is_some(), &mut scratch);
    if let Some((sim, base)) = classifier.connect() {
        // Every rule considered, in precedence order, as Connect's Preview lists them.
        let _ = writeln!(s, "  Entra Connect rules:");
        for line in sim.explain(entry, base).1 {
            let _ = writeln!(s, "    {}", terminal_safe(&cap_value(&line)));
        }
    } else {
        match &classifier.rules().flow {
            Flow::Direct(attr) => {
                let _ = writeln!(s, "  flow: Direct from [{attr}] (value passed as is)");
            }
            Flow::Expression { program, .. } => {
                let _ = writeln!(
                    s,
                    "  flow: expression, every sub-expression in evaluation order:"
                );
                for step in program.trace(entry as &dyn Record) {
                    if !is_literal(&step) {
                        let _ = writeln!(s, "    {}", trace_line(&step));
                    }
                }
            }
            Flow::Rules { rules, .. } => {
                let _ = writeln!(s, "  flow: simple rules, first match wins:");
                for r in rules {
                    let hit = r.when.holds(entry, &mut scratch);
                    let _ = writeln!(
                        s,
                        "    {} {} → {}",
                        if hit { "match   " } else { "no match" },
                        terminal_safe(&r.name),
                        terminal_safe(&r.user_type.to_string())
                    );
                    if hit {
                        break;
                    }
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "  outcome: {} {}(rule: {})",
        c.intent.outcome(),
        match super::classify::intent_value(&c.intent) {
            v if v.is_empty() || v == c.intent.outcome() => String::new(),
            v => format!("{} ", terminal_safe(&format!("{v:?}"))),
        },
        terminal_safe(classifier.rule_name(&c))
    );
    s
}

/// Whether a step is a literal whose value is its own text (`14 = 14`).
fn is_literal(step: &usertype_audit::classify::expr::TraceStep) -> bool {
    matches!(&step.value, Ok(v) if v.to_string() == step.text.trim())
}

/// One step of a trace: indented by depth, `source text = value`, on one
/// line whatever the value holds (see [`terminal_safe`]), capped like every
/// value shown ([`cap_value`]).
fn trace_line(step: &usertype_audit::classify::expr::TraceStep) -> String {
    let indent = "  ".repeat(step.depth.min(20) as usize);
    let line = match &step.value {
        Ok(v) => format!("{indent}{} = {v}", step.text),
        Err(e) => format!("{indent}{} = error: {e}", step.text),
    };
    terminal_safe(&cap_value(&line)).into_owned()
}

pub(super) fn run(args: &ExplainArgs, global: Global) -> anyhow::Result<ExitStatus> {
    let mut out = io::stdout().lock();
    if let Some(kind) = args.kind {
        out.write_all(kind_text(kind).as_bytes())?;
        return Ok(ExitStatus::Clean);
    }
    if args.list {
        out.write_all(kind_list().as_bytes())?;
        return Ok(ExitStatus::Clean);
    }
    explain_accounts(args, global, &mut out)
}

/// What `explain KIND` prints: name, title, severity, then the documentation
/// with its code blocks indented (the fences are for rustdoc).
pub fn kind_text(kind: Kind) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", kind.name(), kind.title());
    let _ = writeln!(s, "severity: {}", kind.severity_note());
    let _ = writeln!(s);
    let mut in_code = false;
    for line in kind.doc().lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if in_code {
            let _ = writeln!(s, "    {line}");
        } else {
            let _ = writeln!(s, "{line}");
        }
    }
    s
}

/// What `explain --list` prints: one line per kind, report order.
pub fn kind_list() -> String {
    let mut s = String::new();
    for kind in Kind::ALL {
        let severities: Vec<&str> = kind.severities().iter().map(|s| s.name()).collect();
        let _ = writeln!(
            s,
            "{:<18} {:<14} {}",
            kind.name(),
            severities.join("/"),
            kind.title()
        );
    }
    s
}

fn explain_accounts(
    args: &ExplainArgs,
    global: Global,
    out: &mut impl Write,
) -> anyhow::Result<ExitStatus> {
    anyhow::ensure!(
        args.rules.is_some() || !args.connect_config.is_empty(),
        "--rules (or --connect-config) is required with --dn or --upn"
    );
    anyhow::ensure!(
        !args.input.onprem.is_empty(),
        "--onprem is required with --dn or --upn"
    );
    let classifier = load_rule_source(args.rules.as_deref(), &args.connect_config, global.quiet)?;
    let anchor = args.input.anchor();
    let opts = args.input.onprem_options();
    let mut shown = 0;
    for file in &args.input.onprem {
        let input = Input::open(file).with_context(|| format!("cannot open {file}"))?;
        let mut sink = FindSink {
            args,
            classifier: &classifier,
            anchor: &anchor,
            name: input.name.clone(),
            found: Vec::new(),
        };
        usertype_audit::read::read_onprem(input, &opts, &ReadControl::default(), &mut sink)?;
        for text in sink.found {
            if shown > 0 {
                writeln!(out)?;
            }
            out.write_all(text.as_bytes())?;
            shown += 1;
        }
    }
    if shown == 0 {
        let what = args
            .dn
            .as_deref()
            .map(|d| format!("DN {d}"))
            .or_else(|| args.upn.as_deref().map(|u| format!("UPN {u}")))
            .unwrap_or_default();
        // Not eprintln!, which panics when standard error is closed.
        let _ = writeln!(
            io::stderr(),
            "usertype-audit: no account with {} in the given files",
            terminal_safe(&what)
        );
        return Ok(ExitStatus::Problems);
    }
    Ok(ExitStatus::Clean)
}
