//! Output safety: every path the tool writes is checked against every input
//! before anything is opened for writing, and files are written through a
//! temporary file that becomes visible only when complete.
//!
//! Two paths name the same file when both exist and have the same device and
//! inode (a hard link or a symbolic link to an input is caught that way);
//! a path that does not exist yet is compared by its canonical parent folder
//! and its file name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// What identifies a file: device and inode where the platform has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId {
    device: u64,
    inode: u64,
}

impl FileId {
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId {
            device: meta.dev(),
            inode: meta.ino(),
        })
    }

    #[cfg(not(unix))]
    fn of(_: &fs::Metadata) -> Option<FileId> {
        None
    }
}

/// One input as given on the command line.
#[derive(Debug)]
struct InputFile {
    arg: String,
    id: Option<FileId>,
    canonical: Option<PathBuf>,
}

/// The files a run reads (exports and the rule file), to check outputs against.
#[derive(Debug, Default)]
pub(super) struct InputFiles {
    files: Vec<InputFile>,
}

impl InputFiles {
    /// The inputs named by `args`; `-` (standard input) is left out, and a
    /// path that cannot be looked at is kept by name only (its reader reports it).
    pub(super) fn new<'a>(args: impl IntoIterator<Item = &'a str>) -> InputFiles {
        let files = args
            .into_iter()
            .filter(|a| *a != "-")
            .map(|arg| InputFile {
                arg: arg.to_owned(),
                id: fs::metadata(arg).ok().as_ref().and_then(FileId::of),
                canonical: fs::canonicalize(arg).ok(),
            })
            .collect();
        InputFiles { files }
    }

    /// The argument of the input that `path` is the same file as, if any.
    pub(super) fn same_as(&self, path: &Path) -> Option<&str> {
        let id = fs::metadata(path).ok().as_ref().and_then(FileId::of);
        let canonical = canonical_path(path);
        self.files
            .iter()
            .find(|input| {
                (id.is_some() && input.id == id)
                    || (canonical.is_some() && input.canonical == canonical)
            })
            .map(|input| input.arg.as_str())
    }
}

/// Refuses to write to standard output when it is redirected to an input
/// (`>> export.ldf`): the output would grow the file being read.
pub(super) fn check_stdout(inputs: &InputFiles) -> anyhow::Result<()> {
    if let Some(id) = stdout_id() {
        if let Some(input) = inputs.files.iter().find(|i| i.id == Some(id)) {
            anyhow::bail!(
                "standard output is the input {}: writing it would change the input; \
                 redirect the output elsewhere",
                input.arg
            );
        }
    }
    Ok(())
}

/// The identity of the regular file standard output is redirected to.
#[cfg(unix)]
fn stdout_id() -> Option<FileId> {
    use std::os::fd::AsFd;
    let fd = io::stdout().as_fd().try_clone_to_owned().ok()?;
    let meta = File::from(fd).metadata().ok()?;
    if meta.is_file() {
        FileId::of(&meta)
    } else {
        None
    }
}

#[cfg(not(unix))]
fn stdout_id() -> Option<FileId> {
    None
}

/// `path` made absolute with links resolved; for a path that does not exist,
/// its canonical parent joined with its file name.
fn canonical_path(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::canonicalize(parent).ok().map(|p| p.join(name))
}

/// Refuses `path` as an output when it is an input or a symbolic link, or is
/// something else than a regular file; an existing regular file only with `force`.
fn check_output_path(
    path: &Path,
    inputs: &InputFiles,
    force: bool,
    flag: &str,
) -> anyhow::Result<()> {
    let shown = path.display();
    if let Some(input) = inputs.same_as(path) {
        anyhow::bail!(
            "{flag} {shown} is the input {input}: writing it would destroy the input; \
             give another path"
        );
    }
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => anyhow::bail!(
            "{flag} {shown} is a symbolic link: the tool never writes through one; \
             give the path of a new file"
        ),
        Ok(meta) if !meta.is_file() => anyhow::bail!(
            "{flag} {shown} exists and is not a regular file; give the path of a new file"
        ),
        Ok(_) if !force => anyhow::bail!(
            "{flag} {shown} already exists; give --force to replace it, or another path"
        ),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot look at {shown}")),
    }
}

/// The file an `-o/--output` value names; `-` (or no value) is standard
/// output, as `-` is standard input among the inputs.
pub(super) fn output_path(output: Option<&PathBuf>) -> Option<&Path> {
    output
        .map(PathBuf::as_path)
        .filter(|p| *p != Path::new("-"))
}

/// Refuses `--out -`: `-` means standard input or output everywhere else,
/// and a set of files cannot go there; silently creating a folder named `-`
/// would surprise.
pub(super) fn refuse_dash_folder(dir: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        dir != Path::new("-"),
        "--out - : --out is a folder for a set of files, which cannot go to standard \
         output; give a folder (./- for a folder named -)"
    );
    Ok(())
}

/// The hidden temporary name beside `target` that this process writes first.
pub(super) fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Opens `tmp` as a new file; a leftover of a crashed run with the same
/// process id (the name is ours) is replaced.
pub(super) fn create_temp(tmp: &Path) -> io::Result<File> {
    let open = || OpenOptions::new().write(true).create_new(true).open(tmp);
    match open() {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(tmp)?;
            open()
        }
        other => other,
    }
}

/// A file written by `classify --out` or `scan --output`: checked against the
/// inputs when created, written to a temporary file beside it, and put in
/// place by [`OutputFile::commit`]. Dropped without a commit, it leaves
/// nothing behind.
pub(super) struct OutputFile {
    target: PathBuf,
    tmp: PathBuf,
    writer: Option<BufWriter<File>>,
    force: bool,
}

impl OutputFile {
    /// Checks `target` (see the module doc; `flag` names the option in
    /// messages) and opens its temporary file.
    pub(super) fn create(
        target: &Path,
        inputs: &InputFiles,
        force: bool,
        flag: &str,
    ) -> anyhow::Result<OutputFile> {
        check_output_path(target, inputs, force, flag)?;
        let tmp = temp_path(target);
        let file = create_temp(&tmp).with_context(|| {
            format!(
                "cannot create {} (it is written to {} first; its folder must exist \
                 and be writable)",
                target.display(),
                tmp.display()
            )
        })?;
        Ok(OutputFile {
            target: target.to_owned(),
            tmp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            force,
        })
    }

    /// Flushes the file to disk and gives it its name. Without `--force` an
    /// existing file is never replaced, not even one that appeared meanwhile.
    pub(super) fn commit(mut self) -> anyhow::Result<()> {
        let shown = self.target.display().to_string();
        let writer = self.writer.take().context("output already committed")?;
        let file = writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {shown}"))?;
        file.sync_all()
            .with_context(|| format!("cannot write {shown}"))?;
        drop(file);
        if self.force {
            // A rename replaces a link itself, never what it points to.
            fs::rename(&self.tmp, &self.target)
                .with_context(|| format!("cannot rename the finished file to {shown}"))?;
        } else {
            // A hard link never replaces an existing name.
            match fs::hard_link(&self.tmp, &self.target) {
                Ok(()) => fs::remove_file(&self.tmp)
                    .with_context(|| format!("cannot remove {}", self.tmp.display()))?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => anyhow::bail!(
                    "{shown} appeared while the output was written; it was left as it is \
                     (give --force to replace it)"
                ),
                // A file system without hard links: rename, having checked the name is free.
                Err(_) => {
                    anyhow::ensure!(
                        fs::symlink_metadata(&self.target).is_err(),
                        "{shown} appeared while the output was written; it was left as it is"
                    );
                    fs::rename(&self.tmp, &self.target)
                        .with_context(|| format!("cannot rename the finished file to {shown}"))?;
                }
            }
        }
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.writer.as_mut() {
            Some(w) => w.write(buf),
            None => Err(io::Error::other("output already committed")),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self.writer.as_mut() {
            Some(w) => w.write_all(buf),
            None => Err(io::Error::other("output already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.writer.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            // Not committed: the half-written file must not stay behind.
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Checks the report folder of `audit` before any input is read: it is, or
/// can be created as, a writable folder; it is not an input; and what exists
/// under a report's name (`names`) is a report the tool wrote (`is_own`), not
/// an input, a folder, a link or someone else's file.
pub(super) fn check_report_dir(
    dir: &Path,
    names: &[&str],
    inputs: &InputFiles,
    is_own: impl Fn(&Path) -> bool,
) -> anyhow::Result<()> {
    refuse_dash_folder(dir)?;
    let shown = dir.display();
    if let Some(input) = inputs.same_as(dir) {
        anyhow::bail!("--out {shown} is the input {input}; give a folder for the reports");
    }
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => anyhow::bail!(
            "--out {shown} is a file, not a folder; give a folder for the reports \
             (it is created when missing)"
        ),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the report folder {shown}"))?,
        Err(e) => return Err(e).with_context(|| format!("cannot look at --out {shown}")),
    }
    // Writable for real (permission bits say nothing to root or to ACLs).
    let probe = dir.join(format!(".usertype-audit-probe-{}", std::process::id()));
    create_temp(&probe).with_context(|| {
        format!("cannot write into the report folder {shown}; give a writable folder")
    })?;
    let _ = fs::remove_file(&probe);
    for name in names {
        let path = dir.join(name);
        if let Some(input) = inputs.same_as(&path) {
            anyhow::bail!(
                "{} is the input {input}: the reports would replace it; \
                 give another --out folder",
                path.display()
            );
        }
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => anyhow::bail!(
                "{} is a folder, where the report of that name goes; \
                 move it or give another --out folder",
                path.display()
            ),
            Ok(meta) if meta.file_type().is_symlink() => anyhow::bail!(
                "{} is a symbolic link, where the report of that name goes; the tool \
                 never replaces one: remove it or give another --out folder",
                path.display()
            ),
            Ok(_) if !is_own(&path) => anyhow::bail!(
                "{} exists and is not a report this tool wrote; it is never replaced \
                 or removed: move it or give another --out folder",
                path.display()
            ),
            _ => {}
        }
    }
    Ok(())
}

/// Free bytes for an unprivileged user on the file system that holds `path`
/// (or its nearest existing ancestor); `None` where it cannot be told.
#[cfg(unix)]
pub(super) fn available_space(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let existing = path.ancestors().find(|p| {
        let p = if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        };
        p.exists()
    })?;
    let existing = if existing.as_os_str().is_empty() {
        Path::new(".")
    } else {
        existing
    };
    let c_path = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: c_path is a valid NUL-terminated string and stat is writable
    // memory of the right type; statvfs initialises it when it returns 0.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let stat = unsafe { stat.assume_init() };
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

/// Free bytes where the platform cannot tell: unknown.
#[cfg(not(unix))]
pub(super) fn available_space(_: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_file_through_hard_and_symbolic_links_and_a_new_name() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("v.ldf");
        fs::write(&input, "dn: x\n\n").unwrap();
        let arg = input.to_str().unwrap();
        let inputs = InputFiles::new([arg, "-"]);
        assert_eq!(inputs.same_as(&input), Some(arg));
        let hard = dir.path().join("hard.ldf");
        fs::hard_link(&input, &hard).unwrap();
        assert_eq!(inputs.same_as(&hard), Some(arg));
        #[cfg(unix)]
        {
            let soft = dir.path().join("soft.ldf");
            std::os::unix::fs::symlink(&input, &soft).unwrap();
            assert_eq!(inputs.same_as(&soft), Some(arg));
        }
        // Through a `..` detour.
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        assert_eq!(inputs.same_as(&sub.join("../v.ldf")), Some(arg));
        let other = dir.path().join("other.ldf");
        assert_eq!(inputs.same_as(&other), None);
        fs::write(&other, "x").unwrap();
        assert_eq!(inputs.same_as(&other), None);
    }

    #[test]
    fn an_output_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("rows.csv");
        let inputs = InputFiles::default();
        let mut out = OutputFile::create(&target, &inputs, false, "--out").unwrap();
        out.write_all(b"a,b\n").unwrap();
        assert!(!target.exists());
        drop(out);
        assert!(!target.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "no temp left");
        let mut out = OutputFile::create(&target, &inputs, false, "--out").unwrap();
        out.write_all(b"a,b\n").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"a,b\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp left");
        // Existing: refused, then replaced with force.
        let err = OutputFile::create(&target, &inputs, false, "--out")
            .err()
            .unwrap();
        assert!(err.to_string().contains("--force"), "{err}");
        let mut out = OutputFile::create(&target, &inputs, true, "--out").unwrap();
        out.write_all(b"new\n").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new\n");
    }

    #[test]
    fn a_name_taken_while_writing_is_not_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("rows.csv");
        let mut out = OutputFile::create(&target, &InputFiles::default(), false, "-o").unwrap();
        out.write_all(b"ours").unwrap();
        fs::write(&target, b"theirs").unwrap();
        assert!(out.commit().is_err());
        assert_eq!(fs::read(&target).unwrap(), b"theirs");
    }

    #[cfg(unix)]
    #[test]
    fn free_space_is_known_for_a_missing_folder() {
        let dir = tempfile::tempdir().unwrap();
        let free = available_space(&dir.path().join("not/yet"));
        assert!(free.is_some_and(|n| n > 0), "{free:?}");
    }
}
