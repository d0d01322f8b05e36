//! The options every subcommand that reads exports shares, defined once and
//! flattened into each (`audit`, `classify`, `explain --dn`, `scan`), and the
//! command line's own names of the input formats (the reader layer knows no
//! clap).

use clap::{Args, ValueEnum};
use usertype_audit::model::ids::AnchorSource;
use usertype_audit::read::cloud::CloudOptions;
use usertype_audit::read::detect::Format;
use usertype_audit::read::ldif::TrailingSpace;
use usertype_audit::read::OnPremOptions;

/// Reader options: how to read an export whose shape detection cannot settle.
/// Left unset, each reader keeps its own default.
#[derive(Debug, Default, Args)]
pub struct ReaderArgs {
    /// The source anchor attribute, when it is not Connect's default
    /// (mS-DS-ConsistencyGuid, else objectGUID).
    #[arg(long, value_name = "ATTR", help_heading = "Reading the exports")]
    pub source_anchor: Option<String>,
    /// The field delimiter of on-premises CSV files, when detection by
    /// content is not wanted: `,` `;` or `tab` (Export-Csv -UseCulture and
    /// Excel re-saves in many European locales use `;`).
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR",
          help_heading = "Reading the exports")]
    pub delimiter: Option<u8>,
    /// What to do with LDIF plain values that end in spaces: keep (the
    /// default) or strip them and warn, or reject the record.
    #[arg(
        long,
        value_enum,
        value_name = "WHAT",
        help_heading = "Reading the exports"
    )]
    pub trailing_space: Option<TrailingSpaceArg>,
    /// Largest record accepted, in MiB (1 to 1024; default 64); larger ones
    /// are reported and skipped.
    #[arg(long, value_name = "MIB", help_heading = "Reading the exports",
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_record_size: Option<u64>,
}

/// `--trailing-space` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TrailingSpaceArg {
    /// Keep the spaces and warn.
    Keep,
    /// Remove the spaces and warn.
    Strip,
    /// Reject the record.
    Reject,
}

impl From<TrailingSpaceArg> for TrailingSpace {
    fn from(arg: TrailingSpaceArg) -> TrailingSpace {
        match arg {
            TrailingSpaceArg::Keep => TrailingSpace::Keep,
            TrailingSpaceArg::Strip => TrailingSpace::Strip,
            TrailingSpaceArg::Reject => TrailingSpace::Reject,
        }
    }
}

/// Every export format as the command line names it (`scan --input-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// LDIF (`ldifde`, `ldapsearch`).
    Ldif,
    /// `csvde` CSV.
    Csvde,
    /// `Get-ADUser | Export-Csv` CSV.
    ExportCsv,
    /// Microsoft Graph users as JSON (REST pages, arrays, JSON Lines, ConvertTo-Json).
    GraphJson,
    /// Entra admin center "Download users" CSV or `Get-MgUser | Export-Csv`.
    CloudCsv,
}

impl From<InputFormat> for Format {
    fn from(f: InputFormat) -> Format {
        match f {
            InputFormat::Ldif => Format::Ldif,
            InputFormat::Csvde => Format::Csvde,
            InputFormat::ExportCsv => Format::ExportCsv,
            InputFormat::GraphJson => Format::GraphJson,
            InputFormat::CloudCsv => Format::CloudCsv,
        }
    }
}

/// The on-premises formats as the command line names them (`--onprem-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnPremFormat {
    /// LDIF (`ldifde`, `ldapsearch`).
    Ldif,
    /// `csvde` CSV.
    Csvde,
    /// `Get-ADUser | Export-Csv` CSV.
    ExportCsv,
}

impl From<OnPremFormat> for Format {
    fn from(f: OnPremFormat) -> Format {
        match f {
            OnPremFormat::Ldif => Format::Ldif,
            OnPremFormat::Csvde => Format::Csvde,
            OnPremFormat::ExportCsv => Format::ExportCsv,
        }
    }
}

/// `--delimiter`: one of `,` `;` TAB (written `tab`, `\t` or a TAB).
fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "\\t" | "tab" | "TAB" => Ok(b'\t'),
        _ => Err(format!(
            "`{}` is not a CSV delimiter: use `,`, `;` or `tab`",
            s.escape_debug()
        )),
    }
}

impl ReaderArgs {
    /// The largest record in bytes, when one was given.
    fn max_record_bytes(&self) -> Option<usize> {
        self.max_record_size.map(|mib| {
            usize::try_from(mib)
                .unwrap_or(usize::MAX)
                .saturating_mul(1 << 20)
        })
    }

    /// Applies the options to the on-premises readers' settings.
    pub fn apply_onprem(&self, opts: &mut OnPremOptions) {
        if let Some(t) = self.trailing_space {
            opts.ldif.trailing_space = t.into();
        }
        if let Some(max) = self.max_record_bytes() {
            opts.ldif.max_record_size = max;
            opts.csv.max_record_size = max;
        }
        if self.delimiter.is_some() {
            opts.csv.delimiter = self.delimiter;
        }
    }

    /// Applies the options to the cloud readers' settings (the record limit).
    pub fn apply_cloud(&self, opts: &mut CloudOptions) {
        if let Some(max) = self.max_record_bytes() {
            opts.max_record_size = max;
        }
    }

    /// The anchor source the flags select.
    pub fn anchor(&self) -> AnchorSource {
        match &self.source_anchor {
            Some(a) => AnchorSource::Attribute(a.clone()),
            None => AnchorSource::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_options_keep_the_readers_defaults() {
        let mut opts = OnPremOptions::default();
        ReaderArgs::default().apply_onprem(&mut opts);
        let defaults = OnPremOptions::default();
        assert_eq!(opts.ldif.max_record_size, defaults.ldif.max_record_size);
        assert_eq!(opts.csv.max_record_size, defaults.csv.max_record_size);
        assert_eq!(opts.ldif.trailing_space, defaults.ldif.trailing_space);
        assert_eq!(opts.csv.delimiter, None);
    }

    #[test]
    fn given_options_reach_every_reader() {
        let args = ReaderArgs {
            source_anchor: Some("employeeID".into()),
            delimiter: Some(b';'),
            trailing_space: Some(TrailingSpaceArg::Reject),
            max_record_size: Some(2),
        };
        let mut onprem = OnPremOptions::default();
        let mut cloud = CloudOptions::default();
        args.apply_onprem(&mut onprem);
        args.apply_cloud(&mut cloud);
        assert_eq!(onprem.ldif.max_record_size, 2 << 20);
        assert_eq!(onprem.csv.max_record_size, 2 << 20);
        assert_eq!(cloud.max_record_size, 2 << 20);
        assert_eq!(onprem.ldif.trailing_space, TrailingSpace::Reject);
        assert_eq!(onprem.csv.delimiter, Some(b';'));
        assert_eq!(
            args.anchor(),
            AnchorSource::Attribute("employeeID".to_string())
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert!(parse_delimiter("|").unwrap_err().contains("`|`"));
    }
}
