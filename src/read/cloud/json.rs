//! The Graph JSON reader: a small structural walker around `serde_json`.
//!
//! The walker itself only steps over the outer structure (top-level values,
//! arrays, page objects); each user object is handed whole to `serde_json`
//! through a `StreamDeserializer` over the rest of the buffer, whose
//! `byte_offset` says where the user ended. So every user's first line is
//! known exactly, nothing but the current user is ever materialised, and
//! malformed JSON stops only the page (or line) it is in.
//!
//! Shapes are told apart per object: an object whose keys before any user
//! property are `@odata.*` and then `value: [...]` is a page; any other
//! object is a user. A top-level array holds pages or users.
//!
//! The open containers of the outer structure are a stack of [`Frame`]s,
//! not recursion, so that a walk over a stream can stop where a block ends
//! and go on with the next ([`WalkState`]): each step (one member, one
//! element, one user) either completes or is undone and taken again once
//! the buffer holds more. An object is kept from its start until it is known
//! to be a page, since it may turn out to be a user, parsed whole.

use serde::de::IgnoredAny;

use super::draft::Draft;
use super::fast;
use super::model::Property;
use super::user_de::ParsedUser;
use super::{CloudFormat, Out, RawDiag, START_LINE};
use crate::diag::DiagKind;

/// What the first top-level value of a file was (decides the reported format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Page,
    User,
    ArrayOfPages,
    ArrayOfUsers,
}

impl Shape {
    pub(crate) fn format(self, line_mode: bool) -> CloudFormat {
        match (self, line_mode) {
            (Shape::Page, true) => CloudFormat::GraphPagesPerLine,
            (Shape::Page, false) => CloudFormat::GraphPages,
            (Shape::User, _) => CloudFormat::JsonLines,
            (Shape::ArrayOfPages, _) => CloudFormat::ArrayOfPages,
            (Shape::ArrayOfUsers, _) => CloudFormat::UserArray,
        }
    }
}

/// Why a step of the walk did not complete.
enum Halt {
    /// Malformed or cut JSON, already reported.
    Stop,
    /// The buffer ends inside the value and more input follows: the step is
    /// undone, to be taken again once the buffer holds more.
    More,
}

/// An open container of the outer structure (users are parsed whole).
#[derive(Clone, Copy, Debug)]
enum Frame {
    /// An object that may be a page. Until it is one (`page`), its bytes
    /// from `start` are kept: it may turn out to be a user, parsed whole.
    Object {
        start: usize,
        start_line: u64,
        top: bool,
        page: bool,
        next_link: bool,
    },
    /// The `value` array of a page.
    PageValue,
    /// A top-level array; `first` until its first element is known.
    TopArray { first: bool },
    /// The rest of a value too large to hold, stepped over byte by byte;
    /// `object`: it ends the enclosing object frame too.
    Skip {
        depth: u32,
        in_str: bool,
        esc: bool,
        object: bool,
    },
}

/// Where a walk over streamed input stands between two buffers. Positions
/// are relative to the buffer, moved by [`WalkState::forget`].
pub(crate) struct WalkState {
    frames: Vec<Frame>,
    pos: usize,
    line: u64,
    line_pos: usize,
    order: fast::KeyOrder,
    resyncing: bool,
    resync_from: usize,
}

impl WalkState {
    /// A walk whose first byte is on line `first_line`.
    pub(crate) fn new(first_line: u64) -> Self {
        WalkState {
            frames: Vec::new(),
            pos: 0,
            line: first_line,
            line_pos: 0,
            order: fast::KeyOrder::default(),
            resyncing: false,
            resync_from: 0,
        }
    }

    /// The first byte of the buffer still needed: the current position, or
    /// the start of an object not yet known to be a page.
    pub(crate) fn keep_from(&self) -> usize {
        let mut keep = self.pos;
        for f in &self.frames {
            if let Frame::Object {
                start, page: false, ..
            } = f
            {
                keep = keep.min(*start);
            }
        }
        keep
    }

    /// `buf` (the buffer walked) loses its first `n` bytes (at most
    /// [`Self::keep_from`]): line feeds before them are counted first.
    pub(crate) fn forget(&mut self, buf: &[u8], n: usize) {
        if self.line_pos < n {
            let counted = buf.get(self.line_pos..n).unwrap_or_default();
            self.line += memchr::memchr_iter(b'\n', counted).count() as u64;
            self.line_pos = n;
        }
        self.pos -= n;
        self.line_pos -= n;
        self.resync_from = self.resync_from.saturating_sub(n);
        for f in &mut self.frames {
            if let Frame::Object { start, .. } = f {
                *start = start.saturating_sub(n);
            }
        }
    }

    /// Gives up the value being read (too large to hold): the walk steps
    /// over its bytes from now on. Returns the line it is reported at, None
    /// when it is being stepped over already.
    pub(crate) fn give_up_element(&mut self) -> Option<u64> {
        let top = self.frames.last_mut()?;
        let skip = match top {
            Frame::Object { start, page, .. } if !*page => {
                // Stepped over from just inside it; its start need not be kept.
                self.pos = *start + 1;
                *page = true;
                Frame::Skip {
                    depth: 1,
                    in_str: false,
                    esc: false,
                    object: true,
                }
            }
            Frame::Object { .. } => Frame::Skip {
                depth: 1,
                in_str: false,
                esc: false,
                object: true,
            },
            Frame::PageValue | Frame::TopArray { .. } => Frame::Skip {
                depth: 0,
                in_str: false,
                esc: false,
                object: false,
            },
            Frame::Skip { .. } => return None,
        };
        self.frames.push(skip);
        Some(self.line)
    }
}

/// A key of an object that may be a page.
enum PageKey {
    Value,
    NextLink,
    OData,
    Other,
}

impl<'de> serde::Deserialize<'de> for PageKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = PageKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<PageKey, E> {
                Ok(if v.eq_ignore_ascii_case("value") {
                    PageKey::Value
                } else if v.eq_ignore_ascii_case("@odata.nextLink") {
                    PageKey::NextLink
                } else if v.len() > 7 && v.as_bytes()[..7].eq_ignore_ascii_case(b"@odata.") {
                    PageKey::OData
                } else {
                    PageKey::Other
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// Walks one buffer: a whole file, one line of a line-mode file, or one
/// block of a stream (see [`Walker::resume`]).
pub(crate) struct Walker<'b, 'o> {
    buf: &'b [u8],
    pos: usize,
    line_pos: usize,
    line: u64,
    out: &'o mut Out,
    /// After malformed JSON, skip to the next line starting with `{` (whole
    /// files); otherwise stop (one line of a line-mode file).
    resync: bool,
    /// The buffer holds no line feed (one line of a line-mode file).
    flat: bool,
    /// The buffer ends where the input does (always so for a whole file).
    final_line: bool,
    /// More input may follow the buffer (a stream read in blocks): a value
    /// the buffer ends inside is left for the next buffer.
    more: bool,
    /// `buf[utf8_from..]` as far as it is known to be UTF-8 (see `fast_user`).
    utf8: &'b str,
    utf8_from: usize,
    /// The user being read by the fast path (kept for its allocations).
    draft: Draft<'b>,
    /// Whether to try the fast path for users.
    fast: bool,
    /// The key order the fast path expects.
    order: fast::KeyOrder,
    /// The open containers of the outer structure.
    frames: Vec<Frame>,
    /// After malformed JSON: looking for a line starting with `{`, from
    /// `resync_from`.
    resyncing: bool,
    resync_from: usize,
}

/// Bytes of input quoted by a message about them.
const PREVIEW: usize = 20;

/// How far ahead the fast path checks UTF-8 at a time.
const UTF8_WINDOW: usize = 4 << 20;

impl<'b, 'o> Walker<'b, 'o> {
    /// A walker over `buf`, whose first byte is on line `first_line`.
    pub(crate) fn new(buf: &'b [u8], first_line: u64, resync: bool, out: &'o mut Out) -> Self {
        Walker {
            buf,
            pos: 0,
            line_pos: 0,
            line: first_line,
            out,
            resync,
            flat: false,
            final_line: true,
            more: false,
            utf8: "",
            utf8_from: 0,
            draft: Draft::default(),
            fast: true,
            order: fast::KeyOrder::default(),
            frames: Vec::new(),
            resyncing: false,
            resync_from: 0,
        }
    }

    /// A walker over the next buffer of a streamed input, from `state`;
    /// `at_end`: the buffer ends where the input does. After [`Self::run`],
    /// [`Self::into_state`] gives the state back.
    pub(crate) fn resume(buf: &'b [u8], state: WalkState, at_end: bool, out: &'o mut Out) -> Self {
        let WalkState {
            frames,
            pos,
            line,
            line_pos,
            order,
            resyncing,
            resync_from,
        } = state;
        Walker {
            pos,
            line_pos,
            final_line: at_end,
            more: !at_end,
            order,
            frames,
            resyncing,
            resync_from,
            ..Walker::new(buf, line, true, out)
        }
    }

    /// The state to resume from with the next buffer.
    pub(crate) fn into_state(self) -> WalkState {
        WalkState {
            frames: self.frames,
            pos: self.pos,
            line: self.line,
            line_pos: self.line_pos,
            order: self.order,
            resyncing: self.resyncing,
            resync_from: self.resync_from,
        }
    }

    /// Turns the fast path on or off (see [`super::CloudOptions`]).
    pub(crate) fn fast(self, fast: bool) -> Self {
        Walker { fast, ..self }
    }

    /// A walker over one line (no line feed) of a line-mode file.
    pub(crate) fn line(buf: &'b [u8], line: u64, out: &'o mut Out) -> Self {
        Walker {
            flat: true,
            ..Walker::new(buf, line, false, out)
        }
    }

    fn line_at(&mut self, pos: usize) -> u64 {
        if self.flat {
            return self.line;
        }
        let pos = pos.min(self.buf.len());
        if pos >= self.line_pos {
            self.line += memchr::memchr_iter(b'\n', &self.buf[self.line_pos..pos]).count() as u64;
        } else {
            self.line -= memchr::memchr_iter(b'\n', &self.buf[pos..self.line_pos]).count() as u64;
        }
        self.line_pos = pos;
        self.line
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.buf.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Parses one value at `pos` and moves past it.
    fn next<T: serde::Deserialize<'b>>(&mut self) -> Result<T, serde_json::Error> {
        let mut it = serde_json::Deserializer::from_slice(&self.buf[self.pos..]).into_iter::<T>();
        match it.next() {
            Some(Ok(v)) => {
                self.pos += it.byte_offset();
                Ok(v)
            }
            Some(Err(e)) => Err(e),
            None => Err(serde::de::Error::custom("unexpected end of input")),
        }
    }

    fn diag(&mut self, line: u64, kind: DiagKind, message: String) {
        self.out.diags.push(RawDiag {
            line,
            kind,
            message,
            start: None,
        });
    }

    /// Reports malformed JSON found while parsing the value at `self.pos`.
    fn json_error(&mut self, e: &serde_json::Error, what: &str) -> Halt {
        let start = self.line_at(self.pos);
        let line = start + (e.line().max(1) as u64 - 1);
        let rest = if self.resync {
            "skipped up to the next line starting with `{`"
        } else {
            "the rest of the line is skipped"
        };
        // The start line is made absolute by the collector (see `START_LINE`).
        let (kind, message) = if e.is_eof() && self.final_line {
            let ends = if self.flat { "the line" } else { "the file" };
            (
                DiagKind::TruncatedInput,
                format!(
                    "{ends} ends inside {what} starting on line {START_LINE}: the export was cut \
                     short and what follows is missing; export the users again and check the \
                     file is complete"
                ),
            )
        } else {
            (
                DiagKind::InvalidJson,
                format!("malformed JSON in {what} starting on line {START_LINE}: {e}; {rest}"),
            )
        };
        self.out.diags.push(RawDiag {
            line,
            kind,
            message,
            start: Some(start),
        });
        Halt::Stop
    }

    /// Reports that the input ends inside `what` (an unclosed page or array).
    fn cut(&mut self, what: &str) {
        let line = self.line_at(self.pos);
        if !self.final_line {
            self.diag(
                line,
                DiagKind::InvalidJson,
                format!(
                    "malformed JSON: the line ends inside {what}; the rest of the line is skipped"
                ),
            );
            return;
        }
        let ends = if self.flat { "the line" } else { "the file" };
        self.diag(
            line,
            DiagKind::TruncatedInput,
            format!(
                "{ends} ends inside {what}, which is never closed: the export was cut short and \
                 what follows is missing; export the users again and check the file is complete"
            ),
        );
    }

    /// Walks the buffer: every top-level value, or (streaming) as far as
    /// the buffer allows; the state is kept for the next buffer.
    pub(crate) fn run(&mut self) {
        loop {
            if self.resyncing && !self.resync_next() {
                return;
            }
            let r = match self.frames.last().copied() {
                None => self.step_top(),
                Some(Frame::Object { .. }) => self.step_object(),
                Some(Frame::PageValue) => self.step_page_value(),
                Some(Frame::TopArray { .. }) => self.step_top_array(),
                Some(Frame::Skip { .. }) => self.step_skip(),
            };
            match r {
                Ok(true) => {}
                Ok(false) | Err(Halt::More) => return,
                Err(Halt::Stop) => {
                    self.frames.clear();
                    if !self.resync {
                        self.pos = self.buf.len();
                        return;
                    }
                    self.resyncing = true;
                    self.resync_from = self.pos.saturating_add(1);
                }
            }
        }
    }

    /// End of the buffer while a value is open: wait for more input, or
    /// (at the end of the input) report the cut.
    fn end_inside(&mut self, what: &str) -> Halt {
        if self.more {
            Halt::More
        } else {
            self.cut(what);
            Halt::Stop
        }
    }

    /// A serde error on the value at `mark`: more input may complete it.
    fn value_error(&mut self, e: &serde_json::Error, mark: usize, what: &str) -> Halt {
        if e.is_eof() && self.more {
            self.pos = mark;
            Halt::More
        } else {
            self.json_error(e, what)
        }
    }

    /// Steps over the value at `pos` (the caller reports it).
    fn skip_value(&mut self, what: &str) -> Result<(), Halt> {
        let mark = self.pos;
        match self.next::<IgnoredAny>() {
            Ok(_) => Ok(()),
            Err(e) => Err(self.value_error(&e, mark, what)),
        }
    }

    fn step_top(&mut self) -> Result<bool, Halt> {
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Ok(false);
        };
        match b {
            b'{' => {
                let start_line = self.line_at(self.pos);
                self.frames.push(Frame::Object {
                    start: self.pos,
                    start_line,
                    top: true,
                    page: false,
                    next_link: false,
                });
                self.pos += 1;
            }
            b'[' => {
                self.frames.push(Frame::TopArray { first: true });
                self.pos += 1;
            }
            // The message quotes what follows: read it first.
            _ if self.more && self.buf.len() - self.pos < PREVIEW => return Err(Halt::More),
            _ => {
                let line = self.line_at(self.pos);
                self.diag(
                    line,
                    DiagKind::UnknownShape,
                    format!(
                        "expected `{{` or `[` (a Graph page, a user or an array of them), found `{}`",
                        crate::diag::preview(&self.buf[self.pos..(self.pos + PREVIEW).min(self.buf.len())])
                    ),
                );
                return Err(Halt::Stop);
            }
        }
        Ok(true)
    }

    /// The object of the top frame turned out to be a user: parse it whole.
    /// If more input is needed, the walk resumes at `resume_at` (where the
    /// member being looked at starts).
    fn object_as_user(&mut self, start: usize, top: bool, resume_at: usize) -> Result<bool, Halt> {
        let mark = resume_at;
        self.pos = start;
        match self.user(top) {
            Ok(()) => {
                self.frames.pop();
                self.element_done(false);
                Ok(true)
            }
            Err(Halt::More) => {
                self.pos = mark;
                Err(Halt::More)
            }
            Err(Halt::Stop) => Err(Halt::Stop),
        }
    }

    /// An object (top frame) closed: tells an enclosing array what it holds.
    fn element_done(&mut self, page: bool) {
        if let Some(Frame::TopArray { first }) = self.frames.last_mut() {
            if *first {
                *first = false;
                self.note_shape(if page {
                    Shape::ArrayOfPages
                } else {
                    Shape::ArrayOfUsers
                });
            }
        }
    }

    fn set_object(&mut self, page: bool, next_link: bool) {
        if let Some(Frame::Object {
            page: p,
            next_link: n,
            ..
        }) = self.frames.last_mut()
        {
            *p = page;
            *n = next_link;
        }
    }

    /// One member of an object that may be a page (or its end).
    fn step_object(&mut self) -> Result<bool, Halt> {
        let Some(Frame::Object {
            start,
            start_line,
            top,
            page,
            mut next_link,
        }) = self.frames.last().copied()
        else {
            return Ok(false);
        };
        self.skip_ws();
        match self.peek() {
            Some(b'}') => {
                if !page {
                    // Only `@odata.*` keys (or none): parse it as a user so
                    // that it is reported (missing id) like any other.
                    return self.object_as_user(start, top, self.pos);
                }
                self.pos += 1;
                self.frames.pop();
                self.out.pages += 1;
                self.out.last_page = Some((start_line, next_link));
                self.element_done(true);
                return Ok(true);
            }
            Some(b',') => {
                self.pos += 1;
                return Ok(true);
            }
            Some(b'"') => {}
            None if self.more => return Err(Halt::More),
            _ if !page => {
                // Let serde_json report it precisely, from the object's start.
                return self.object_as_user(start, top, self.pos);
            }
            None => return Err(self.end_inside("a page")),
            Some(_) => return Err(self.malformed_page()),
        }
        let mark = self.pos;
        let key_at = self.pos;
        let key = match self.next::<PageKey>() {
            Ok(k) => k,
            Err(e) => return Err(self.value_error(&e, mark, "an object")),
        };
        self.skip_ws();
        match self.peek() {
            Some(b':') => {}
            None if self.more => {
                self.pos = mark;
                return Err(Halt::More);
            }
            _ if !page => return self.object_as_user(start, top, mark),
            None => return Err(self.end_inside("a page")),
            Some(_) => return Err(self.malformed_page()),
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek().is_none() && self.more {
            self.pos = mark;
            return Err(Halt::More);
        }
        match key {
            PageKey::Value if self.peek() == Some(b'[') => {
                if !page && top {
                    self.note_shape(Shape::Page);
                }
                self.set_object(true, next_link);
                self.pos += 1;
                self.frames.push(Frame::PageValue);
            }
            PageKey::Other if !page => return self.object_as_user(start, top, mark),
            PageKey::Value if !page => {
                // `value` that is not an array: users have no `value`;
                // report and treat as an empty page.
                if let Err(h) = self.skip_value("a page") {
                    if matches!(h, Halt::More) {
                        self.pos = mark;
                    }
                    return Err(h);
                }
                let line = self.line_at(key_at);
                self.diag(
                    line,
                    DiagKind::WrongType,
                    "`value` of a page is not an array of users; the page is skipped".into(),
                );
                self.set_object(true, next_link);
            }
            k => {
                if let Err(h) = self.skip_value("a page") {
                    if matches!(h, Halt::More) {
                        self.pos = mark;
                    }
                    return Err(h);
                }
                next_link |= matches!(k, PageKey::NextLink);
                self.set_object(page, next_link);
            }
        }
        Ok(true)
    }

    /// Something other than a key, `,` or `}` inside a page.
    fn malformed_page(&mut self) -> Halt {
        if self.more && self.buf.len() - self.pos < PREVIEW {
            return Halt::More;
        }
        let line = self.line_at(self.pos);
        let rest = if self.resync {
            "skipped up to the next line starting with `{`"
        } else {
            "the rest of the line is skipped"
        };
        self.diag(
            line,
            DiagKind::InvalidJson,
            format!(
                "malformed JSON in a page: expected a key, `,` or `}}`, found `{}`; {rest}",
                crate::diag::preview(&self.buf[self.pos..(self.pos + PREVIEW).min(self.buf.len())])
            ),
        );
        Halt::Stop
    }

    /// One element of a page's `value` array (or its end).
    fn step_page_value(&mut self) -> Result<bool, Halt> {
        self.skip_ws();
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                self.frames.pop();
            }
            Some(b',') => self.pos += 1,
            Some(b'{') => self.user(false)?,
            None => return Err(self.end_inside("the `value` array of a page")),
            Some(_) => {
                let line = self.line_at(self.pos);
                self.skip_value("a page's `value` array")?;
                self.diag(
                    line,
                    DiagKind::WrongType,
                    "an element of a page's `value` is not a user object; skipped".into(),
                );
            }
        }
        Ok(true)
    }

    /// One element of a top-level array (or its end).
    fn step_top_array(&mut self) -> Result<bool, Halt> {
        self.skip_ws();
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                self.frames.pop();
            }
            Some(b',') => self.pos += 1,
            Some(b'{') => {
                let start_line = self.line_at(self.pos);
                self.frames.push(Frame::Object {
                    start: self.pos,
                    start_line,
                    top: false,
                    page: false,
                    next_link: false,
                });
                self.pos += 1;
            }
            None => return Err(self.end_inside("an array")),
            Some(_) => {
                let line = self.line_at(self.pos);
                self.skip_value("an array")?;
                self.diag(
                    line,
                    DiagKind::UnknownShape,
                    "an array element that is neither a user nor a page; skipped".into(),
                );
            }
        }
        Ok(true)
    }

    /// Steps over the rest of a value too large to hold, byte by byte.
    fn step_skip(&mut self) -> Result<bool, Halt> {
        let Some(Frame::Skip {
            mut depth,
            mut in_str,
            mut esc,
            object,
        }) = self.frames.last().copied()
        else {
            return Ok(false);
        };
        let mut done = false;
        while let Some(&b) = self.buf.get(self.pos) {
            self.pos += 1;
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                    done = depth == 0;
                }
            } else {
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    // A scalar's end: the container it is in closes.
                    b'}' | b']' if depth == 0 => {
                        self.pos -= 1;
                        done = true;
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        done = depth == 0;
                    }
                    b',' if depth == 0 => {
                        self.pos -= 1;
                        done = true;
                    }
                    _ => {}
                }
            }
            if done {
                break;
            }
        }
        self.frames.pop();
        if done {
            if object {
                // The object the skipped value was (or was in) is over.
                self.frames.pop();
                self.element_done(false);
            }
            return Ok(true);
        }
        if !self.more {
            self.cut("a value too large to read");
            return Err(Halt::Stop);
        }
        self.frames.push(Frame::Skip {
            depth,
            in_str,
            esc,
            object,
        });
        Err(Halt::More)
    }

    /// Moves to the next line starting with `{` after a malformed value;
    /// false when the buffer ends first (more is needed, or the input ended).
    fn resync_next(&mut self) -> bool {
        let from = self.resync_from.min(self.buf.len());
        match memchr::memmem::find(&self.buf[from..], b"\n{") {
            Some(i) => {
                self.pos = from + i + 1;
                self.resyncing = false;
                true
            }
            None => {
                // Keep a last line feed: the `{` may start the next buffer.
                self.resync_from = self.buf.len().saturating_sub(1).max(from);
                self.pos = if self.more {
                    self.resync_from
                } else {
                    self.buf.len()
                };
                false
            }
        }
    }

    fn note_shape(&mut self, shape: Shape) {
        if self.out.shape.is_none() {
            self.out.shape = Some(shape);
        }
    }

    /// A user object at `pos`.
    fn user(&mut self, top: bool) -> Result<(), Halt> {
        let start = self.pos;
        let line = self.line_at(start);
        if self.fast {
            let mut d = std::mem::take(&mut self.draft);
            d.reset();
            if let Some(end) = self.fast_user(start, &mut d) {
                if top {
                    self.note_shape(Shape::User);
                }
                self.pos = end;
                self.accept(&mut d, start, end, line);
                self.draft = d;
                return Ok(());
            }
            self.draft = d;
        }
        match self.next::<ParsedUser>() {
            Ok(p) => {
                if top {
                    self.note_shape(Shape::User);
                }
                let end = self.pos;
                let mut d = p.draft;
                self.accept(&mut d, start, end, line);
                Ok(())
            }
            Err(e) => {
                let h = self.value_error(&e, start, "the user");
                if top && matches!(h, Halt::Stop) {
                    self.note_shape(Shape::User);
                }
                Err(h)
            }
        }
    }

    /// The fast path for the user at `start`; None leaves it to serde. It
    /// reads UTF-8 text, checked here a window at a time: a user that
    /// crosses the window's end, or invalid UTF-8, goes to serde.
    fn fast_user(&mut self, start: usize, d: &mut Draft<'b>) -> Option<usize> {
        let buf = self.buf;
        if start < self.utf8_from || start >= self.utf8_from + self.utf8.len() {
            let end = start.saturating_add(UTF8_WINDOW).min(buf.len());
            let window = buf.get(start..end)?;
            self.utf8_from = start;
            self.utf8 = match std::str::from_utf8(window) {
                Ok(t) => t,
                Err(e) => std::str::from_utf8(&window[..e.valid_up_to()]).unwrap_or(""),
            };
        }
        let end = fast::user(self.utf8, start - self.utf8_from, d, &mut self.order)?;
        Some(self.utf8_from + end)
    }

    fn accept(&mut self, d: &mut Draft<'b>, start: usize, end: usize, line: u64) {
        if d.issues
            .iter()
            .any(|i| i.kind == DiagKind::DuplicateProperty)
        {
            self.reject_duplicate(d, start, end);
            return;
        }
        for issue in d.issues.drain(..) {
            // The line of the property's key, when it can be found.
            let at = find_key(&self.buf[start..end], issue.prop).map_or(start, |i| start + i);
            let l = self.line_at(at);
            self.diag(l, issue.kind, issue.message);
        }
        if d.id().is_empty() {
            self.out.rejected += 1;
            let why = if d.present.contains(Property::Id) {
                "its `id` is null, empty or not a string"
            } else {
                "it has no `id`"
            };
            self.diag(
                line,
                DiagKind::MissingId,
                format!("a user object is skipped: {why}"),
            );
            return;
        }
        self.out.push_user(d, line);
    }

    /// Skips a user that holds a property twice, with one error per such
    /// property at the line of its second occurrence.
    fn reject_duplicate(&mut self, d: &mut Draft<'b>, start: usize, end: usize) {
        self.out.rejected += 1;
        let id = d.id();
        let who = if id.is_empty() {
            "a user object".to_string()
        } else {
            format!("user `{}`", crate::diag::preview(id.as_bytes()))
        };
        let dups: Vec<Property> = d
            .issues
            .iter()
            .filter(|i| i.kind == DiagKind::DuplicateProperty)
            .map(|i| i.prop)
            .collect();
        for prop in dups {
            let obj = &self.buf[start..end];
            let first = find_key(obj, prop);
            let second = first.and_then(|f| find_key(&obj[f + 1..], prop).map(|i| f + 1 + i));
            let spelling = |at: Option<usize>| {
                let name_len = prop.name().len();
                at.and_then(|a| obj.get(a + 1..a + 1 + name_len))
                    .map_or_else(
                        || prop.name().to_string(),
                        |k| String::from_utf8_lossy(k).into_owned(),
                    )
            };
            let (a, b) = (spelling(first), spelling(second));
            let how = if a == b {
                format!("`{a}` twice")
            } else {
                format!("`{a}` and `{b}`, names that differ only in case")
            };
            let at = second.or(first).map_or(start, |i| start + i);
            let l = self.line_at(at);
            self.diag(
                l,
                DiagKind::DuplicateProperty,
                format!(
                    "{who} holds {how}: JSON readers disagree on which value counts, so the user \
                     is skipped and not audited; re-export it from Microsoft Graph (Graph never \
                     writes a property twice: the file was edited or merged)"
                ),
            );
        }
        d.issues.clear();
    }
}

/// Offset of the key `"name"` (any case) in an object's text.
fn find_key(obj: &[u8], prop: Property) -> Option<usize> {
    let name = prop.name().as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'"', &obj[from..]) {
        let at = from + i;
        let rest = &obj[at + 1..];
        if rest.len() > name.len()
            && rest[..name.len()].eq_ignore_ascii_case(name)
            && rest[name.len()] == b'"'
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Whether the first value of `buf` ends on the line it starts on (the file
/// then holds one page or user per line and is read line by line in parallel).
pub(crate) fn is_line_mode(buf: &[u8]) -> bool {
    let start = buf
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(buf.len());
    let line = &buf[start..];
    let end = memchr::memchr(b'\n', line).unwrap_or(line.len());
    let mut it = serde_json::Deserializer::from_slice(&line[..end]).into_iter::<IgnoredAny>();
    matches!(it.next(), Some(Ok(_)))
}

/// Walks every line of a line-mode chunk; line numbers relative to the
/// chunk. `last`: the chunk ends where the input does (a value cut short on
/// its last line is a cut export, elsewhere a broken line).
pub(crate) fn walk_lines(chunk: &[u8], fast: bool, last: bool) -> Out {
    let mut out = Out::for_input(chunk.len());
    let mut line = 1u64;
    let mut start = 0;
    while start < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |i| start + i);
        let text = &chunk[start..end];
        if text.iter().any(|b| !b.is_ascii_whitespace()) {
            let final_line = last
                && chunk
                    .get(end..)
                    .is_some_and(|rest| rest.iter().all(u8::is_ascii_whitespace));
            let mut w = Walker::line(text, line, &mut out).fast(fast);
            w.final_line = final_line;
            w.run();
        }
        if end < chunk.len() {
            line += 1;
        }
        start = end + 1;
    }
    // `line - 1` line feeds were crossed: the next chunk starts that much later.
    out.lines = line - 1;
    out.seal();
    out
}
