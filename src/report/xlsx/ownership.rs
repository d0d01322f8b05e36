//! Whether a `report.xlsx` is one this tool wrote: its `docProps/core.xml`
//! names [`super::AUTHOR`] as the creator. The zip is read by hand, a bounded
//! amount: the end record, a central directory of at most 1 MiB, and one
//! entry of at most 64 KiB (compressed and inflated).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use flate2::read::DeflateDecoder;

/// The entry that holds the author.
const CORE: &[u8] = b"docProps/core.xml";

const MAX_DIRECTORY: u64 = 1 << 20;
const MAX_ENTRY: u64 = 64 << 10;
/// The end record (22 bytes) and the longest zip comment.
const MAX_TAIL: u64 = 22 + 0xFFFF;

/// Whether the file at `path` is a workbook this tool wrote (the caller has
/// checked that it is a regular file).
pub fn is_own_xlsx(path: &Path) -> bool {
    let Some(core) = read_entry(path, CORE, MAX_ENTRY) else {
        return false;
    };
    let creator = format!("<dc:creator>{}</dc:creator>", super::AUTHOR);
    String::from_utf8_lossy(&core).contains(&creator)
}

fn u16_at(b: &[u8], at: usize) -> Option<u64> {
    let v: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(u64::from(u16::from_le_bytes(v)))
}

fn u32_at(b: &[u8], at: usize) -> Option<u64> {
    let v: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(v)))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let v: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(v))
}

fn read_at(file: &mut File, at: u64, len: u64) -> Option<Vec<u8>> {
    file.seek(SeekFrom::Start(at)).ok()?;
    let mut buf = Vec::with_capacity(usize::try_from(len).ok()?);
    file.take(len).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 == len).then_some(buf)
}

/// The inflated entry `name`, or None when the file is no zip this reader
/// understands or the entry is missing or larger than `max` bytes.
pub(crate) fn read_entry(path: &Path, name: &[u8], max: u64) -> Option<Vec<u8>> {
    let mut file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let tail_len = size.min(MAX_TAIL);
    let tail_at = size - tail_len;
    let tail = read_at(&mut file, tail_at, tail_len)?;
    // The end record: its signature, with its comment reaching the end.
    let end = (0..tail.len().saturating_sub(21)).rev().find(|&at| {
        tail.get(at..at + 4) == Some(b"PK\x05\x06")
            && u16_at(&tail, at + 20).is_some_and(|c| at as u64 + 22 + c == tail_len)
    })?;
    let (mut dir_len, mut dir_at) = (u32_at(&tail, end + 12)?, u32_at(&tail, end + 16)?);
    if dir_len == 0xFFFF_FFFF || dir_at == 0xFFFF_FFFF {
        (dir_len, dir_at) = zip64_directory(&mut file, &tail, tail_at, end)?;
    }
    if dir_len > MAX_DIRECTORY {
        return None;
    }
    let dir = read_at(&mut file, dir_at, dir_len)?;
    let (method, packed, local_at) = find_entry(&dir, name)?;
    if packed > max {
        return None;
    }
    let local = read_at(&mut file, local_at, 30)?;
    if local.get(..4) != Some(b"PK\x03\x04") {
        return None;
    }
    let data_at = local_at + 30 + u16_at(&local, 26)? + u16_at(&local, 28)?;
    let data = read_at(&mut file, data_at, packed)?;
    let mut out = Vec::new();
    match method {
        0 => out = data,
        8 => {
            DeflateDecoder::new(data.as_slice())
                .take(max)
                .read_to_end(&mut out)
                .ok()?;
        }
        _ => return None,
    }
    Some(out)
}

/// The central directory's length and offset from the ZIP64 end record,
/// found through its locator right before the end record.
fn zip64_directory(file: &mut File, tail: &[u8], tail_at: u64, end: usize) -> Option<(u64, u64)> {
    let locator = tail.get(end.checked_sub(20)?..end)?;
    if locator.get(..4) != Some(b"PK\x06\x07") {
        return None;
    }
    let record_at = u64_at(locator, 8)?;
    if record_at >= tail_at + end as u64 {
        return None;
    }
    let record = read_at(file, record_at, 56)?;
    if record.get(..4) != Some(b"PK\x06\x06") {
        return None;
    }
    Some((u64_at(&record, 40)?, u64_at(&record, 48)?))
}

/// The compression method, compressed size and local header offset of the
/// entry called `name` in the central directory `dir`.
fn find_entry(dir: &[u8], name: &[u8]) -> Option<(u64, u64, u64)> {
    let mut at = 0usize;
    while dir.get(at..at + 4) == Some(b"PK\x01\x02") {
        let name_len = usize::from(u16::try_from(u16_at(dir, at + 28)?).ok()?);
        let extra_len = usize::from(u16::try_from(u16_at(dir, at + 30)?).ok()?);
        let comment_len = usize::from(u16::try_from(u16_at(dir, at + 32)?).ok()?);
        let start = at + 46;
        if dir.get(start..start + name_len) == Some(name) {
            let method = u16_at(dir, at + 10)?;
            let mut packed = u32_at(dir, at + 20)?;
            let unpacked = u32_at(dir, at + 24)?;
            let mut local_at = u32_at(dir, at + 42)?;
            let extra = dir.get(start + name_len..start + name_len + extra_len)?;
            if packed == 0xFFFF_FFFF || local_at == 0xFFFF_FFFF {
                (packed, local_at) = zip64_extra(extra, unpacked, packed, local_at)?;
            }
            return Some((method, packed, local_at));
        }
        at = start + name_len + extra_len + comment_len;
    }
    None
}

/// The compressed size and local offset from an entry's ZIP64 extra field
/// (id 1), whose values appear only for the fields marked `0xFFFFFFFF`.
fn zip64_extra(extra: &[u8], unpacked: u64, packed: u64, local_at: u64) -> Option<(u64, u64)> {
    let mut at = 0usize;
    while let (Some(id), Some(len)) = (u16_at(extra, at), u16_at(extra, at + 2)) {
        let body = extra.get(at + 4..at + 4 + usize::try_from(len).ok()?)?;
        if id == 1 {
            let mut fields = (0..).map(|i| u64_at(body, i * 8));
            if unpacked == 0xFFFF_FFFF {
                fields.next()?;
            }
            let packed = if packed == 0xFFFF_FFFF {
                fields.next()??
            } else {
                packed
            };
            let local_at = if local_at == 0xFFFF_FFFF {
                fields.next()??
            } else {
                local_at
            };
            return Some((packed, local_at));
        }
        at += 4 + usize::try_from(len).ok()?;
    }
    None
}
