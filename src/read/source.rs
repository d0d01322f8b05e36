//! Where an export comes from: a file named by its path (`-` for standard
//! input), or bytes a program already holds (a download, an archive member, a
//! test). Both open into the same [`Input`], so the readers treat them alike:
//! gzip is recognised by its magic bytes, UTF-16 by its byte-order mark or
//! its zero bytes, and the format by content.

use std::fmt;
use std::io;
use std::sync::Arc;

use super::input::{gzip_decoded_limit, DecodedLimit, Input, Transport};

/// An export to read: a path or named bytes.
///
/// ```
/// use usertype_audit::read::source::InputSource;
///
/// let file = InputSource::path("onprem.ldf");
/// let held = InputSource::bytes("graph-users.json", br#"{"value":[]}"#.to_vec());
/// assert_eq!(file.name(), "onprem.ldf");
/// assert_eq!(held.name(), "graph-users.json");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum InputSource {
    /// A file, opened (memory-mapped when it can be) when the read starts;
    /// `-` is standard input.
    Path(String),
    /// Bytes held in memory, under a name that diagnostics and reports show
    /// where they would show a path.
    Bytes {
        /// The name shown for the input (`name:line` in diagnostics and findings).
        name: Arc<str>,
        /// The export's bytes, as a file would hold them (gzip and UTF-16 included).
        bytes: Arc<[u8]>,
    },
}

impl InputSource {
    /// A file (`-` for standard input).
    pub fn path(path: impl Into<String>) -> InputSource {
        InputSource::Path(path.into())
    }

    /// Bytes held in memory, shown as `name` (a `Vec<u8>`, a `&[u8]` or an
    /// `Arc<[u8]>`; an `Arc` is shared, not copied).
    pub fn bytes(name: impl Into<Arc<str>>, bytes: impl Into<Arc<[u8]>>) -> InputSource {
        InputSource::Bytes {
            name: name.into(),
            bytes: bytes.into(),
        }
    }

    /// The name diagnostics and reports show: the path, or the name given.
    pub fn name(&self) -> &str {
        match self {
            InputSource::Path(path) => path,
            InputSource::Bytes { name, .. } => name,
        }
    }

    /// The bytes, for an in-memory source.
    pub fn held_bytes(&self) -> Option<&Arc<[u8]>> {
        match self {
            InputSource::Path(_) => None,
            InputSource::Bytes { bytes, .. } => Some(bytes),
        }
    }

    /// Opens the input for reading. Fails when a file cannot be opened, or
    /// when a gzip stream is broken before its first bytes.
    pub fn open(&self) -> io::Result<Input> {
        match self {
            InputSource::Path(path) => Input::open(path),
            InputSource::Bytes { name, bytes } => open_bytes(name, bytes.clone()),
        }
    }
}

impl fmt::Debug for InputSource {
    // The bytes of an export would drown any debug output: their length says enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputSource::Path(path) => f.debug_tuple("Path").field(path).finish(),
            InputSource::Bytes { name, bytes } => f
                .debug_struct("Bytes")
                .field("name", name)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

/// Opens bytes held in memory as [`Input::open`] opens a file: gzip (with the
/// same decoded-size limit as a file of that size) and UTF-16 are decoded
/// while streaming. The bytes are read through a shared cursor, not copied.
fn open_bytes(name: &str, bytes: Arc<[u8]>) -> io::Result<Input> {
    let size = bytes.len() as u64;
    let cursor = io::Cursor::new(bytes);
    if cursor.get_ref().starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::MultiGzDecoder::new(cursor);
        let gz = DecodedLimit::new(gz, gzip_decoded_limit(Some(size)));
        return Input::from_reader(name, Box::new(gz), Transport::Gzip, None);
    }
    Input::from_reader(name, Box::new(cursor), Transport::Stream, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::input::Encoding;
    use std::io::Read;

    fn read_all(source: &InputSource) -> (Input, Vec<u8>) {
        let mut input = source.open().expect("open");
        let mut out = Vec::new();
        match &mut input.body {
            crate::read::input::Body::Stream(r) => {
                r.read_to_end(&mut out).expect("read");
            }
            crate::read::input::Body::Mapped { .. } => panic!("bytes are streamed"),
        }
        (input, out)
    }

    #[test]
    fn plain_bytes_read_as_they_are() {
        let (input, text) = read_all(&InputSource::bytes("a.ldf", &b"dn: CN=a\n"[..]));
        assert_eq!(&*input.name, "a.ldf");
        assert_eq!(input.transport, Transport::Stream);
        assert_eq!(input.encoding, Encoding::Utf8);
        assert_eq!(text, b"dn: CN=a\n");
    }

    #[test]
    fn utf16_bytes_are_transcoded() {
        // "dn" in UTF-16LE with its byte-order mark, as `ldifde -u` writes it.
        let utf16 = vec![0xFF, 0xFE, b'd', 0, b'n', 0];
        let (input, text) = read_all(&InputSource::bytes("u.ldf", utf16));
        assert_eq!(input.encoding, Encoding::Utf16Le);
        assert_eq!(text, b"dn");
    }

    #[test]
    fn gzip_bytes_are_decompressed() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{\"value\":[]}").expect("compress");
        let packed = gz.finish().expect("compress");
        let (input, text) = read_all(&InputSource::bytes("g.json.gz", packed));
        assert_eq!(input.transport, Transport::Gzip);
        assert_eq!(text, b"{\"value\":[]}");
    }

    #[test]
    fn a_broken_gzip_header_is_an_error_not_a_panic() {
        let source = InputSource::bytes("bad.gz", vec![0x1f, 0x8b, 0xff, 0x00, 0x01]);
        assert!(source.open().is_err());
    }

    #[test]
    fn empty_bytes_are_an_empty_input() {
        let (input, text) = read_all(&InputSource::bytes("empty.ldf", Vec::new()));
        assert_eq!(input.encoding, Encoding::Utf8);
        assert!(text.is_empty());
    }

    #[test]
    fn debug_shows_the_length_not_the_bytes() {
        let s = format!("{:?}", InputSource::bytes("x", vec![7u8; 1000]));
        assert_eq!(s, r#"Bytes { name: "x", len: 1000 }"#);
    }
}
