//! The inputs' BLAKE3 hashes for the summary. The readers hash the files they
//! read from a map as they go (see `read::digest`): the bytes are then in
//! cache, and the files are not walked a second time. The other inputs (gzip,
//! UTF-16, bytes held in memory) and the rule file are hashed on a thread of
//! their own; a pipe cannot be read twice and is not hashed at all.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::read::digest::Digest;
use crate::read::input::Input;
use crate::read::InputSource;

/// Hashes under way, by input name.
pub(super) struct InputHashes {
    /// Hashes the readers compute as they read.
    streamed: Vec<(String, Arc<Digest>)>,
    /// Hashes computed on a thread of their own.
    whole: Background<Vec<(String, String)>>,
}

/// One input to hash apart from its read.
enum HashJob {
    File(String),
    Bytes(String, Arc<[u8]>),
}

impl HashJob {
    /// The job for an input the readers do not hash (a file's or held bytes').
    fn for_source(source: &InputSource, input: &Input) -> Option<HashJob> {
        match source {
            InputSource::Bytes { name, bytes } => {
                Some(HashJob::Bytes(name.to_string(), bytes.clone()))
            }
            InputSource::Path(path) => input.size_on_disk.map(|_| HashJob::File(path.clone())),
        }
    }

    /// The rule file's job.
    fn for_rules(rules: &InputSource) -> HashJob {
        match rules {
            InputSource::Path(path) => HashJob::File(path.clone()),
            InputSource::Bytes { name, bytes } => HashJob::Bytes(name.to_string(), bytes.clone()),
        }
    }

    fn run(self) -> Option<(String, String)> {
        match self {
            HashJob::File(path) => hash_file(&path).map(|hash| (path, hash)),
            HashJob::Bytes(name, bytes) => Some((name, blake3::hash(&bytes).to_hex().to_string())),
        }
    }
}

impl InputHashes {
    /// Starts hashing `inputs` (each with its source) and the rule file;
    /// nothing is hashed when `enabled` is false.
    pub(super) fn start<'a>(
        inputs: impl Iterator<Item = (&'a InputSource, &'a mut Input)>,
        rules: &InputSource,
        enabled: bool,
    ) -> InputHashes {
        let mut streamed = Vec::new();
        let mut jobs = Vec::new();
        if enabled {
            for (source, input) in inputs {
                match input.digest() {
                    Some(d) => streamed.push((source.name().to_string(), d)),
                    None => jobs.extend(HashJob::for_source(source, input)),
                }
            }
            jobs.push(HashJob::for_rules(rules));
        }
        let whole = Background::start("hash-files", move || {
            jobs.into_iter().filter_map(HashJob::run).collect()
        });
        InputHashes { streamed, whole }
    }

    /// The hashes the readers computed; call once every input has been read.
    pub(super) fn take_streamed(&mut self) -> BTreeMap<String, String> {
        let streamed = std::mem::take(&mut self.streamed);
        let hashes = streamed
            .iter()
            .map(|(name, digest)| (name.clone(), digest.finish()))
            .collect();
        // The digests hold the last references to the inputs' maps: unmapping
        // gigabytes takes the kernel a while, which the rest of the audit need
        // not wait for.
        Background::start("unmap", move || drop(streamed));
        hashes
    }

    /// The hashes computed apart (waits for them).
    pub(super) fn finish(self) -> Vec<(String, String)> {
        self.whole.finish()
    }
}

/// Work on a thread of its own, or done on the spot when no thread can be
/// started.
enum Background<T> {
    Thread(std::thread::JoinHandle<Option<T>>),
    Done(Option<T>),
}

impl<T: Send + Default + 'static> Background<T> {
    fn start<F: FnOnce() -> T + Send + 'static>(name: &str, work: F) -> Background<T> {
        // Shared, so that the work can still be done here if the thread
        // cannot be started (spawning consumes its closure).
        let slot = Arc::new(std::sync::Mutex::new(Some(work)));
        let theirs = slot.clone();
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || theirs.lock().ok().and_then(|mut w| w.take()).map(|w| w()));
        match spawned {
            Ok(handle) => Background::Thread(handle),
            Err(_) => Background::Done(slot.lock().ok().and_then(|mut w| w.take()).map(|w| w())),
        }
    }

    /// The work's result (the default if it panicked).
    fn finish(self) -> T {
        match self {
            Background::Thread(handle) => handle.join().ok().flatten(),
            Background::Done(result) => result,
        }
        .unwrap_or_default()
    }
}

/// BLAKE3 of a regular file; None for anything else (standard input, a pipe
/// or a FIFO cannot be read a second time) or when it cannot be read.
fn hash_file(path: &str) -> Option<String> {
    if path == "-" || !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut hasher = blake3::Hasher::new();
    // SAFETY: as for the readers' inputs (see `read::input`), the export is
    // assumed not to change while it is audited; it is only read.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => {
            hasher.update(&map);
        }
        Err(_) => {
            hasher.update_reader(file).ok()?;
        }
    }
    Some(hasher.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_bytes_and_the_rules_are_hashed_apart() {
        let source = InputSource::bytes("held.ldf", &b"dn: CN=a\n"[..]);
        let mut input = source.open().expect("open");
        let rules = InputSource::bytes("rules.toml", &b"x"[..]);
        let mut hashes = InputHashes::start(std::iter::once((&source, &mut input)), &rules, true);
        assert!(hashes.take_streamed().is_empty());
        let mut whole = hashes.finish();
        whole.sort();
        // The blake3 crate's own hash of the same bytes: what `b3sum` prints.
        assert_eq!(
            whole,
            vec![
                (
                    "held.ldf".to_string(),
                    blake3::hash(b"dn: CN=a\n").to_hex().to_string()
                ),
                (
                    "rules.toml".to_string(),
                    blake3::hash(b"x").to_hex().to_string()
                ),
            ]
        );
    }

    #[test]
    fn nothing_is_hashed_when_not_asked() {
        let source = InputSource::bytes("held.ldf", &b"dn: CN=a\n"[..]);
        let mut input = source.open().expect("open");
        let rules = InputSource::path("rules.toml");
        let hashes = InputHashes::start(std::iter::once((&source, &mut input)), &rules, false);
        assert!(hashes.finish().is_empty());
    }
}
