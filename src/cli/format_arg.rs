//! The command line's spelling of the reader's [`Format`]: clap's derive
//! stays in the CLI, so the readers do not depend on the argument parser.

use clap::builder::{EnumValueParser, TypedValueParser};

use crate::read::detect::Format;

/// `--onprem-format` values; the doc comments are the help of each value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
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

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Ldif => Format::Ldif,
            FormatArg::Csvde => Format::Csvde,
            FormatArg::ExportCsv => Format::ExportCsv,
            FormatArg::GraphJson => Format::GraphJson,
            FormatArg::CloudCsv => Format::CloudCsv,
        }
    }
}

/// The parser of a `--onprem-format` value: the spellings and help of
/// [`FormatArg`], giving the reader's [`Format`].
pub(crate) fn format_parser() -> impl TypedValueParser<Value = Format> {
    EnumValueParser::<FormatArg>::new().map(Format::from)
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// Every reader format has a spelling, and it is the format's own name.
    #[test]
    fn spellings_are_the_format_names() {
        for arg in FormatArg::value_variants() {
            let spelled = arg.to_possible_value().expect("a visible value");
            assert_eq!(spelled.get_name(), Format::from(*arg).name());
        }
        assert_eq!(FormatArg::value_variants().len(), 5);
    }
}
