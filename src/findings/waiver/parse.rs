//! From the text of a waivers file to validated [`Waivers`], every problem
//! placed at its line and column.

use std::sync::Arc;

use toml::Spanned;

use super::{AppliedWaiver, Date, RawFile, RawWaiver, Selector, Waiver, WaiverError, Waivers};
use crate::findings::{FindingId, Kind};

pub(super) fn parse(path: &str, text: &str) -> Result<Waivers, WaiverError> {
    let at = |offset: usize| Some(crate::classify::expr::line_col(text, offset));
    let raw: RawFile = toml::from_str(text).map_err(|e| WaiverError {
        path: path.to_owned(),
        position: e.span().and_then(|s| at(s.start)),
        message: format!(
            "{}; the file holds [[waiver]] entries with id (or kind and dn/upn), reason, owner \
             and expires",
            e.message().trim_end()
        ),
    })?;
    let mut waivers = Vec::with_capacity(raw.waiver.len());
    for entry in &raw.waiver {
        waivers.push(waiver(path, text, entry)?);
    }
    Ok(Waivers {
        path: path.to_owned(),
        waivers,
    })
}

fn waiver(path: &str, text: &str, entry: &Spanned<RawWaiver>) -> Result<Waiver, WaiverError> {
    let fail = |offset: usize, message: String| WaiverError {
        path: path.to_owned(),
        position: Some(crate::classify::expr::line_col(text, offset)),
        message,
    };
    let start = entry.span().start;
    let w = entry.get_ref();
    let required = |v: &Option<Spanned<String>>, key: &str| -> Result<String, WaiverError> {
        match v {
            Some(s) if !s.get_ref().trim().is_empty() => Ok(s.get_ref().trim().to_owned()),
            Some(s) => Err(fail(
                s.span().start,
                format!("`{key}` is empty; say {}", why(key)),
            )),
            None => Err(fail(
                start,
                format!("this waiver has no `{key}`; say {}", why(key)),
            )),
        }
    };
    let reason = required(&w.reason, "reason")?;
    let owner = required(&w.owner, "owner")?;
    let expires =
        match &w.expires {
            None => return Err(fail(
                start,
                "this waiver has no `expires`; every waiver ends: give the last day it applies, \
                 as expires = 2027-03-31"
                    .into(),
            )),
            Some(v) => {
                let value = match v.get_ref() {
                    toml::Value::String(s) => Some(s.trim().to_owned()),
                    toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
                        Some(d.to_string())
                    }
                    _ => None,
                };
                value.as_deref().and_then(Date::parse).ok_or_else(|| {
                    fail(
                        v.span().start,
                        "`expires` is not a date: write the last day the waiver applies as \
                     YYYY-MM-DD (expires = 2027-03-31)"
                            .into(),
                    )
                })?
            }
        };
    let pattern = |v: &Option<Spanned<String>>, key: &str| -> Result<Option<String>, WaiverError> {
        match v {
            None => Ok(None),
            Some(s) if s.get_ref().trim().is_empty() => Err(fail(
                s.span().start,
                format!("`{key}` is empty; give a pattern (`*` matches any text)"),
            )),
            Some(s) => Ok(Some(s.get_ref().trim().to_lowercase())),
        }
    };
    let (dn, upn) = (pattern(&w.dn, "dn")?, pattern(&w.upn, "upn")?);
    let (selector, selects) =
        match (&w.id, &w.kind) {
            (Some(id), _) if w.kind.is_some() || dn.is_some() || upn.is_some() => {
                return Err(fail(
                    id.span().start,
                    "give either `id` (one finding) or `kind` with `dn` and/or `upn` (a pattern), \
                 not both"
                        .into(),
                ))
            }
            (Some(id), _) => {
                let parsed = FindingId::parse(id.get_ref()).ok_or_else(|| {
                    fail(
                        id.span().start,
                        format!(
                            "`{}` is not a finding id (three letters, a dash and ten letters or \
                         digits, as in findings.csv's id column)",
                            short(id.get_ref())
                        ),
                    )
                })?;
                (Selector::Id(parsed), format!("id {parsed}"))
            }
            (None, Some(kind)) => {
                let k = Kind::from_name(kind.get_ref().trim()).ok_or_else(|| {
                    fail(
                        kind.span().start,
                        format!(
                            "unknown kind `{}`; `usertype-audit explain --list` lists them",
                            short(kind.get_ref())
                        ),
                    )
                })?;
                if dn.is_none() && upn.is_none() {
                    return Err(fail(
                    kind.span().start,
                    "a waiver by kind needs a `dn` or `upn` pattern (`*` matches any text); to \
                     waive one finding, give its `id`"
                        .into(),
                ));
                }
                let mut selects = format!("kind {}", k.name());
                for (key, p) in [("dn", &dn), ("upn", &upn)] {
                    if let Some(p) = p {
                        selects.push_str(&format!(", {key} {p}"));
                    }
                }
                (
                    Selector::Pattern {
                        kind: k,
                        dn: dn.clone(),
                        upn: upn.clone(),
                    },
                    selects,
                )
            }
            (None, None) => return Err(fail(
                start,
                "this waiver selects nothing: give `id` (one finding) or `kind` with `dn` and/or \
                 `upn`"
                    .into(),
            )),
        };
    let (line, _) = crate::classify::expr::line_col(text, start);
    let at = format!("{path}:{line}");
    let text_line = format!("{at}; owner {owner}; expires {expires}; {reason}");
    Ok(Waiver {
        applied: Arc::new(AppliedWaiver {
            at,
            owner,
            expires,
            reason,
            text: text_line,
        }),
        selector,
        selects,
    })
}

fn why(key: &str) -> &'static str {
    match key {
        "reason" => "why the finding is accepted",
        _ => "who accepted it (a name or an address)",
    }
}

/// `s` cut to 64 characters for a message.
fn short(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}
