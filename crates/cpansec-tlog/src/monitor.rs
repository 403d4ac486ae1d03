//! Monitoring a CPAN upload log: read every entry appended since the last
//! run, prove that the log only grew, report the uploads of watched authors
//! and distributions, and raise an alarm when a watched distribution is
//! uploaded by an author who never released it before (a hijacked PAUSE
//! account, a permissions mistake, a namespace take-over).
//!
//! # How growth is proved
//!
//! The monitor keeps the *frontier* of the tree it saw: the roots of the
//! perfect subtrees that make up a tree of `n` leaves (one per bit set in `n`,
//! largest first), checked against the signed root of `n`. Each new entry read
//! from the bundles is hashed and pushed onto the frontier; at the end the
//! frontier's root must be the new checkpoint's signed root. That proves
//! together that the new tree extends the old one (no fork, no rewritten
//! history) and that the entries read are exactly the logged ones. A first run,
//! or a run that watches a distribution the state does not know yet, rereads
//! the whole log and checks the old root on the way.
//!
//! # State file
//!
//! ```text
//! cpansec-monitor/v1
//! size <n>                      leaves of the tree seen
//! hash <base64>                 the frontier, one line per bit set in n
//! dist <NAME> [<PAUSEID> ...]   a watched distribution and who released it
//! <blank line>
//! <the signed checkpoint seen, verbatim>
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use crate::Error;
use crate::checkpoint::Checkpoint;
use crate::hash::{Hash, leaf_hash, node_hash};
use crate::record::UploadRecord;
use crate::tile::{TILE_WIDTH, Tile, TileKind, TileStorage, parse_bundle};
use crate::verify::{Trust, open_trusted};

/// First line of a state file.
pub const STATE_HEADER: &str = "cpansec-monitor/v1";
/// Largest state file read.
pub const MAX_STATE_SIZE: usize = 64 << 20;

/// The right edge of a Merkle tree: enough to compute its root and to append.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Subtree roots, largest first: one per bit set in `size`.
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Leaves pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        // The lowest bits of `size` set are the subtrees that merge with it.
        let mut carry = self.size;
        while carry & 1 == 1 {
            let Some(left) = self.hashes.pop() else { break };
            h = node_hash(&left, &h);
            carry >>= 1;
        }
        self.hashes.push(h);
        self.size += 1;
    }

    /// The RFC 6962 root hash of the tree.
    pub fn root(&self) -> Hash {
        let mut it = self.hashes.iter().rev();
        let Some(last) = it.next() else {
            return Hash::EMPTY_TREE;
        };
        it.fold(*last, |right, left| node_hash(left, &right))
    }
}

/// What the monitor remembers between runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitorState {
    /// The signed checkpoint seen last.
    pub checkpoint: String,
    /// The frontier of its tree.
    pub frontier: Frontier,
    /// Watched distributions and the PAUSE ids that released them.
    pub dists: BTreeMap<String, BTreeSet<String>>,
}

fn state_error(line: usize, reason: &str, text: &str) -> Error {
    Error::LogState {
        path: format!("monitor state line {line}"),
        reason: format!("{reason}: {:?}", text.chars().take(100).collect::<String>()),
    }
}

fn valid_word(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_graphic())
}

impl MonitorState {
    /// Parses a state file (as in the module docs), strictly.
    ///
    /// # Errors
    /// [`Error::LogState`] naming the line and what is wrong.
    pub fn parse(data: &[u8]) -> Result<MonitorState, Error> {
        if data.len() > MAX_STATE_SIZE {
            return Err(state_error(1, "state file too large", ""));
        }
        let text = std::str::from_utf8(data).map_err(|_| state_error(1, "not UTF-8", ""))?;
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| state_error(1, "no blank line before the checkpoint", ""))?;
        let mut lines = head.split('\n').enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, STATE_HEADER)) => {}
            other => {
                return Err(state_error(
                    1,
                    "first line is not cpansec-monitor/v1",
                    other.map_or("", |l| l.1),
                ));
            }
        }
        let (line, l) = lines
            .next()
            .ok_or_else(|| state_error(2, "missing size line", ""))?;
        let size: u64 = l
            .strip_prefix("size ")
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .filter(|d| d.len() == 1 || !d.starts_with('0'))
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| state_error(line, "not a size line", l))?;
        let mut hashes = Vec::new();
        let mut dists = BTreeMap::new();
        for (line, l) in lines {
            if let Some(b64) = l.strip_prefix("hash ") {
                if !dists.is_empty() {
                    return Err(state_error(line, "hash line after a dist line", l));
                }
                let h = Hash::from_base64(b64)
                    .ok()
                    .filter(|h| h.to_base64() == b64)
                    .ok_or_else(|| state_error(line, "not a base64 SHA-256 hash", l))?;
                hashes.push(h);
            } else if let Some(rest) = l.strip_prefix("dist ") {
                let mut words = rest.split(' ');
                let name = words.next().unwrap_or_default();
                if !valid_word(name) {
                    return Err(state_error(line, "not a distribution name", l));
                }
                let mut authors = BTreeSet::new();
                for a in words {
                    if !valid_word(a) || !authors.insert(a.to_string()) {
                        return Err(state_error(line, "bad or repeated PAUSE id", l));
                    }
                }
                if dists.insert(name.to_string(), authors).is_some() {
                    return Err(state_error(line, "distribution listed twice", l));
                }
            } else {
                return Err(state_error(line, "not a hash or dist line", l));
            }
        }
        if hashes.len() != size.count_ones() as usize {
            return Err(state_error(
                2,
                "the number of hash lines does not match the size",
                &size.to_string(),
            ));
        }
        Ok(MonitorState {
            checkpoint: checkpoint.to_string(),
            frontier: Frontier { size, hashes },
            dists,
        })
    }
}

impl fmt::Display for MonitorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{STATE_HEADER}")?;
        writeln!(f, "size {}", self.frontier.size)?;
        for h in &self.frontier.hashes {
            writeln!(f, "hash {h}")?;
        }
        for (dist, authors) in &self.dists {
            let mut line = format!("dist {dist}");
            for a in authors {
                let _ = write!(line, " {a}");
            }
            writeln!(f, "{line}")?;
        }
        writeln!(f)?;
        f.write_str(&self.checkpoint)
    }
}

/// What to watch.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    /// PAUSE ids whose every upload is reported.
    pub authors: BTreeSet<String>,
    /// Distributions whose every upload is reported, with an alarm for a new
    /// author.
    pub dists: BTreeSet<String>,
}

/// An upload of a watched distribution by an author who never released it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alarm {
    /// Entry number.
    pub entry: u64,
    /// The upload.
    pub record: UploadRecord,
    /// Who released the distribution before.
    pub previous: BTreeSet<String>,
}

/// The result of one run.
#[derive(Clone, Debug)]
pub struct Report {
    /// Size of the tree seen last time (`None` on a first run: a baseline, no
    /// upload is new).
    pub old_size: Option<u64>,
    /// Size of the checkpoint checked now.
    pub size: u64,
    /// New uploads by watched authors or of watched distributions, in order.
    pub uploads: Vec<(u64, UploadRecord)>,
    /// The alarms among them.
    pub alarms: Vec<Alarm>,
    /// Entries read from the bundles.
    pub read: u64,
}

/// Runs the monitor: checks `checkpoint` (signed text) under `trust`, reads the
/// entries appended since `state` from `tiles`, proves the growth (see the
/// module docs) and returns the report and the new state to save. `log` names
/// the log in errors.
///
/// The first upload of a distribution with no release at all is reported but
/// is no alarm (nobody released it before); later uploads by anyone else are.
///
/// # Errors
/// Signature and quorum errors; [`Error::LogState`] when the log shrank, does
/// not extend the state's tree (a fork) or its entries do not hash to the
/// signed root, or when an entry is not a record; tile errors.
pub fn monitor<S: TileStorage + ?Sized>(
    log: &str,
    checkpoint: &str,
    trust: &Trust<'_>,
    tiles: &S,
    watch: &Watch,
    state: Option<&MonitorState>,
) -> Result<(Report, MonitorState), Error> {
    let fail = |reason: String| Error::LogState {
        path: log.to_string(),
        reason,
    };
    let (cp, _) = open_trusted(checkpoint, trust)?;
    let old: Option<Checkpoint> = match state {
        Some(st) => {
            let (old, _) = open_trusted(&st.checkpoint, trust)?;
            if st.frontier.size != old.size() || st.frontier.root() != *old.root() {
                return Err(fail(
                    "the monitor state's frontier does not match its checkpoint".into(),
                ));
            }
            if old.size() > cp.size() {
                return Err(fail(format!(
                    "checkpoint size {} is smaller than the {} seen before (rollback)",
                    cp.size(),
                    old.size()
                )));
            }
            Some(old)
        }
        None => None,
    };
    let mut dists: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut rescan = state.is_none();
    for d in &watch.dists {
        match state.and_then(|s| s.dists.get(d)) {
            Some(known) => {
                dists.insert(d.clone(), known.clone());
            }
            None => {
                rescan = true;
                dists.insert(d.clone(), BTreeSet::new());
            }
        }
    }
    let old_size = old.as_ref().map(Checkpoint::size);
    let (start, mut frontier) = match state {
        Some(st) if !rescan => (st.frontier.size, st.frontier.clone()),
        _ => (0, Frontier::new()),
    };
    let mut uploads = Vec::new();
    let mut alarms = Vec::new();
    let w = u64::from(TILE_WIDTH);
    let mut read = 0u64;
    for k in start / w..cp.size().div_ceil(w) {
        let tile = Tile::at_size(TileKind::Entries, k, cp.size())
            .ok_or_else(|| fail(format!("no bundle {k}")))?;
        let data = tiles
            .read_tiles(&[tile])?
            .pop()
            .ok_or(Error::TileMissing { path: tile.path() })?;
        for (j, bytes) in parse_bundle(&data, tile.width())?.into_iter().enumerate() {
            let i = k * w + j as u64;
            if i < start {
                continue;
            }
            frontier.push(leaf_hash(bytes));
            read += 1;
            if let Some(old) = &old
                && frontier.size() == old.size()
                && frontier.root() != *old.root()
            {
                return Err(fail(format!(
                    "the first {} entries do not hash to the root seen before (fork)",
                    old.size()
                )));
            }
            let record = UploadRecord::parse(bytes)
                .map_err(|e| fail(format!("entry {i} is not an upload record: {e}")))?;
            let is_new = old_size.is_some_and(|s| i >= s);
            let watched = dists.get_mut(record.dist());
            let mut report = is_new && watch.authors.contains(record.author());
            if let Some(known) = watched {
                if is_new {
                    report = true;
                    if !known.is_empty() && !known.contains(record.author()) {
                        alarms.push(Alarm {
                            entry: i,
                            record: record.clone(),
                            previous: known.clone(),
                        });
                    }
                }
                known.insert(record.author().to_string());
            }
            if report {
                uploads.push((i, record));
            }
        }
    }
    if frontier.size() != cp.size() || frontier.root() != *cp.root() {
        return Err(fail(format!(
            "the entries read do not hash to the signed root of size {}{}",
            cp.size(),
            if rescan { "" } else { " (fork)" }
        )));
    }
    let new_state = MonitorState {
        checkpoint: checkpoint.to_string(),
        frontier,
        dists,
    };
    Ok((
        Report {
            old_size,
            size: cp.size(),
            uploads,
            alarms,
            read,
        },
        new_state,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MemoryTree;

    #[test]
    fn frontier_root_matches_memory_tree() {
        let mut f = Frontier::new();
        let mut t = MemoryTree::new();
        assert_eq!(f.root(), t.root());
        for i in 0u32..600 {
            let leaf = leaf_hash(&i.to_be_bytes());
            f.push(leaf);
            t.push(leaf);
            assert_eq!(f.root(), t.root(), "size {}", i + 1);
            assert_eq!(f.hashes.len(), f.size().count_ones() as usize);
        }
    }

    #[test]
    fn state_round_trip_and_rejects() {
        let mut frontier = Frontier::new();
        for i in 0u8..5 {
            frontier.push(leaf_hash(&[i]));
        }
        let st = MonitorState {
            checkpoint: "o\n5\nAAAA\n\n— o sig\n".into(),
            frontier,
            dists: BTreeMap::from([(
                "Foo-Bar".to_string(),
                BTreeSet::from(["ANDK".to_string(), "BUSTER".to_string()]),
            )]),
        };
        let text = st.to_string();
        assert_eq!(MonitorState::parse(text.as_bytes()).unwrap(), st);
        // One hash line too few for size 5.
        let bad = text.replacen("hash ", "hashx ", 1);
        assert!(MonitorState::parse(bad.as_bytes()).is_err());
        let bad = text.replace("size 5", "size 4");
        assert!(MonitorState::parse(bad.as_bytes()).is_err());
        let bad = text.replace("size 5", "size 05");
        assert!(MonitorState::parse(bad.as_bytes()).is_err());
        let bad = text.replace("BUSTER", "ANDK");
        assert!(MonitorState::parse(bad.as_bytes()).is_err());
        assert!(MonitorState::parse(b"cpansec-monitor/v1\nsize 0\n").is_err());
    }
}
