//! "Did you mean": the nearest known name to a misspelt one, for the
//! checker's messages about functions and attributes.

/// Case-insensitive edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The name among `names` equal to `name` ignoring case, else the nearest
/// within two edits (for names long enough for that to mean something).
pub(crate) fn suggest<'n>(
    name: &str,
    names: impl Iterator<Item = &'n str> + Clone,
) -> Option<&'n str> {
    if let Some(n) = names.clone().find(|n| n.eq_ignore_ascii_case(name)) {
        return Some(n);
    }
    if name.len() < 4 || name.len() > 40 {
        return None;
    }
    names
        .map(|n| (distance(n, name), n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("LCase", "lcase"), 0);
        assert_eq!(distance("InStr", "InStrr"), 1);
        assert_eq!(distance("Trim", "Trm"), 1);
        let names = ["IsPresent", "IsNull", "Trim"];
        assert_eq!(
            suggest("IsPresnt", names.iter().copied()),
            Some("IsPresent")
        );
        assert_eq!(suggest("isnull", names.iter().copied()), Some("IsNull"));
        assert_eq!(suggest("Foo", names.iter().copied()), None);
        assert_eq!(
            suggest("Trm", names.iter().copied()),
            None,
            "too short to guess"
        );
    }
}
