//! A log directory on disk: tiles and entry bundles as files at their
//! tlog-tiles paths, written durably, and the atomic replacement of small
//! files (the checkpoint).
//!
//! Durability protocol: a file is written to a temporary name beside it,
//! `fsync`ed, renamed into place, and its directory is `fsync`ed (the caller may
//! batch the directory syncs, see [`FileTiles::sync_dirs`]). A reader therefore
//! sees either the old file or the complete new one, never a torn write, and
//! once the directory is synced the new file survives a crash.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::Error;
use crate::tile::{Tile, TileKind, TileStorage};

/// Largest tile file read: a full entry bundle of maximal entries.
pub const MAX_TILE_FILE: u64 = 256 * (2 + 65_535);

/// An [`Error::Io`] for `path`.
pub fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Reads a whole file of at most `limit` bytes.
///
/// # Errors
/// [`Error::Io`], or [`Error::FileTooLarge`] past the limit.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let f = File::open(path).map_err(|e| io_error(path, &e))?;
    let mut data = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| io_error(path, &e))?;
    if data.len() as u64 > limit {
        return Err(Error::FileTooLarge {
            path: path.display().to_string(),
            limit,
        });
    }
    Ok(data)
}

/// `fsync`s a directory, making the renames in it durable.
///
/// # Errors
/// [`Error::Io`].
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, &e))
}

/// Writes `data` to `path` via a synced temporary file and a rename; does not
/// sync the directory (see [`write_atomic`]).
///
/// # Errors
/// [`Error::Io`].
pub fn write_replace(path: &Path, data: &[u8], mode: Option<u32>) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode.unwrap_or(0o644));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(&tmp).map_err(|e| io_error(&tmp, &e))?;
    f.write_all(data)
        .and_then(|()| f.sync_all())
        .map_err(|e| io_error(&tmp, &e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| io_error(path, &e))
}

/// [`write_replace`] followed by a sync of the directory: when this returns,
/// `path` holds `data` durably, and at no time did it hold anything else than
/// the old or the new content.
///
/// # Errors
/// [`Error::Io`].
pub fn write_atomic(path: &Path, data: &[u8], mode: Option<u32>) -> Result<(), Error> {
    write_replace(path, data, mode)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Tiles and bundles stored as files below a log directory, at their tlog-tiles
/// paths (so the directory can be served as static files).
///
/// Writes are staged: [`TileStorage::write_tile`] keeps the data, and
/// [`FileTiles::flush`] makes a whole batch durable at once — every file
/// written to a temporary name, all of them `fsync`ed concurrently (one journal
/// commit can cover many), renamed into place, and the directories synced. A
/// staged tile is not readable before the flush.
#[derive(Debug)]
pub struct FileTiles {
    root: PathBuf,
    staged: Vec<(PathBuf, Vec<u8>)>,
}

/// Threads used to `fsync` a batch of files concurrently.
const SYNC_THREADS: usize = 16;

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Runs `f` over `items` on up to [`SYNC_THREADS`] threads; the first error wins.
fn parallel<T: Sync>(items: &[T], f: impl Fn(&T) -> Result<(), Error> + Sync) -> Result<(), Error> {
    let chunk = items.len().div_ceil(SYNC_THREADS).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().try_for_each(&f)))
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join().unwrap_or(Err(Error::Io {
                path: String::new(),
                message: "sync thread panicked".into(),
            }))
        })
    })
}

impl FileTiles {
    /// Tiles below `root` (the log directory; tiles go in `root/tile/...`).
    pub fn new(root: impl Into<PathBuf>) -> FileTiles {
        FileTiles {
            root: root.into(),
            staged: Vec::new(),
        }
    }

    /// The file of a tile.
    pub fn file(&self, tile: &Tile) -> PathBuf {
        self.root.join(tile.path())
    }

    /// Reads one tile or bundle file.
    ///
    /// # Errors
    /// [`Error::TileMissing`] if it does not exist, [`Error::Io`].
    pub fn read_tile(&self, tile: &Tile) -> Result<Vec<u8>, Error> {
        let path = self.file(tile);
        let limit = match tile.kind() {
            TileKind::Entries => MAX_TILE_FILE,
            TileKind::Hashes(_) => 32 * 256,
        };
        match read_bounded(&path, limit) {
            Err(Error::Io { .. }) if !path.exists() => {
                Err(Error::TileMissing { path: tile.path() })
            }
            r => r,
        }
    }

    /// Makes every staged write durable: temporary files written and synced
    /// (concurrently), renamed into place, directories (new ones in their parents
    /// too) synced. On error nothing staged is guaranteed to be in place.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn flush(&mut self) -> Result<(), Error> {
        let staged = std::mem::take(&mut self.staged);
        let mut dirs = BTreeSet::new();
        for (path, _) in &staged {
            let mut dir = path.parent().map(Path::to_path_buf);
            while let Some(d) = dir {
                if !d.starts_with(&self.root) || !dirs.insert(d.clone()) {
                    break;
                }
                dir = d.parent().map(Path::to_path_buf);
            }
        }
        for d in &dirs {
            fs::create_dir_all(d).map_err(|e| io_error(d, &e))?;
        }
        parallel(&staged, |(path, data)| {
            let tmp = temp_name(path);
            let mut f = File::create(&tmp).map_err(|e| io_error(&tmp, &e))?;
            f.write_all(data)
                .and_then(|()| f.sync_data())
                .map_err(|e| io_error(&tmp, &e))
        })?;
        for (path, _) in &staged {
            fs::rename(temp_name(path), path).map_err(|e| io_error(path, &e))?;
        }
        let dirs: Vec<PathBuf> = dirs.into_iter().collect();
        parallel(&dirs, |d| sync_dir(d))
    }
}

impl TileStorage for FileTiles {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        tiles.iter().map(|t| self.read_tile(t)).collect()
    }

    /// Stages a tile; durable after [`FileTiles::flush`]. A tile is only ever
    /// written for a tree size not yet published, so replacing an existing file
    /// (left by a batch that crashed before its checkpoint) is allowed.
    fn write_tile(&mut self, tile: &Tile, data: &[u8]) -> Result<(), Error> {
        self.staged.push((self.file(tile), data.to_vec()));
        Ok(())
    }
}
