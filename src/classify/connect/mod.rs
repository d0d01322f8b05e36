//! The real Entra Connect configuration as the rule source.
//!
//! Reads what an administrator exports from a Connect server, the
//! Synchronization Rules Editor's **Export** (a PowerShell script of
//! `New-ADSyncRule`, `Add-ADSyncAttributeFlowMapping`, … statements: [`lex`],
//! [`parse`]) and the wizard's `Applied-SynchronizationPolicy-*.json` (OU
//! filtering: [`policy`]), and simulates per account what UserType Connect
//! would export ([`eval`]): the inbound rules from Active Directory in
//! precedence order, then whether an outbound rule flows `userType` to
//! Entra ID. [`check`] lists configuration mistakes.
//!
//! The semantics follow Microsoft Learn: "Enable synchronization of
//! UserType" (<https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-change-the-configuration>),
//! declarative provisioning (<https://learn.microsoft.com/entra/identity/hybrid/connect/concept-azure-ad-connect-sync-declarative-provisioning>)
//! and the default configuration (<https://learn.microsoft.com/entra/identity/hybrid/connect/concept-azure-ad-connect-sync-default-configuration>).

pub mod check;
pub mod eval;
mod flow;
pub mod lex;
pub mod model;
pub mod parse;
pub mod policy;

use std::fmt;
use std::path::Path;

pub use self::eval::Simulation;
pub use self::model::{Location, SyncRule};
pub use self::policy::OuPolicy;

/// Largest file read (a full export of every out-of-box rule is well under 2 MB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Most files read from a folder.
pub const MAX_FILES: usize = 10_000;

/// A problem in the configuration: where, how bad, what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where.
    pub at: Location,
    /// An error (the configuration cannot be simulated as given) or a warning.
    pub is_error: bool,
    /// A kebab-case code.
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl Diagnostic {
    /// An error.
    pub fn error(at: Location, code: &'static str, message: String) -> Diagnostic {
        Diagnostic {
            at,
            is_error: true,
            code,
            message,
        }
    }

    /// A warning.
    pub fn warning(at: Location, code: &'static str, message: String) -> Diagnostic {
        Diagnostic {
            at,
            is_error: false,
            code,
            message,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.is_error { "error" } else { "warning" };
        write!(f, "{}: {level}[{}]: {}", self.at, self.code, self.message)
    }
}

/// A configuration as read.
#[derive(Debug, Default)]
pub struct ConnectConfig {
    /// The rules put on the server, in file order.
    pub rules: Vec<SyncRule>,
    /// OU filtering, when a policy file was given.
    pub policy: Option<OuPolicy>,
    /// Every problem met while reading.
    pub diagnostics: Vec<Diagnostic>,
    /// The files read.
    pub files: Vec<String>,
}

impl ConnectConfig {
    /// Whether some diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error)
    }
}

/// Reads the scripts' texts (`(file name, text)`, in order) and policy files.
pub fn read_texts(scripts: &[(String, String)], policies: &[(String, String)]) -> ConnectConfig {
    let mut cfg = ConnectConfig::default();
    let mut state = parse::State::default();
    for (file, text) in scripts {
        cfg.files.push(file.clone());
        match lex::lex(text) {
            Ok(tokens) => parse::read_statements(file, &tokens, &mut state, &mut cfg.diagnostics),
            Err(e) => parse::push_diag(
                &mut cfg.diagnostics,
                Diagnostic::error(
                    Location {
                        file: file.clone(),
                        line: e.line,
                        column: e.column,
                    },
                    "unreadable",
                    format!("{}; nothing of this file is read", e.message),
                ),
            ),
        }
    }
    cfg.rules = state.finish(&mut cfg.diagnostics);
    for (file, text) in policies {
        cfg.files.push(file.clone());
        match OuPolicy::parse(file, text) {
            Ok(p) => {
                if let Some(old) = &cfg.policy {
                    parse::push_diag(
                        &mut cfg.diagnostics,
                        Diagnostic::warning(
                            Location {
                                file: file.clone(),
                                line: 1,
                                column: 1,
                            },
                            "several-policies",
                            format!(
                                "more than one policy file: this one replaces {} (give only the \
                                 newest Applied-SynchronizationPolicy file)",
                                old.file
                            ),
                        ),
                    );
                }
                cfg.policy = Some(p);
            }
            Err(message) => parse::push_diag(
                &mut cfg.diagnostics,
                Diagnostic::error(
                    Location {
                        file: file.clone(),
                        line: 1,
                        column: 1,
                    },
                    "bad-policy",
                    message,
                ),
            ),
        }
    }
    if cfg.rules.is_empty() && !cfg.has_errors() {
        let file = cfg.files.first().cloned().unwrap_or_default();
        parse::push_diag(
            &mut cfg.diagnostics,
            Diagnostic::error(
                Location {
                    file,
                    line: 1,
                    column: 1,
                },
                "no-rules",
                "no synchronization rule was read (no New-ADSyncRule followed by Add-ADSyncRule): \
                 give the Synchronization Rules Editor's Export"
                    .into(),
            ),
        );
    }
    cfg
}

fn is_policy_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".json")
}

fn read_text(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{shown}: {} bytes; a sync-rule export or policy file is far smaller (at most {} \
             bytes are read)",
            meta.len(),
            MAX_FILE_BYTES
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    decode(&bytes).ok_or_else(|| {
        format!("{shown}: neither UTF-8 nor UTF-16 text; save the export as text and try again")
    })
}

/// UTF-8 (with or without BOM) or UTF-16 with a BOM (what Windows
/// PowerShell's `Out-File` writes by default).
fn decode(bytes: &[u8]) -> Option<String> {
    let utf16 = |le: bool, body: &[u8]| -> Option<String> {
        if body.len() % 2 != 0 {
            return None;
        }
        let units = body.chunks_exact(2).map(|c| {
            let pair = [c[0], c[1]];
            if le {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok()
    };
    match bytes {
        [0xFF, 0xFE, body @ ..] => utf16(true, body),
        [0xFE, 0xFF, body @ ..] => utf16(false, body),
        _ => String::from_utf8(bytes.to_vec()).ok(),
    }
}

/// Reads `--connect-config` paths: `.ps1` scripts, policy `.json` files, or
/// folders of them (files in name order, not recursive). An error ends the
/// run (a path that cannot be read); problems inside files are diagnostics.
pub fn load(paths: &[String]) -> Result<ConnectConfig, String> {
    let mut scripts = Vec::new();
    let mut policies = Vec::new();
    for p in paths {
        let path = Path::new(p);
        if path.is_dir() {
            let mut names: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read the folder {p}: {e}"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .collect();
            names.sort();
            let mut found = 0;
            for f in names {
                let name = f.file_name().map(|n| n.to_string_lossy().to_string());
                let name = name.unwrap_or_default();
                let lower = name.to_ascii_lowercase();
                if scripts.len() + policies.len() >= MAX_FILES {
                    return Err(format!("{p}: more than {MAX_FILES} files"));
                }
                let shown = f.display().to_string();
                if lower.ends_with(".ps1") {
                    scripts.push((shown, read_text(&f)?));
                    found += 1;
                } else if is_policy_name(&lower)
                    && lower.starts_with("applied-synchronizationpolicy")
                {
                    policies.push((shown, read_text(&f)?));
                    found += 1;
                }
            }
            if found == 0 {
                return Err(format!(
                    "the folder {p} holds no .ps1 export and no \
                     Applied-SynchronizationPolicy-*.json file"
                ));
            }
        } else if is_policy_name(p) {
            policies.push((p.clone(), read_text(path)?));
        } else {
            scripts.push((p.clone(), read_text(path)?));
        }
    }
    Ok(read_texts(&scripts, &policies))
}

/// Reads `--connect-config` and compiles it for classification. Warnings
/// are returned for the caller to print; errors (a statement that cannot be
/// read, an expression that does not compile) end the run, all listed.
pub fn simulation(paths: &[String]) -> Result<(Simulation, Vec<Diagnostic>), String> {
    let cfg = load(paths)?;
    let mut problems = cfg.diagnostics.clone();
    problems.extend(check::check(&cfg.rules).into_iter().filter(|d| d.is_error));
    if problems.iter().any(|d| d.is_error) {
        let lines: Vec<String> = problems
            .iter()
            .filter(|d| d.is_error)
            .map(ToString::to_string)
            .collect();
        return Err(format!(
            "{}\nthe Entra Connect configuration has errors (above); `usertype-audit rules check \
             --connect-config {}` lists every problem",
            lines.join("\n"),
            paths.join(" ")
        ));
    }
    Ok((Simulation::new(&cfg), problems))
}

#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests;
