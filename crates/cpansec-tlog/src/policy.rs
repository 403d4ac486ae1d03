//! Trust policies (<https://c2sp.org/tlog-policy>): which logs and witnesses a
//! verifier trusts, and which sets of witness cosignatures make a checkpoint valid.
//!
//! ```text
//! log <vkey> [<url>]                  a log; its key name is its origin
//! witness <name> <vkey> [<url>]       a witness (cosignature/v1 key, type 0x04)
//! group <name> all|any|<k> <name>...  k of the members (witnesses or earlier groups)
//! quorum <name>|none                  exactly once
//! # comment                           blank and comment lines are ignored
//! ```
//!
//! Items are separated by spaces and tabs; names and keys may only refer to lines
//! above them, so groups cannot be circular. Witnesses and groups share one
//! namespace, in which `none` is reserved; a name is listed at most once per group;
//! `1 <= k <= n`; two logs or two witnesses may not share a public key. The only
//! control characters allowed are tab and newline.
//!
//! This implementation reads policies as UTF-8 (the spec recommends UTF-8 and
//! treats high-bit bytes as opaque; a policy that is not UTF-8 is rejected) and
//! accepts at most [`MAX_ITEMS`] logs, witnesses and groups each.

use std::collections::{BTreeMap, BTreeSet};

use crate::Error;
use crate::checkpoint::Checkpoint;
use crate::cosignature::CosignatureVerifier;
use crate::note::{self, Ed25519Verifier, Note, Verifier, VerifierList};

/// Most logs, witnesses or groups a policy may define (the spec asks for 32).
pub const MAX_ITEMS: usize = 256;
/// Largest policy file read, in bytes.
pub const MAX_POLICY_SIZE: usize = 1 << 20;

/// A log of the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyLog {
    /// Its key; the key name is the checkpoint origin.
    pub verifier: Ed25519Verifier,
    /// Where to reach it, if given.
    pub url: Option<String>,
}

/// A witness of the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWitness {
    /// Its cosignature key.
    pub verifier: CosignatureVerifier,
    /// Where to reach it, if given.
    pub url: Option<String>,
}

/// A group: at least `threshold` of `members` must have witnessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// `k`, `1..=members.len()`.
    pub threshold: usize,
    /// Witness or group names, each defined above.
    pub members: Vec<String>,
}

/// A parsed policy. Invariant: every name a group or the quorum uses is defined.
#[derive(Debug)]
pub struct Policy {
    logs: Vec<PolicyLog>,
    witnesses: BTreeMap<String, PolicyWitness>,
    groups: BTreeMap<String, Group>,
    /// `None` for `quorum none`.
    quorum: Option<String>,
    verifiers: VerifierList,
}

/// A checkpoint a policy accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The opened note.
    pub note: Note,
    /// Policy names of the witnesses whose cosignature verified.
    pub witnesses: BTreeSet<String>,
}

impl Policy {
    /// Parses a policy file.
    ///
    /// # Errors
    /// [`Error::Policy`] with the line, reason and text of the first problem.
    pub fn parse(text: &[u8]) -> Result<Policy, Error> {
        let bad = |line, reason, text: &str| Error::Policy {
            line,
            reason,
            text: text.to_owned(),
        };
        if text.len() > MAX_POLICY_SIZE {
            return Err(bad(1, "policy file too large", ""));
        }
        let text = std::str::from_utf8(text).map_err(|e| {
            let line = 1 + text
                .get(..e.valid_up_to())
                .map_or(0, |t| t.iter().filter(|&&b| b == b'\n').count());
            bad(line, "not UTF-8", "")
        })?;
        let mut logs: Vec<PolicyLog> = Vec::new();
        let mut witnesses: BTreeMap<String, PolicyWitness> = BTreeMap::new();
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        let mut quorum: Option<Option<String>> = None;
        let mut keys_seen: BTreeSet<(bool, [u8; 32])> = BTreeSet::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let bad = |reason| bad(line, reason, raw);
            if raw.chars().any(|c| c.is_ascii_control() && c != '\t') {
                return Err(bad("control character"));
            }
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            let Some((&keyword, args)) = words.split_first() else {
                continue;
            };
            if keyword.starts_with('#') {
                continue;
            }
            let defined = |name: &str| witnesses.contains_key(name) || groups.contains_key(name);
            match keyword {
                "log" => {
                    let (vkey, url) = match args {
                        [vkey] => (*vkey, None),
                        [vkey, url] => (*vkey, Some((*url).to_owned())),
                        _ => return Err(bad("want: log <vkey> [<url>]")),
                    };
                    let verifier =
                        Ed25519Verifier::from_vkey(vkey).map_err(|_| bad("invalid log key"))?;
                    if !keys_seen.insert((false, verifier.public_key())) {
                        return Err(bad("duplicate log key"));
                    }
                    if logs.len() >= MAX_ITEMS {
                        return Err(bad("too many logs"));
                    }
                    logs.push(PolicyLog { verifier, url });
                }
                "witness" => {
                    let (name, vkey, url) = match args {
                        [name, vkey] => (*name, *vkey, None),
                        [name, vkey, url] => (*name, *vkey, Some((*url).to_owned())),
                        _ => return Err(bad("want: witness <name> <vkey> [<url>]")),
                    };
                    if name == "none" || defined(name) {
                        return Err(bad("name already defined or reserved"));
                    }
                    let verifier = CosignatureVerifier::from_vkey(vkey)
                        .map_err(|_| bad("invalid witness key (want a cosignature/v1 vkey)"))?;
                    if !keys_seen.insert((true, verifier.public_key())) {
                        return Err(bad("duplicate witness key"));
                    }
                    if witnesses.len() >= MAX_ITEMS {
                        return Err(bad("too many witnesses"));
                    }
                    witnesses.insert(name.to_owned(), PolicyWitness { verifier, url });
                }
                "group" => {
                    let [name, k, members @ ..] = args else {
                        return Err(bad("want: group <name> all|any|<k> <name>..."));
                    };
                    if *name == "none" || defined(name) {
                        return Err(bad("name already defined or reserved"));
                    }
                    if members.is_empty() {
                        return Err(bad("group has no members"));
                    }
                    let mut unique = BTreeSet::new();
                    for m in members {
                        if !defined(m) {
                            return Err(bad("member not defined on an earlier line"));
                        }
                        if !unique.insert(*m) {
                            return Err(bad("member listed twice"));
                        }
                    }
                    let threshold = match *k {
                        "all" => members.len(),
                        "any" => 1,
                        k if !k.is_empty()
                            && k.bytes().all(|b| b.is_ascii_digit())
                            && (k == "0" || !k.starts_with('0')) =>
                        {
                            k.parse().map_err(|_| bad("threshold is not a number"))?
                        }
                        _ => return Err(bad("threshold is not all, any or a decimal")),
                    };
                    if threshold == 0 || threshold > members.len() {
                        return Err(bad("threshold not in 1..=members"));
                    }
                    if groups.len() >= MAX_ITEMS {
                        return Err(bad("too many groups"));
                    }
                    let members = members.iter().map(|m| (*m).to_owned()).collect();
                    groups.insert((*name).to_owned(), Group { threshold, members });
                }
                "quorum" => {
                    let [name] = args else {
                        return Err(bad("want: quorum <name>"));
                    };
                    if quorum.is_some() {
                        return Err(bad("second quorum line"));
                    }
                    if *name != "none" && !defined(name) {
                        return Err(bad("quorum names nothing defined on an earlier line"));
                    }
                    quorum = Some((*name != "none").then(|| (*name).to_owned()));
                }
                _ => return Err(bad("unknown keyword")),
            }
        }
        let quorum = quorum.ok_or(bad(1 + text.matches('\n').count(), "no quorum line", ""))?;
        let mut list: Vec<Box<dyn Verifier>> = Vec::new();
        list.extend(
            logs.iter()
                .map(|l| Box::new(l.verifier.clone()) as Box<dyn Verifier>),
        );
        list.extend(
            witnesses
                .values()
                .map(|w| Box::new(w.verifier.clone()) as Box<dyn Verifier>),
        );
        Ok(Policy {
            logs,
            witnesses,
            groups,
            quorum,
            verifiers: VerifierList::new(list),
        })
    }

    /// The logs.
    pub fn logs(&self) -> &[PolicyLog] {
        &self.logs
    }

    /// The witnesses, by name.
    pub fn witnesses(&self) -> &BTreeMap<String, PolicyWitness> {
        &self.witnesses
    }

    /// The groups, by name.
    pub fn groups(&self) -> &BTreeMap<String, Group> {
        &self.groups
    }

    /// The quorum's name; `None` for `quorum none`.
    pub fn quorum(&self) -> Option<&str> {
        self.quorum.as_deref()
    }

    /// Does this set of witnesses (by policy name) satisfy the quorum?
    /// Cost: linear in the size of the policy.
    pub fn quorum_met(&self, cosigned: &BTreeSet<String>) -> bool {
        self.quorum
            .as_deref()
            .is_none_or(|q| self.witnessed(q, cosigned, 0))
    }

    fn witnessed(&self, name: &str, cosigned: &BTreeSet<String>, depth: usize) -> bool {
        if depth > MAX_ITEMS {
            return false;
        }
        if self.witnesses.contains_key(name) {
            return cosigned.contains(name);
        }
        self.groups.get(name).is_some_and(|g| {
            g.members
                .iter()
                .filter(|m| self.witnessed(m, cosigned, depth + 1))
                .count()
                >= g.threshold
        })
    }

    /// Verifies a signed checkpoint against the policy: signed by one of its logs
    /// (whose key name is the origin), every signature by a known key valid, and
    /// the witness quorum met.
    ///
    /// # Errors
    /// Note errors, [`Error::NoLogSignature`], [`Error::MalformedCheckpoint`],
    /// [`Error::WrongOrigin`], [`Error::QuorumNotMet`].
    pub fn verify_checkpoint(&self, msg: &[u8]) -> Result<Accepted, Error> {
        let note = match note::open(msg, &self.verifiers) {
            Err(Error::UnverifiedNote { .. }) => return Err(Error::NoLogSignature),
            other => other?,
        };
        let checkpoint: Checkpoint = note.text().parse()?;
        let signed_by = |name: &str, id: u32| {
            note.signatures()
                .iter()
                .any(|s| s.name == name && s.key_id == id)
        };
        let log = self
            .logs
            .iter()
            .find(|l| signed_by(l.verifier.name(), l.verifier.key_id()))
            .ok_or(Error::NoLogSignature)?;
        if log.verifier.name() != checkpoint.origin() {
            return Err(Error::WrongOrigin {
                want: log.verifier.name().to_owned(),
                got: checkpoint.origin().to_owned(),
            });
        }
        let witnesses: BTreeSet<String> = self
            .witnesses
            .iter()
            .filter(|(_, w)| signed_by(w.verifier.name(), w.verifier.key_id()))
            .map(|(name, _)| name.clone())
            .collect();
        if !self.quorum_met(&witnesses) {
            return Err(Error::QuorumNotMet {
                cosigned: witnesses.len(),
                names: witnesses.iter().cloned().collect::<Vec<_>>().join(", "),
            });
        }
        Ok(Accepted {
            checkpoint,
            note,
            witnesses,
        })
    }
}
