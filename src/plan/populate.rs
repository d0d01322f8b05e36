//! `populate`: the LDIF change file that stamps a source attribute with the
//! UserType the rules give each account (approach 1 of the Learn page).

/// The change file.
pub const CHANGES_NAME: &str = "changes.ldf";
/// The undo file.
pub const UNDO_NAME: &str = "undo.ldf";
/// The account list.
pub const CSV_NAME: &str = "populate.csv";
/// The PowerShell script.
pub const SCRIPT_NAME: &str = "populate.ps1";
/// The first line of both LDIF files (a comment, which RFC 2849 allows).
pub const LDIF_MARK: &str = "# usertype-audit populate";
/// The CSV header.
pub const CSV_HEADER: &str = "dn,old,new,action";

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::cloud::{SCRIPT_MARK, SCRIPT_PARAMS};
use super::escape::{ldif_line, ps_comment, ps_quote};
use crate::classify::{Classifier, EvalScratch, Intent};
use crate::model::ids::AnchorSource;
use crate::read::account::{Account, CLASSIFY_ATTRIBUTES};
use crate::read::{Batch, BatchSink};

/// What `populate` does with one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// The attribute was absent: it is set.
    Stamp,
    /// It held another value and `--overwrite` was given: it is replaced.
    Replace,
    /// It already holds the value.
    Unchanged,
    /// It holds another value and `--overwrite` was not given: reported, not touched.
    Kept,
    /// The rule raised `Error()`: listed, not stamped.
    RuleError,
    /// The rule gave a value other than Member or Guest: listed, not stamped.
    InvalidValue,
    /// The rule gave no value: listed, not stamped.
    NoValue,
    /// Out of the sync scope: not stamped.
    OutOfScope,
}

impl Action {
    /// Every action, in the order the terminal counts them.
    pub const ALL: [Action; 8] = [
        Action::Stamp,
        Action::Replace,
        Action::Unchanged,
        Action::Kept,
        Action::RuleError,
        Action::InvalidValue,
        Action::NoValue,
        Action::OutOfScope,
    ];

    /// The name in `populate.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Stamp => "stamp",
            Action::Replace => "replace",
            Action::Unchanged => "unchanged",
            Action::Kept => "kept",
            Action::RuleError => "rule_error",
            Action::InvalidValue => "invalid_value",
            Action::NoValue => "no_value",
            Action::OutOfScope => "out_of_scope",
        }
    }

    /// Whether the change file writes the account.
    pub fn changes(self) -> bool {
        matches!(self, Action::Stamp | Action::Replace)
    }
}

/// One account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The DN's bytes as read (decoded when it was `dn::`).
    pub dn: Vec<u8>,
    /// The attribute's values before (empty: absent).
    pub old: Vec<Vec<u8>>,
    /// What the rules give: `Member`, `Guest`, or the outcome's value.
    pub new: Cow<'static, str>,
    /// What is done.
    pub action: Action,
    /// The file the account was read from.
    pub file: Arc<str>,
    /// The account's line in it.
    pub line: u64,
}

/// Attributes that are never "unused" whatever the rules read: the naming
/// attributes (a user's RDN is `cn`; AD refuses to modify it and keeps
/// `name` in step with it), the names people and mail systems see, and the
/// identifiers and memberships other systems key on. With `--overwrite`,
/// stamping Member or Guest into one would wipe a real value on every
/// account.
const NEVER_UNUSED: [&str; 21] = [
    "cn",
    "name",
    "ou",
    "displayName",
    "sAMAccountName",
    "givenName",
    "sn",
    "initials",
    "mailNickname",
    "proxyAddresses",
    "targetAddress",
    "legacyExchangeDN",
    "objectSid",
    "sIDHistory",
    "member",
    "memberOf",
    "manager",
    "servicePrincipalName",
    "employeeID",
    "employeeNumber",
    "unicodePwd",
];

/// Checks `--attribute`: an LDAP attribute name (a letter, then letters,
/// digits and hyphens; RFC 4512), at most 64 characters, and not one of
/// the attributes that must never be stamped (names, identifiers, memberships).
pub fn check_attribute(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= 64;
    if let Some(taken) = NEVER_UNUSED.iter().find(|a| a.eq_ignore_ascii_case(name)) {
        return Err(format!(
            "--attribute {name}: `{taken}` holds a name or identifier of every account, never \
             an unused attribute: designate one no one uses, e.g. extensionAttribute1 to 15"
        ));
    }
    if ok {
        Ok(())
    } else {
        // A name is at most 64 characters: quote no more of what was given.
        let shown: String = name.chars().take(64).collect();
        let more = if shown.len() < name.len() { "…" } else { "" };
        Err(format!(
            "--attribute {}{more}: not an attribute name (a letter, then letters, digits and \
             hyphens, at most 64), e.g. extensionAttribute1",
            shown.escape_debug()
        ))
    }
}

/// Refuses an attribute the audit reads: stamping Member or Guest into it
/// would change what the rules compute, the scope or the match itself. The
/// Learn page asks for an unused attribute.
pub fn check_unused(
    attribute: &str,
    classifier: &Classifier,
    anchor: &AnchorSource,
) -> Result<(), String> {
    let used = CLASSIFY_ATTRIBUTES
        .iter()
        .chain(crate::read::account::MATCH_ATTRIBUTES)
        .map(|s| s.to_string())
        .chain(classifier.attributes())
        .chain(anchor.attributes().iter().map(|s| s.to_string()))
        .chain(["distinguishedName".to_string(), "dn".to_string()])
        .find(|a| a.eq_ignore_ascii_case(attribute));
    match used {
        Some(a) => Err(format!(
            "--attribute {attribute}: the audit reads `{a}` (the rules, the scope, the anchor \
             or the match): stamping it would change what it stands for; designate an \
             unused attribute, e.g. an extensionAttribute no rule reads"
        )),
        None => Ok(()),
    }
}

/// The attributes the reader must keep: the rules', the scope's, the anchor's, and ATTR.
pub fn projection(classifier: &Classifier, anchor: &AnchorSource, attribute: &str) -> Vec<String> {
    let mut p: Vec<String> = CLASSIFY_ATTRIBUTES.iter().map(|s| s.to_string()).collect();
    p.extend(classifier.attributes());
    p.extend(anchor.attributes().iter().map(|s| s.to_string()));
    p.push(attribute.to_string());
    p
}

/// The decision for one account: what the rules give and what is there.
pub fn decide(intent: &Intent, old: &[Vec<u8>], overwrite: bool) -> (Cow<'static, str>, Action) {
    let value = match intent {
        Intent::UserType(t) => t.as_str(),
        Intent::Error(m) => return (m.clone().into(), Action::RuleError),
        Intent::Invalid(v) => return (v.clone().into(), Action::InvalidValue),
        Intent::NoValue(why) => return (why.to_string().into(), Action::NoValue),
        Intent::NotManaged => {
            return (
                "not managed by sync: no outbound rule exports userType".into(),
                Action::NoValue,
            )
        }
        Intent::OutOfScope => return ("".into(), Action::OutOfScope),
    };
    let action = match old {
        [] => Action::Stamp,
        [one] if one.as_slice() == value.as_bytes() => Action::Unchanged,
        _ if overwrite => Action::Replace,
        _ => Action::Kept,
    };
    (value.into(), action)
}

/// The sink that classifies each account and decides.
pub struct PopulateSink<'a> {
    /// The rules.
    pub classifier: &'a Classifier,
    /// Where the source anchor comes from (the scope filter needs it).
    pub anchor: &'a AnchorSource,
    /// The attribute stamped.
    pub attribute: &'a str,
    /// Whether a different value is replaced.
    pub overwrite: bool,
    /// The file's name, for `source`.
    pub name: Arc<str>,
    /// The rows so far, in input order.
    pub rows: Vec<Row>,
    /// Records that are not accounts.
    pub not_accounts: u64,
}

impl BatchSink for PopulateSink<'_> {
    type Output = (Vec<Row>, u64);

    fn map(&self, batch: &Batch) -> (Vec<Row>, u64) {
        let mut scratch = EvalScratch::default();
        let mut rows = Vec::with_capacity(batch.len());
        let mut not_accounts = 0;
        for entry in batch.entries() {
            let Ok(account) = Account::from_entry(entry) else {
                not_accounts += 1;
                continue;
            };
            let anchor = account.source_anchor(self.anchor);
            let c = self
                .classifier
                .classify(&account, anchor.is_some(), &mut scratch);
            let old: Vec<Vec<u8>> = account
                .get(self.attribute)
                .map(|a| a.values().map(|v| v.bytes.to_vec()).collect())
                .unwrap_or_default();
            let (new, action) = decide(&c.intent, &old, self.overwrite);
            rows.push(Row {
                dn: account.dn().to_vec(),
                old,
                new,
                action,
                file: self.name.clone(),
                line: account.line(),
            });
        }
        (rows, not_accounts)
    }

    fn consume(&mut self, _: &Batch, (rows, n): (Vec<Row>, u64)) -> io::Result<()> {
        self.rows.extend(rows);
        self.not_accounts += n;
        Ok(())
    }
}

fn ldif_head(out: &mut String, what: &str, n: usize) {
    let _ = writeln!(
        out,
        "{LDIF_MARK}: {what}\n# {n} change record(s). Review, then import with: ldifde -i -f <this file>\n"
    );
}

/// `changes.ldf`: a modify record per account to stamp.
pub fn write_changes(rows: &[Row], attribute: &str) -> String {
    let changed: Vec<&Row> = rows.iter().filter(|r| r.action.changes()).collect();
    let mut out = String::new();
    ldif_head(
        &mut out,
        &format!("sets {attribute} from the UserType rules"),
        changed.len(),
    );
    for r in changed {
        ldif_line(&mut out, "dn", &r.dn);
        let _ = writeln!(out, "changetype: modify\nreplace: {attribute}");
        ldif_line(&mut out, attribute, r.new.as_bytes());
        out.push_str("-\n\n");
    }
    out
}

/// `undo.ldf`: the previous values back (`delete` where there was none).
pub fn write_undo(rows: &[Row], attribute: &str) -> String {
    let changed: Vec<&Row> = rows.iter().filter(|r| r.action.changes()).collect();
    let mut out = String::new();
    ldif_head(
        &mut out,
        &format!("restores {attribute} as it was before changes.ldf"),
        changed.len(),
    );
    for r in changed {
        ldif_line(&mut out, "dn", &r.dn);
        out.push_str("changetype: modify\n");
        if r.old.is_empty() {
            let _ = writeln!(out, "delete: {attribute}");
        } else {
            let _ = writeln!(out, "replace: {attribute}");
            for v in &r.old {
                ldif_line(&mut out, attribute, v);
            }
        }
        out.push_str("-\n\n");
    }
    out
}

/// `populate.csv`: every account with its old value, new value and action
/// (several old values are joined with `;`).
pub fn write_csv(rows: &[Row]) -> Vec<u8> {
    use crate::report::csv::push_field;
    let mut out = format!("{CSV_HEADER}\n").into_bytes();
    for r in rows {
        let old: Vec<String> = r
            .old
            .iter()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect();
        let fields = [
            String::from_utf8_lossy(&r.dn).into_owned(),
            old.join(";"),
            r.new.to_string(),
            r.action.name().to_string(),
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_field(&mut out, f);
        }
        out.push(b'\n');
    }
    out
}

/// `populate.ps1`: the same changes with `Set-ADUser`.
pub fn write_script(rows: &[Row], attribute: &str, inputs: &[String], rules: &str) -> String {
    let changed: Vec<&Row> = rows.iter().filter(|r| r.action.changes()).collect();
    let mut out = String::new();
    let _ = writeln!(out, "{SCRIPT_MARK}: populate {attribute}");
    let _ = writeln!(
        out,
        "#\n# What: sets {attribute} of {} account(s) to the UserType the rules give them\n\
         #   (the same changes as changes.ldf; undo.ldf restores the previous values).",
        changed.len()
    );
    for i in inputs {
        let _ = writeln!(out, "#   onprem {}", ps_comment(i));
    }
    let _ = writeln!(out, "#   rules  {}", ps_comment(rules));
    out.push_str(
        "#\n# Review every line before running it. Without -Apply nothing changes: every\n\
         # Set-ADUser runs with -WhatIf and only says what it would do.\n\
         #   ./populate.ps1           # dry run\n\
         #   ./populate.ps1 -Apply    # make the changes (ActiveDirectory module)\n",
    );
    out.push_str(SCRIPT_PARAMS);
    for r in changed {
        let Ok(dn) = std::str::from_utf8(&r.dn) else {
            let _ = writeln!(
                out,
                "\n# {}: the DN is not UTF-8 text; use changes.ldf for this account",
                ps_comment(&format!("{}:{}", r.file, r.line))
            );
            continue;
        };
        let _ = write!(
            out,
            "\n# {} ({})\nSet-ADUser -Identity {} -Replace @{{{} = {}}} -WhatIf:$WhatIf\n",
            ps_comment(&format!("{}:{}", r.file, r.line)),
            r.action.name(),
            ps_quote(dn),
            ps_quote(attribute),
            ps_quote(&r.new),
        );
    }
    out
}

/// Writes the four files into `out_dir` as one set.
pub fn write_all(
    rows: &[Row],
    attribute: &str,
    inputs: &[String],
    rules: &str,
    out_dir: &Path,
) -> io::Result<Vec<PathBuf>> {
    let files: [(&str, super::Render<'_>); 4] = [
        (
            CHANGES_NAME,
            Box::new(|| write_changes(rows, attribute).into_bytes()),
        ),
        (
            UNDO_NAME,
            Box::new(|| write_undo(rows, attribute).into_bytes()),
        ),
        (CSV_NAME, Box::new(|| write_csv(rows))),
        (
            SCRIPT_NAME,
            Box::new(|| write_script(rows, attribute, inputs, rules).into_bytes()),
        ),
    ];
    let jobs: Vec<(PathBuf, super::Render<'_>)> = files
        .into_iter()
        .map(|(name, render)| (out_dir.join(name), render))
        .collect();
    super::write_files(&jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::UserType;

    #[test]
    fn a_long_bad_attribute_is_quoted_cut() {
        let name = "x:".repeat(50_000);
        let err = check_attribute(&name).expect_err("not a name");
        assert!(err.len() < 300, "{} bytes: {}", err.len(), &err[..200]);
        assert!(err.starts_with("--attribute x:x:"), "{err}");
        assert!(err.contains("…: not an attribute name"), "{err}");
        let short = check_attribute("bad:name").expect_err("not a name");
        assert!(short.starts_with("--attribute bad:name: not"), "{short}");
    }

    #[test]
    fn only_a_different_value_is_changed_and_kept_without_overwrite() {
        let guest = Intent::UserType(UserType::Guest);
        assert_eq!(decide(&guest, &[], false).1, Action::Stamp);
        assert_eq!(
            decide(&guest, &[b"Guest".to_vec()], false).1,
            Action::Unchanged
        );
        assert_eq!(decide(&guest, &[b"guest".to_vec()], false).1, Action::Kept);
        assert_eq!(
            decide(&guest, &[b"guest".to_vec()], true).1,
            Action::Replace
        );
        let twice = [b"Guest".to_vec(), b"Guest".to_vec()];
        assert_eq!(decide(&guest, &twice, true).1, Action::Replace);
        assert_eq!(
            decide(&Intent::Invalid("Partner".into()), &[], true).1,
            Action::InvalidValue
        );
    }

    #[test]
    fn undo_deletes_what_was_absent_and_restores_what_was_there() {
        let rows = [
            Row {
                dn: b"CN=A,DC=x".to_vec(),
                old: vec![],
                new: "Guest".into(),
                action: Action::Stamp,
                file: "f".into(),
                line: 1,
            },
            Row {
                dn: "CN=É ,DC=x".as_bytes().to_vec(),
                old: vec![b"Partner".to_vec()],
                new: "Guest".into(),
                action: Action::Replace,
                file: "f".into(),
                line: 9,
            },
            Row {
                dn: b"CN=C,DC=x".to_vec(),
                old: vec![b"x".to_vec()],
                new: "Member".into(),
                action: Action::Kept,
                file: "f".into(),
                line: 20,
            },
        ];
        let undo = write_undo(&rows, "extensionAttribute1");
        assert!(
            undo.contains("dn: CN=A,DC=x\nchangetype: modify\ndelete: extensionAttribute1\n-\n")
        );
        assert!(undo.contains(
            "dn:: Q049w4kgLERDPXg=\nchangetype: modify\nreplace: extensionAttribute1\nextensionAttribute1: Partner\n-\n"
        ));
        assert!(!undo.contains("CN=C"));
        let script = write_script(&rows, "extensionAttribute1", &[], "r.toml");
        assert!(script.contains(
            "Set-ADUser -Identity 'CN=A,DC=x' -Replace @{'extensionAttribute1' = 'Guest'} -WhatIf:$WhatIf"
        ));
    }

    #[test]
    fn attribute_names_are_checked() {
        assert!(check_attribute("extensionAttribute1").is_ok());
        assert!(check_attribute("ms-DS-foo").is_ok());
        assert!(check_attribute("1abc").is_err());
        assert!(check_attribute("a:b").is_err());
        assert!(check_attribute("").is_err());
        for taken in [
            "cn",
            "CN",
            "displayName",
            "sAMAccountName",
            "proxyAddresses",
            "name",
        ] {
            let e = check_attribute(taken).expect_err(taken);
            assert!(e.contains("never an unused attribute"), "{e}");
        }
    }
}
