//! Opening an export: a memory-mapped file, standard input (`-`) or a `.gz`
//! stream, with the text encoding sniffed from its first bytes.
//!
//! Readers downstream always see UTF-8 (or bytes that claim to be): a UTF-8
//! byte-order mark is skipped and UTF-16 with a byte-order mark (what
//! `ldifde -u` and `csvde -u` write) is transcoded while streaming. Line feeds
//! map one to one, so line numbers stay those of the original file.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use memmap2::Mmap;

use super::digest::Digest;

/// The text encoding of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8 (or ASCII) without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (skipped).
    Utf8Bom,
    /// UTF-16 little-endian (with a byte-order mark, or recognised by its zero bytes).
    Utf16Le,
    /// UTF-16 big-endian.
    Utf16Be,
}

impl Encoding {
    /// Sniffs the encoding from the first bytes; returns it and the length of the BOM.
    pub fn sniff(head: &[u8]) -> (Encoding, usize) {
        match head {
            [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8Bom, 3),
            [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
            [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
            // No BOM, but ASCII text in UTF-16 shows as alternating zero bytes.
            [a, 0, b, 0, ..] if *a != 0 && *b != 0 => (Encoding::Utf16Le, 0),
            [0, a, 0, b, ..] if *a != 0 && *b != 0 => (Encoding::Utf16Be, 0),
            _ => (Encoding::Utf8, 0),
        }
    }

    /// Whether the input is transcoded from UTF-16.
    pub fn is_utf16(self) -> bool {
        matches!(self, Encoding::Utf16Le | Encoding::Utf16Be)
    }
}

/// How an input reaches the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// A memory-mapped file.
    Mapped,
    /// A file or pipe read as a stream (standard input, or a file that cannot be mapped).
    Stream,
    /// A gzip file decompressed while streaming.
    Gzip,
}

/// Problems found while transcoding, reported by the reader as diagnostics.
#[derive(Debug, Default)]
pub struct TranscodeProblems {
    /// Number of invalid code units (unpaired surrogates, odd final byte).
    pub count: u64,
    /// 1-based line of the first problem.
    pub first_line: Option<u64>,
}

/// The bytes of an opened input.
pub enum Body {
    /// The whole (decoded) input is in memory or mapped; `start` skips a BOM.
    Mapped {
        /// The mapping (shared with whoever else reads the file, such as the
        /// audit's hashing thread: one mapping, each page faulted in once).
        map: Arc<Mmap>,
        /// Offset of the first byte after any BOM.
        start: usize,
    },
    /// The input is read as a stream of UTF-8 bytes.
    Stream(Box<dyn Read + Send>),
}

/// An opened input.
pub struct Input {
    /// The name as the user gave it (`-` for standard input).
    pub name: Arc<str>,
    /// The encoding found.
    pub encoding: Encoding,
    /// How it is read.
    pub transport: Transport,
    /// Size of the file on disk, when it is a file.
    pub size_on_disk: Option<u64>,
    /// The bytes.
    pub body: Body,
    /// Transcoding problems (filled while a UTF-16 stream is read).
    pub problems: Arc<Mutex<TranscodeProblems>>,
    /// The file's hash, computed by the reader as it goes (see [`Input::digest`]).
    pub digest: Option<Arc<Digest>>,
}

impl Input {
    /// Opens `path`; `-` is standard input. Gzip is recognised by its magic bytes.
    pub fn open(path: &str) -> io::Result<Input> {
        if path == "-" {
            return Input::from_reader("-", Box::new(io::stdin()), Transport::Stream, None);
        }
        let mut file = File::open(Path::new(path))?;
        let meta = file.metadata()?;
        let size = meta.is_file().then_some(meta.len());
        let mut magic = [0u8; 2];
        let n = read_up_to(&mut file, &mut magic)?;
        // The bytes read to sniff, then the rest: a pipe, a FIFO or
        // /dev/stdin cannot be opened again without losing them.
        let whole = |file: File| io::Cursor::new(magic[..n].to_vec()).chain(file);
        if n == 2 && magic == [0x1f, 0x8b] {
            let gz = flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(
                1 << 20,
                whole(file),
            ));
            let gz = DecodedLimit::new(gz, gzip_decoded_limit(size));
            return Input::from_reader(path, Box::new(gz), Transport::Gzip, size);
        }
        if size.is_some_and(|s| s > 0) {
            // SAFETY: the map is read-only. Another process truncating the file
            // while we read it could fault; that is the accepted trade-off of
            // every mmap-based reader (ripgrep documents the same).
            if let Ok(map) = unsafe { Mmap::map(&file) } {
                #[cfg(unix)]
                let _ = map.advise(memmap2::Advice::Sequential);
                let (encoding, bom) = Encoding::sniff(&map[..map.len().min(4)]);
                let name: Arc<str> = path.into();
                if encoding.is_utf16() {
                    let problems = Arc::new(Mutex::new(TranscodeProblems::default()));
                    let reader = Utf16ToUtf8::new(
                        io::Cursor::new(map),
                        encoding == Encoding::Utf16Le,
                        bom,
                        problems.clone(),
                    );
                    return Ok(Input {
                        name,
                        encoding,
                        transport: Transport::Mapped,
                        size_on_disk: size,
                        body: Body::Stream(Box::new(reader)),
                        problems,
                        digest: None,
                    });
                }
                return Ok(Input {
                    name,
                    encoding,
                    transport: Transport::Mapped,
                    size_on_disk: size,
                    body: Body::Mapped {
                        map: Arc::new(map),
                        start: bom,
                    },
                    problems: Arc::default(),
                    digest: None,
                });
            }
        }
        Input::from_reader(path, Box::new(whole(file)), Transport::Stream, size)
    }

    /// An input over any reader (sniffs the encoding from its first bytes).
    pub fn from_reader(
        name: &str,
        mut reader: Box<dyn Read + Send>,
        transport: Transport,
        size_on_disk: Option<u64>,
    ) -> io::Result<Input> {
        let mut head = [0u8; 4];
        let n = read_up_to(&mut reader, &mut head)?;
        let (encoding, bom) = Encoding::sniff(&head[..n]);
        let rest = io::Cursor::new(head[bom..n].to_vec()).chain(reader);
        let problems = Arc::new(Mutex::new(TranscodeProblems::default()));
        let body: Box<dyn Read + Send> = if encoding.is_utf16() {
            Box::new(Utf16ToUtf8::new(
                rest,
                encoding == Encoding::Utf16Le,
                0,
                problems.clone(),
            ))
        } else {
            Box::new(rest)
        };
        Ok(Input {
            name: name.into(),
            encoding,
            transport,
            size_on_disk,
            body: Body::Stream(body),
            problems,
            digest: None,
        })
    }

    /// Whether the input is read from a map as it is (not a stream).
    pub fn is_mapped(&self) -> bool {
        matches!(self.body, Body::Mapped { .. })
    }

    /// The total for a progress bar counting the bytes the readers report:
    /// the file's size when they read it as it is (mapped). A gzip or UTF-16
    /// stream yields more or fewer bytes than the file holds, so it gets no
    /// total (a count without a bar).
    pub fn progress_total(&self) -> Option<u64> {
        self.size_on_disk.filter(|_| self.is_mapped())
    }

    /// Has the reader compute the file's BLAKE3 hash as it reads (see
    /// [`Digest`]); call [`Digest::finish`] once the read is done. None
    /// when the input is not read from a map as it is (standard input, gzip,
    /// UTF-16): hash the file some other way.
    pub fn digest(&mut self) -> Option<Arc<Digest>> {
        let Body::Mapped { map, .. } = &self.body else {
            return None;
        };
        Some(
            self.digest
                .get_or_insert_with(|| Arc::new(Digest::new(map.clone())))
                .clone(),
        )
    }

    /// The first `n` decoded bytes (fewer at the end of input), without
    /// consuming them: a stream is read ahead and the bytes put back.
    pub fn peek(&mut self, n: usize) -> io::Result<Vec<u8>> {
        match &mut self.body {
            Body::Mapped { map, start } => Ok(map[*start..(*start + n).min(map.len())].to_vec()),
            Body::Stream(reader) => {
                let mut head = vec![0; n];
                let mut got = 0;
                // A stream that fails within the first `n` bytes (a short cut
                // `.gz`) still shows what it decoded; the error is put back
                // after those bytes, so the reader meets it where it happened
                // and reports it as a diagnostic.
                let mut failed = None;
                while got < n {
                    match reader.read(&mut head[got..]) {
                        Ok(0) => break,
                        Ok(k) => got += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                head.truncate(got);
                let rest: Box<dyn Read + Send> = match failed {
                    Some(e) => Box::new(FailOnce(Some(e))),
                    None => std::mem::replace(reader, Box::new(io::empty())),
                };
                *reader = Box::new(io::Cursor::new(head.clone()).chain(rest));
                Ok(head)
            }
        }
    }

    /// An input over bytes held in memory (tests, fuzzing, embedding).
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Input {
        // Reading from a slice cannot fail.
        let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(bytes.to_vec()));
        match Input::from_reader(name, reader, Transport::Stream, Some(bytes.len() as u64)) {
            Ok(input) => input,
            Err(_) => unreachable!("reading from memory cannot fail"),
        }
    }
}

/// A reader that gives one stored error, then end of input.
struct FailOnce(Option<io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// Asks the kernel to start reading the mapped ones of `inputs` into the
/// page cache now, one after the other in the order given: a file read later
/// (the audit reads the cloud export first) then comes off the disk while the
/// CPU works on the others. Cheap for files cached already. Returns at once:
/// the advice is given on a thread of its own (none if it cannot be started).
pub fn prefetch<'a>(inputs: impl IntoIterator<Item = &'a Input>) {
    let maps: Vec<Arc<Mmap>> = inputs
        .into_iter()
        .filter_map(|input| match &input.body {
            Body::Mapped { map, .. } => Some(map.clone()),
            Body::Stream(_) => None,
        })
        .collect();
    #[cfg(unix)]
    if !maps.is_empty() {
        let _ = std::thread::Builder::new()
            .name("prefetch".into())
            .spawn(move || {
                for map in maps {
                    let _ = map.advise(memmap2::Advice::WillNeed);
                }
            });
    }
}

/// How many bytes a gzip file may decode to per byte it holds. Exports
/// compress about 10:1 (JSON, LDIF and CSV repeat their names); a stream
/// that expands far more is a decompression bomb.
pub const GZIP_MAX_RATIO: u64 = 100;
/// A gzip file may always decode to this many bytes, whatever its size.
pub const GZIP_MIN_DECODED_LIMIT: u64 = 64 << 20;
/// The decoded-size limit of a gzip stream whose size is unknown (a pipe).
pub const GZIP_UNSIZED_DECODED_LIMIT: u64 = 4 << 30;

/// The decoded-size limit of a gzip file of `size` bytes (see [`GZIP_MAX_RATIO`]).
pub fn gzip_decoded_limit(size: Option<u64>) -> u64 {
    match size {
        Some(size) => size
            .saturating_mul(GZIP_MAX_RATIO)
            .max(GZIP_MIN_DECODED_LIMIT),
        None => GZIP_UNSIZED_DECODED_LIMIT,
    }
}

/// The error a gzip stream gives past its decoded-size limit (inside an
/// [`io::Error`]; see [`read_error_kind`]).
#[derive(Debug)]
pub struct DecompressionLimitExceeded {
    /// The limit, in decoded bytes.
    pub limit: u64,
}

impl std::fmt::Display for DecompressionLimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "decompression_limit: the gzip stream decodes to more than {} bytes ({GZIP_MAX_RATIO} times \
             its size, at least {} MiB): a decompression bomb, or an export that compresses \
             unusually well; if you trust the file, decompress it yourself and give the plain file",
            self.limit,
            GZIP_MIN_DECODED_LIMIT >> 20
        )
    }
}

impl std::error::Error for DecompressionLimitExceeded {}

/// The diagnostic kind of an error met while reading an input's stream: a
/// stream that ends early (a cut `.gz`) is `truncated_input`, a gzip bomb
/// `decompression_limit`, anything else (a failed CRC, a disk error) `io`.
pub fn read_error_kind(e: &io::Error) -> crate::diag::DiagKind {
    use crate::diag::DiagKind;
    if e.get_ref()
        .is_some_and(|inner| inner.is::<DecompressionLimitExceeded>())
    {
        DiagKind::DecompressionLimit
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        DiagKind::TruncatedInput
    } else {
        DiagKind::Io
    }
}

/// Fails a reader once it has yielded more than `limit` bytes.
pub struct DecodedLimit<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> DecodedLimit<R> {
    /// Wraps `inner`, allowing it `limit` bytes.
    pub fn new(inner: R, limit: u64) -> Self {
        DecodedLimit {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: Read> Read for DecodedLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One more byte tells a stream that ends exactly at the limit
            // from one that goes on.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(DecompressionLimitExceeded {
                    limit: self.limit,
                })),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads until `buf` is full or the reader ends; returns the bytes read.
pub fn read_up_to<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Transcodes UTF-16 to UTF-8 while streaming. Invalid code units become
/// U+FFFD and are counted in [`TranscodeProblems`] with their line.
pub struct Utf16ToUtf8<R> {
    inner: R,
    little_endian: bool,
    skip: usize,
    raw: Vec<u8>,
    raw_len: usize,
    out: Vec<u8>,
    out_pos: usize,
    pending_high: Option<u16>,
    eof: bool,
    line: u64,
    problems: Arc<Mutex<TranscodeProblems>>,
}

impl<R: Read> Utf16ToUtf8<R> {
    /// Wraps `inner`, skipping its first `skip` bytes (a BOM).
    pub fn new(
        inner: R,
        little_endian: bool,
        skip: usize,
        problems: Arc<Mutex<TranscodeProblems>>,
    ) -> Self {
        Utf16ToUtf8 {
            inner,
            little_endian,
            skip,
            raw: vec![0; 64 << 10],
            raw_len: 0,
            out: Vec::with_capacity(96 << 10),
            out_pos: 0,
            pending_high: None,
            eof: false,
            line: 1,
            problems,
        }
    }

    fn problem(&mut self) {
        if let Ok(mut p) = self.problems.lock() {
            p.count += 1;
            p.first_line.get_or_insert(self.line);
        }
    }

    fn push_char(&mut self, c: char) {
        if c == '\n' {
            self.line += 1;
        }
        let mut buf = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    /// Decodes the next block into `out`. Returns false at the end.
    fn fill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            if self.eof {
                return Ok(false);
            }
            let n = self.inner.read(&mut self.raw[self.raw_len..])?;
            if n == 0 {
                self.eof = true;
                if self.pending_high.take().is_some() {
                    self.problem();
                    self.push_char(char::REPLACEMENT_CHARACTER);
                }
                if self.raw_len > self.skip {
                    self.problem();
                    self.push_char(char::REPLACEMENT_CHARACTER);
                }
                continue;
            }
            self.raw_len += n;
            let mut i = 0;
            if self.skip > 0 {
                let k = self.skip.min(self.raw_len);
                self.skip -= k;
                i = k;
            }
            while i + 1 < self.raw_len {
                let pair = [self.raw[i], self.raw[i + 1]];
                i += 2;
                let unit = if self.little_endian {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                };
                // ASCII fast path.
                if unit < 0x80 && self.pending_high.is_none() {
                    if unit == u16::from(b'\n') {
                        self.line += 1;
                    }
                    self.out.push(unit as u8);
                    continue;
                }
                match (self.pending_high.take(), unit) {
                    (Some(high), 0xDC00..=0xDFFF) => {
                        let c = 0x10000
                            + ((u32::from(high) - 0xD800) << 10)
                            + (u32::from(unit) - 0xDC00);
                        self.push_char(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    (pending, _) => {
                        if pending.is_some() {
                            self.problem();
                            self.push_char(char::REPLACEMENT_CHARACTER);
                        }
                        match unit {
                            0xD800..=0xDBFF => self.pending_high = Some(unit),
                            0xDC00..=0xDFFF => {
                                self.problem();
                                self.push_char(char::REPLACEMENT_CHARACTER);
                            }
                            _ => {
                                let c = char::from_u32(u32::from(unit))
                                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                                self.push_char(c);
                            }
                        }
                    }
                }
            }
            // Keep an odd trailing byte for the next read.
            let left = self.raw_len - i;
            self.raw.copy_within(i..self.raw_len, 0);
            self.raw_len = left;
        }
        Ok(true)
    }
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() && !self.fill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcode(bytes: &[u8], le: bool) -> (String, u64) {
        let problems = Arc::new(Mutex::new(TranscodeProblems::default()));
        let mut r = Utf16ToUtf8::new(io::Cursor::new(bytes.to_vec()), le, 0, problems.clone());
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        let count = problems.lock().unwrap().count;
        (String::from_utf8(out).unwrap(), count)
    }

    #[test]
    fn utf16le_with_surrogate_pair() {
        // "a\n😀" = 61 00 0a 00 3d d8 00 de
        let (s, bad) = transcode(&[0x61, 0, 0x0a, 0, 0x3d, 0xd8, 0x00, 0xde], true);
        assert_eq!(s, "a\n\u{1F600}");
        assert_eq!(bad, 0);
    }

    #[test]
    fn utf16be_unpaired_surrogate_is_counted() {
        let (s, bad) = transcode(&[0x00, 0x61, 0xd8, 0x3d, 0x00, 0x62], false);
        assert_eq!(s, "a\u{FFFD}b");
        assert_eq!(bad, 1);
    }

    #[test]
    fn odd_final_byte_is_counted() {
        let (s, bad) = transcode(&[0x61, 0x00, 0x62], true);
        assert_eq!(s, "a\u{FFFD}");
        assert_eq!(bad, 1);
    }

    #[test]
    fn a_stream_past_its_decoded_limit_fails_with_decompression_limit() {
        let limited = |data: &[u8], limit: u64| {
            let mut out = Vec::new();
            let r = DecodedLimit::new(io::Cursor::new(data.to_vec()), limit).read_to_end(&mut out);
            (r, out.len())
        };
        // Exactly at the limit: read whole.
        let (r, n) = limited(&[b' '; 100], 100);
        assert_eq!((r.ok(), n), (Some(100), 100));
        // One byte more: an error naming the kind, after `limit` bytes.
        let (r, n) = limited(&[b' '; 101], 100);
        let e = r.expect_err("over the limit");
        assert_eq!(
            read_error_kind(&e),
            crate::diag::DiagKind::DecompressionLimit
        );
        assert!(e.to_string().starts_with("decompression_limit:"), "{e}");
        assert_eq!(n, 100);
        let cut = io::Error::new(io::ErrorKind::UnexpectedEof, "incomplete deflate stream");
        assert_eq!(read_error_kind(&cut), crate::diag::DiagKind::TruncatedInput);
        assert_eq!(
            read_error_kind(&io::Error::other("corrupt")),
            crate::diag::DiagKind::Io
        );
    }

    #[test]
    fn the_gzip_limit_follows_the_file_size() {
        assert_eq!(gzip_decoded_limit(Some(1 << 20)), 100 << 20);
        assert_eq!(gzip_decoded_limit(Some(10)), GZIP_MIN_DECODED_LIMIT);
        assert_eq!(gzip_decoded_limit(None), GZIP_UNSIZED_DECODED_LIMIT);
        assert_eq!(gzip_decoded_limit(Some(u64::MAX)), u64::MAX);
    }

    #[test]
    fn sniffing() {
        assert_eq!(Encoding::sniff(b"\xef\xbb\xbfdn"), (Encoding::Utf8Bom, 3));
        assert_eq!(Encoding::sniff(b"\xff\xfed\x00"), (Encoding::Utf16Le, 2));
        assert_eq!(Encoding::sniff(b"\xfe\xff\x00d"), (Encoding::Utf16Be, 2));
        assert_eq!(Encoding::sniff(b"d\x00n\x00"), (Encoding::Utf16Le, 0));
        assert_eq!(Encoding::sniff(b"dn: "), (Encoding::Utf8, 0));
        assert_eq!(Encoding::sniff(b""), (Encoding::Utf8, 0));
    }
}
