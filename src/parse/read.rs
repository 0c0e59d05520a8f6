//! Reading a file once: its text (or why it is not source), and the anchor scan that decides
//! whether it is parsed at once.

use super::*;

pub(super) enum Read {
    Text(String),
    Skipped(Unscanned),
}

pub(super) fn read(file: &SourceFile) -> Read {
    if let Some(text) = &file.replaced {
        return Read::Text(text.to_string());
    }
    read_opened(file, std::fs::File::open(&file.path))
}

/// Reads `file`, opened already as `handle`.
pub(super) fn read_opened(file: &SourceFile, handle: std::io::Result<std::fs::File>) -> Read {
    let cannot_read = |e: std::io::Error| {
        let reason = if e.kind() == std::io::ErrorKind::PermissionDenied {
            "permission denied".to_string()
        } else {
            format!("cannot read: {e}")
        };
        Read::Skipped(Unscanned::new(&file.rel, reason))
    };
    let mut handle = match handle {
        Ok(h) => h,
        Err(e) => return cannot_read(e),
    };
    // Each thread reads into one buffer of the size limit, so a file costs an open, a read and
    // the read that finds its end: no `stat` for its size, and the text is allocated once at
    // its exact length. Reading one byte past the limit tells an oversized file.
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let limit = MAX_FILE_BYTES as usize;
    let filled = BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let mut filled = 0;
        while filled <= limit {
            if filled == buffer.len() {
                // Grown as needed: zeroing the whole limit up front costs every thread 2 MiB
                // of page faults.
                let grown = (buffer.len() * 2).clamp(64 * 1024, limit + 1);
                buffer.resize(grown, 0);
            }
            match std::io::Read::read(&mut handle, &mut buffer[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled > limit {
            return Ok(None);
        }
        Ok(Some(buffer[..filled].to_vec()))
    });
    let bytes = match filled {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            let size = handle
                .metadata()
                .map(|m| m.len())
                .unwrap_or(MAX_FILE_BYTES + 1);
            return Read::Skipped(Unscanned::new(
                &file.rel,
                format!(
                    "file is {size} bytes, over the {MAX_FILE_BYTES} byte limit for source files"
                ),
            ));
        }
        Err(e) => return cannot_read(e),
    };
    match source_text(bytes) {
        Ok(text) => Read::Text(text),
        Err(reason) => Read::Skipped(Unscanned::new(&file.rel, reason)),
    }
}

/// The first look at each file: read once and scanned for anchors.
// A parsed module is the large variant and the common one for the files that matter; it is
// moved once, so boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum ScannedFile {
    /// Parsed already, on the thread that read it, while the walk goes on.
    Anchor(String, Result<Module, lang::ParseError>),
    /// Without an anchor; the text is kept if the cache budget allowed.
    Other(Option<String>),
    Skipped(Unscanned),
}

/// Reads files and scans them for anchors, from any number of threads.
pub struct Scanner {
    anchors: AnchorScan,
    cached_bytes: std::sync::atomic::AtomicUsize,
    /// The anchors of workflows left out of the scan (preview ones), and how many files hold
    /// one: only counted, never parsed for them.
    left_out: Option<AnchorScan>,
    left_out_files: std::sync::atomic::AtomicUsize,
}

impl Scanner {
    pub fn new(anchors: &[crate::spec::Anchor]) -> Self {
        Scanner {
            anchors: AnchorScan::new(anchors),
            cached_bytes: Default::default(),
            left_out: None,
            left_out_files: Default::default(),
        }
    }

    /// Also counts the files that hold an anchor of `left_out` workflows.
    pub fn counting_left_out(mut self, left_out: &[crate::spec::Anchor]) -> Self {
        self.left_out = (!left_out.is_empty()).then(|| AnchorScan::new(left_out));
        self
    }

    /// How many files held an anchor of the left-out workflows.
    pub fn left_out_files(&self) -> usize {
        self.left_out_files
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn scan(&self, file: &SourceFile, handle: std::io::Result<std::fs::File>) -> ScannedFile {
        let read = match &file.replaced {
            Some(text) => Read::Text(text.to_string()),
            None => read_opened(file, handle),
        };
        if let (Read::Text(t), Some(left_out)) = (&read, &self.left_out) {
            if left_out.matches(t.as_bytes()) {
                self.left_out_files
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        match read {
            Read::Skipped(u) => ScannedFile::Skipped(u),
            Read::Text(t) if self.anchors.matches(t.as_bytes()) => {
                let module = lang::parse(file.language, &file.rel, &t);
                ScannedFile::Anchor(t, module)
            }
            Read::Text(t) => {
                // Files without an anchor are kept in memory, up to a budget, for the importer
                // search that scans them again: reading a file costs more than scanning it.
                let used = self
                    .cached_bytes
                    .fetch_add(t.len(), std::sync::atomic::Ordering::Relaxed);
                let keep = used + t.len() <= TEXT_CACHE_BYTES;
                ScannedFile::Other(keep.then_some(t))
            }
        }
    }
}
