//! One walk of a copy's directories against the index of its base checkout, on every core:
//! what the diff reads and what a reused copy cleans are found the same way.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Condvar, Mutex};

/// The base checkout as an index recorded it: tracked paths with the place of their entry,
/// and every directory that holds a tracked path.
pub(super) struct Base<'a> {
    pub entries: &'a [git2::IndexEntry],
    pub tracked: HashMap<&'a [u8], usize>,
    pub dirs: HashSet<&'a [u8]>,
}

impl<'a> Base<'a> {
    pub fn new(entries: &'a [git2::IndexEntry]) -> Self {
        let mut tracked = HashMap::with_capacity(entries.len());
        let mut dirs = HashSet::new();
        for (i, entry) in entries.iter().enumerate() {
            let path = entry.path.as_slice();
            let mut end = path.len();
            while let Some(slash) = path[..end].iter().rposition(|b| *b == b'/') {
                if !dirs.insert(&path[..slash]) {
                    break;
                }
                end = slash;
            }
            tracked.insert(path, i);
        }
        Self { entries, tracked, dirs }
    }

    /// The entry of a tracked path, and its place.
    pub fn get(&self, rel: &[u8]) -> Option<(usize, &'a git2::IndexEntry)> {
        self.tracked.get(rel).map(|&i| (i, &self.entries[i]))
    }
}

/// `dir/name` as a copy-relative path.
pub(super) fn join(dir: &[u8], name: &OsStr) -> Vec<u8> {
    let mut rel = Vec::with_capacity(dir.len() + 1 + name.len());
    rel.extend_from_slice(dir);
    if !rel.is_empty() {
        rel.push(b'/');
    }
    rel.extend_from_slice(name.as_bytes());
    rel
}

/// Visits every directory under `root` (starting with `root` itself, as the empty relative
/// path) on up to `threads` threads. `visit` reads one directory, and pushes the relative
/// paths of the subdirectories to visit next; each thread keeps its own state `S`. The first
/// error stops the walk.
pub(super) fn directories<S: Send>(
    root: &Path,
    threads: usize,
    init: impl Fn() -> S + Sync,
    visit: impl Fn(&Path, &[u8], &mut Vec<Vec<u8>>, &mut S) -> std::io::Result<()> + Sync,
) -> std::io::Result<Vec<S>> {
    // Directories waiting, directories being read, and the first error.
    struct Queue {
        pending: Vec<Vec<u8>>,
        busy: usize,
        failed: Option<std::io::Error>,
    }
    let queue = Mutex::new(Queue { pending: vec![Vec::new()], busy: 0, failed: None });
    let wake = Condvar::new();
    let lock = || queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let worker = || {
        let mut state = init();
        let mut found = Vec::new();
        loop {
            let dir = {
                let mut q = lock();
                loop {
                    if q.failed.is_some() {
                        return state;
                    }
                    if let Some(dir) = q.pending.pop() {
                        q.busy += 1;
                        break dir;
                    }
                    if q.busy == 0 {
                        return state;
                    }
                    q = wake.wait(q).unwrap_or_else(std::sync::PoisonError::into_inner);
                }
            };
            let full = if dir.is_empty() { root.to_path_buf() } else { root.join(OsStr::from_bytes(&dir)) };
            let result = visit(&full, &dir, &mut found, &mut state);
            let mut q = lock();
            q.busy -= 1;
            match result {
                Ok(()) => q.pending.append(&mut found),
                Err(e) => {
                    q.failed.get_or_insert(e);
                }
            }
            drop(q);
            wake.notify_all();
        }
    };
    let states: Vec<S> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.max(1)).map(|_| scope.spawn(worker)).collect();
        let mut states = vec![worker()];
        states.extend(helpers.into_iter().filter_map(|h| h.join().ok()));
        states
    });
    match queue.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).failed {
        Some(e) => Err(e),
        None => Ok(states),
    }
}

/// Threads for a walk: the cores there are, at most four.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// Removes a directory tree even when a command made parts of it unwritable (`chmod 000`):
/// directories are made accessible again (symlinks are never followed) and removal retried.
pub(crate) fn remove_tree(dir: &Path) -> std::io::Result<()> {
    fn open_up(dir: &Path) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                open_up(&entry.path());
            }
        }
    }
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            open_up(dir);
            std::fs::remove_dir_all(dir)
        }
        other => other,
    }
}
