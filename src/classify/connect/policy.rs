//! OU filtering from the wizard's settings file,
//! `Applied-SynchronizationPolicy-*.json` (Entra Connect writes it to
//! `%ProgramData%\AADConnect` each time the wizard applies a configuration:
//! <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-import-export-config>).
//!
//! Only parts of its layout are public, so it is read tolerantly: every
//! object holding a `partitionFilters` array (at any depth, key case
//! ignored) contributes its entries; of each entry, `distinguishedName`,
//! `containerInclusions` and `containerExclusions` are read and every other
//! key is ignored.

use serde_json::Value;

use crate::classify::scope::dn_is_under;

/// One domain partition's OU selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionFilter {
    /// The partition's DN (`DC=contoso,DC=com`).
    pub distinguished_name: String,
    /// Containers selected (with everything below, unless excluded deeper).
    pub inclusions: Vec<String>,
    /// Containers deselected.
    pub exclusions: Vec<String>,
}

/// The OU filtering of the policy file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OuPolicy {
    /// The file it was read from.
    pub file: String,
    /// Partitions, as listed.
    pub partitions: Vec<PartitionFilter>,
}

/// Why OU filtering keeps an object out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OuVerdict {
    /// Selected.
    In,
    /// Under no listed partition.
    NoPartition,
    /// Under an excluded container (the deepest container it is under).
    Excluded,
    /// The partition has inclusions and the object is under none.
    NotIncluded,
}

/// Deepest JSON nesting read.
const MAX_JSON_DEPTH: usize = 64;

impl OuPolicy {
    /// Reads the policy file's text. An error says what is wrong.
    pub fn parse(file: &str, text: &str) -> Result<OuPolicy, String> {
        let json: Value = serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
            .map_err(|e| {
                format!(
                    "{file}:{}:{}: not JSON: {e}; give the Applied-SynchronizationPolicy-*.json \
                     file as Entra Connect wrote it",
                    e.line(),
                    e.column()
                )
            })?;
        let mut partitions = Vec::new();
        collect(&json, 0, &mut partitions);
        if partitions.is_empty() {
            return Err(format!(
                "{file}: no `partitionFilters` entry with a `distinguishedName`: this is not an \
                 Applied-SynchronizationPolicy file with OU filtering"
            ));
        }
        Ok(OuPolicy {
            file: file.to_string(),
            partitions,
        })
    }

    /// Whether OU filtering selects the object with this DN.
    pub fn verdict(&self, dn: &str) -> OuVerdict {
        let Some(p) = self
            .partitions
            .iter()
            .filter(|p| dn_is_under(dn, &p.distinguished_name))
            .max_by_key(|p| p.distinguished_name.len())
        else {
            return OuVerdict::NoPartition;
        };
        let deepest = |list: &[String]| {
            list.iter()
                .filter(|c| dn_is_under(dn, c))
                .map(String::len)
                .max()
        };
        match (deepest(&p.inclusions), deepest(&p.exclusions)) {
            (_, Some(ex)) if deepest(&p.inclusions).map_or(true, |inc| ex >= inc) => {
                OuVerdict::Excluded
            }
            (Some(_), _) => OuVerdict::In,
            (None, _) if p.inclusions.is_empty() => OuVerdict::In,
            (None, _) => OuVerdict::NotIncluded,
        }
    }
}

fn get_ci<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.trim().to_string()),
                // Some layouts wrap a DN in an object.
                Value::Object(o) => get_ci(o, "distinguishedName")
                    .and_then(Value::as_str)
                    .map(|s| s.trim().to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        _ => Vec::new(),
    }
}

fn collect(v: &Value, depth: usize, out: &mut Vec<PartitionFilter>) {
    if depth > MAX_JSON_DEPTH {
        return;
    }
    match v {
        Value::Object(obj) => {
            for (k, child) in obj {
                if k.eq_ignore_ascii_case("partitionFilters") {
                    if let Value::Array(items) = child {
                        for item in items {
                            let Value::Object(p) = item else { continue };
                            let Some(dn) = get_ci(p, "distinguishedName").and_then(Value::as_str)
                            else {
                                continue;
                            };
                            out.push(PartitionFilter {
                                distinguished_name: dn.trim().to_string(),
                                inclusions: string_list(get_ci(p, "containerInclusions")),
                                exclusions: string_list(get_ci(p, "containerExclusions")),
                            });
                        }
                    }
                } else {
                    collect(child, depth + 1, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect(i, depth + 1, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{
      "policyMetadata": {"policyType": "Applied", "SomethingNew": 1},
      "OnPremisesDirectoryPolicy": [{
        "forestName": "contoso.com",
        "PartitionFilters": [{
          "DistinguishedName": "DC=contoso,DC=com",
          "dnsName": "contoso.com",
          "containerInclusions": ["OU=Staff,DC=contoso,DC=com", "OU=Partners,DC=contoso,DC=com"],
          "CONTAINEREXCLUSIONS": ["OU=Old,OU=Staff,DC=contoso,DC=com"]
        }]
      }]
    }"#;

    #[test]
    fn inclusions_and_exclusions_nest_deepest_first() {
        let p = OuPolicy::parse("p.json", POLICY).expect("reads");
        assert_eq!(p.partitions.len(), 1);
        let v = |dn: &str| p.verdict(dn);
        assert_eq!(v("CN=a,OU=Staff,DC=contoso,DC=com"), OuVerdict::In);
        assert_eq!(
            v("CN=a,OU=Old,OU=Staff,DC=contoso,DC=com"),
            OuVerdict::Excluded
        );
        assert_eq!(v("CN=a,OU=Other,DC=contoso,DC=com"), OuVerdict::NotIncluded);
        assert_eq!(v("CN=a,DC=fabrikam,DC=com"), OuVerdict::NoPartition);
    }

    #[test]
    fn an_inclusion_below_an_exclusion_wins() {
        let text = r#"{"partitionFilters":[{"distinguishedName":"DC=x","containerInclusions":["DC=x","OU=Keep,OU=Drop,DC=x"],"containerExclusions":["OU=Drop,DC=x"]}]}"#;
        let p = OuPolicy::parse("p.json", text).expect("reads");
        assert_eq!(p.verdict("CN=a,OU=Keep,OU=Drop,DC=x"), OuVerdict::In);
        assert_eq!(p.verdict("CN=a,OU=Drop,DC=x"), OuVerdict::Excluded);
        assert_eq!(p.verdict("CN=a,DC=x"), OuVerdict::In);
    }

    #[test]
    fn files_without_filters_or_not_json_are_errors() {
        let e = OuPolicy::parse("p.json", "{\"a\": 1}").expect_err("no filters");
        assert!(e.contains("no `partitionFilters`"), "{e}");
        let e = OuPolicy::parse("p.json", "{\n\"a\": ").expect_err("cut");
        assert!(e.starts_with("p.json:2:"), "{e}");
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(OuPolicy::parse("p.json", &deep).is_err());
    }
}
