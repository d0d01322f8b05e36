//! Opening the audit's inputs, after refusing any export given twice.

use std::io::{self, Read};

use crate::error::{Error, Result};
use crate::read::input::Input;
use crate::read::InputSource;

use super::AuditInputs;

/// The opened inputs, in the order given.
pub(super) struct Opened {
    pub(super) cloud: Vec<Input>,
    pub(super) onprem: Vec<Input>,
}

/// Opens every input (the cloud exports first: they are read first), and asks
/// the kernel to start reading the mapped files into its cache.
pub(super) fn open_all(inputs: &AuditInputs) -> Result<Opened> {
    refuse_identical_inputs(
        inputs
            .onprem
            .iter()
            .map(|s| ("--onprem", s))
            .chain(inputs.cloud.iter().map(|s| ("--cloud", s))),
    )?;
    let open = |source: &InputSource| {
        source.open().map_err(|source_error| Error::Io {
            path: source.name().into(),
            source: source_error,
        })
    };
    let cloud = inputs.cloud.iter().map(open).collect::<Result<Vec<_>>>()?;
    let onprem = inputs.onprem.iter().map(open).collect::<Result<Vec<_>>>()?;
    crate::read::input::prefetch(cloud.iter().chain(&onprem));
    Ok(Opened { cloud, onprem })
}

/// What an input is, for comparing it with the others.
enum Held<'a> {
    File(&'a str, std::fs::Metadata),
    Bytes(&'a [u8]),
}

impl Held<'_> {
    fn len(&self) -> u64 {
        match self {
            Held::File(_, m) => m.len(),
            Held::Bytes(b) => b.len() as u64,
        }
    }

    fn reader(&self) -> Option<Box<dyn Read + '_>> {
        match self {
            Held::File(path, _) => Some(Box::new(std::fs::File::open(path).ok()?)),
            Held::Bytes(b) => Some(Box::new(io::Cursor::new(*b))),
        }
    }
}

/// Refuses the same export given twice (the same path, a link to it, a copy
/// with the same content, or two inputs held in memory under one name):
/// every finding would be doubled and every account would "share" its anchor
/// with itself.
fn refuse_identical_inputs<'a>(
    args: impl Iterator<Item = (&'a str, &'a InputSource)>,
) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let args: Vec<(&str, &InputSource)> = args.collect();
    for (i, (oa, a)) in args.iter().enumerate() {
        for (ob, b) in args.iter().skip(i + 1) {
            let held = |s: &InputSource| matches!(s, InputSource::Bytes { .. });
            if (held(a) || held(b)) && a.name() == b.name() {
                return Err(Error::Format(format!(
                    "`{oa} {}` and `{ob} {}`: two inputs under one name; diagnostics and \
                     findings name their input, so give each a name of its own",
                    a.name(),
                    b.name()
                )));
            }
        }
    }
    let files: Vec<(&str, &str, Held)> = args
        .iter()
        .filter_map(|&(opt, source)| {
            let held = match source {
                InputSource::Path(p) if p == "-" => return None,
                InputSource::Path(p) => {
                    let m = std::fs::metadata(p).ok()?;
                    m.is_file().then_some(Held::File(p, m))?
                }
                InputSource::Bytes { bytes, .. } => Held::Bytes(bytes),
            };
            Some((opt, source.name(), held))
        })
        .collect();
    for (i, (oa, a, ha)) in files.iter().enumerate() {
        for (ob, b, hb) in files.iter().skip(i + 1) {
            if ha.len() != hb.len() {
                continue;
            }
            let same = match (ha, hb) {
                (Held::File(_, ma), Held::File(_, mb))
                    if ma.dev() == mb.dev() && ma.ino() == mb.ino() =>
                {
                    "are the same file"
                }
                _ if same_content(ha, hb) => "have identical content",
                _ => continue,
            };
            return Err(Error::Format(format!(
                "`{oa} {a}` and `{ob} {b}` {same}: an export given twice would count every \
                 account and finding twice; give each export once"
            )));
        }
    }
    Ok(())
}

/// Whether two inputs of the same size hold the same bytes (compared in
/// blocks, stopping at the first difference: exports that differ usually
/// do so in their first block).
fn same_content(a: &Held, b: &Held) -> bool {
    let (Some(mut ra), Some(mut rb)) = (a.reader(), b.reader()) else {
        return false;
    };
    let mut ba = vec![0u8; 1 << 20];
    let mut bb = vec![0u8; 1 << 20];
    loop {
        let na = match read_full(&mut ra, &mut ba) {
            Ok(n) => n,
            Err(_) => return false,
        };
        let nb = match read_full(&mut rb, &mut bb) {
            Ok(n) => n,
            Err(_) => return false,
        };
        if na != nb || ba[..na] != bb[..nb] {
            return false;
        }
        if na == 0 {
            return true;
        }
    }
}

fn read_full(f: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(args: &[(&'static str, InputSource)]) -> Option<String> {
        refuse_identical_inputs(args.iter().map(|(o, s)| (*o, s)))
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn held_bytes_given_twice_are_refused() {
        let a = InputSource::bytes("a.ldf", &b"dn: CN=x\n"[..]);
        let b = InputSource::bytes("b.ldf", &b"dn: CN=x\n"[..]);
        let err = refused(&[("--onprem", a), ("--onprem", b)]).expect("refused");
        assert!(err.contains("`--onprem a.ldf` and `--onprem b.ldf` have identical content"));
    }

    #[test]
    fn a_file_and_the_same_bytes_held_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("users.json");
        std::fs::write(&path, b"{\"value\":[]}").expect("write");
        let file = InputSource::path(path.to_string_lossy().into_owned());
        let held = InputSource::bytes("held.json", &b"{\"value\":[]}"[..]);
        let err = refused(&[("--cloud", file), ("--cloud", held)]).expect("refused");
        assert!(err.contains("have identical content"), "{err}");
    }

    #[test]
    fn two_held_inputs_under_one_name_are_refused() {
        let a = InputSource::bytes("x", &b"1"[..]);
        let b = InputSource::bytes("x", &b"22"[..]);
        let err = refused(&[("--onprem", a), ("--cloud", b)]).expect("refused");
        assert!(err.contains("two inputs under one name"), "{err}");
    }

    #[test]
    fn held_bytes_under_the_name_of_a_file_are_refused() {
        let file = InputSource::path("-");
        let held = InputSource::bytes("-", &b"1"[..]);
        let err = refused(&[("--onprem", held), ("--cloud", file)]).expect("refused");
        assert!(err.contains("two inputs under one name"), "{err}");
    }

    #[test]
    fn different_inputs_pass() {
        let a = InputSource::bytes("a", &b"12"[..]);
        let b = InputSource::bytes("b", &b"13"[..]);
        let c = InputSource::path("-");
        assert_eq!(
            refused(&[("--onprem", a), ("--cloud", b), ("--onprem", c)]),
            None
        );
    }
}
