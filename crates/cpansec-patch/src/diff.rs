//! Unified diffs, as `git format-patch` writes them and GNU `patch -p1` reads
//! them.
//!
//! A patch file is a mail header (`From:`, `Date:`, `Subject:`), a commit
//! message, and file sections. A file section starts at a `--- OLD` line that
//! is followed by `+++ NEW` and a hunk header `@@ -A[,B] +C[,D] @@`; git's
//! `diff --git` and extended header lines before it say whether the file is
//! created, deleted, renamed, binary or a symbolic link. Paths lose their first
//! component (`a/lib/X.pm` is `lib/X.pm`), as with `patch -p1`; `/dev/null`
//! stands for "no file".
//!
//! A hunk's body is read by its line counts, exactly as GNU patch reads it:
//! ` ` context, `-` removed, `+` added, and `\ No newline at end of file` after
//! the line it qualifies. Two leniencies of GNU patch are kept, because real
//! patches need them: an empty line is a context line whose leading blank was
//! lost, and a hunk whose trailing blank context lines were stripped (the old
//! and new counts short by the same number) is completed with empty context
//! lines. Any other shortfall is a malformed patch, reported at its line.

use std::path::{Path, PathBuf};

use crate::PatchError;

/// One parsed patch file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    /// The mail `Subject:` (without continuation folding), when there is one.
    pub subject: Option<String>,
    /// The mail `From:` (the author), when there is one.
    pub from: Option<String>,
    /// The mail `Date:`, as written.
    pub date: Option<String>,
    /// The file sections, in patch order.
    pub files: Vec<FilePatch>,
}

/// The changes to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePatch {
    /// The path before the change, one component stripped; `None` when the
    /// file is created.
    pub old_path: Option<String>,
    /// The path after the change; `None` when the file is deleted.
    pub new_path: Option<String>,
    /// Line of the `---` header in the patch file (1-based).
    pub line: usize,
    pub hunks: Vec<Hunk>,
}

impl FilePatch {
    /// The file the section changes: the new path, or the old one for a deletion.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or_default()
    }
}

/// One hunk: a run of lines that must be found in the file, and what replaces them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    /// `A` in `@@ -A,B +C,D @@`: the first old line (1-based); for an empty
    /// old side, the line after which the new lines go.
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    /// Line of the `@@` header in the patch file (1-based).
    pub line: usize,
    pub lines: Vec<Line>,
}

impl Hunk {
    /// The lines the file must have before the change (context and removed).
    pub fn old_lines(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter(|l| l.kind != LineKind::Add)
            .map(|l| l.text.as_str())
    }

    /// The lines the file has after the change (context and added).
    pub fn new_lines(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter(|l| l.kind != LineKind::Remove)
            .map(|l| l.text.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    Context,
    Remove,
    Add,
}

/// A line of a hunk. `text` includes its line ending, unless the patch marks
/// it `\ No newline at end of file`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub text: String,
}

/// What git's extended header lines said about the section that follows.
#[derive(Default)]
struct GitHeader {
    line: usize,
    refused: Option<String>,
}

impl Patch {
    /// Parses patch text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Patch, PatchError> {
        Parser {
            lines: text.split_inclusive('\n').collect(),
            at: 0,
            path: path.to_path_buf(),
        }
        .patch()
    }
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    /// Index of the next unread line.
    at: usize,
    path: PathBuf,
}

impl<'a> Parser<'a> {
    fn peek(&self, ahead: usize) -> Option<&'a str> {
        self.lines.get(self.at + ahead).copied()
    }

    fn malformed(&self, line: usize, reason: impl Into<String>) -> PatchError {
        PatchError::Malformed {
            path: self.path.clone(),
            line,
            reason: reason.into(),
        }
    }

    fn refused(&self, line: usize, reason: impl Into<String>) -> PatchError {
        PatchError::Refused {
            path: self.path.clone(),
            line,
            reason: reason.into(),
        }
    }

    fn patch(mut self) -> Result<Patch, PatchError> {
        let mut patch = Patch {
            subject: None,
            from: None,
            date: None,
            files: Vec::new(),
        };
        let mut in_mail_header = true;
        let mut git: Option<GitHeader> = None;
        while let Some(line) = self.peek(0) {
            let text = line.trim_end_matches(['\n', '\r']);
            if in_mail_header {
                if text.is_empty() {
                    in_mail_header = false;
                } else if let Some(v) = text.strip_prefix("Subject: ") {
                    patch.subject = Some(v.to_string());
                } else if let Some(v) = text.strip_prefix("From: ") {
                    patch.from = Some(v.to_string());
                } else if let Some(v) = text.strip_prefix("Date: ") {
                    patch.date = Some(v.to_string());
                }
            }
            if text.starts_with("diff --git ") {
                in_mail_header = false;
                if let Some(header) = git.take() {
                    self.finish_git_section(header, None)?;
                }
                git = Some(GitHeader {
                    line: self.at + 1,
                    refused: None,
                });
                self.at += 1;
                continue;
            }
            if let Some(header) = git.as_mut() {
                if let Some(reason) = refused_git_header(text) {
                    header.refused.get_or_insert(reason);
                }
            }
            if self.is_file_header() {
                in_mail_header = false;
                let header = git.take();
                let file = self.file_section()?;
                if let Some(header) = header {
                    self.finish_git_section(header, Some(&file))?;
                }
                patch.files.push(file);
                continue;
            }
            self.at += 1;
        }
        if let Some(header) = git.take() {
            self.finish_git_section(header, None)?;
        }
        if patch.files.is_empty() {
            return Err(self.malformed(self.lines.len().max(1), "no file changes in the patch"));
        }
        Ok(patch)
    }

    /// A git section may carry no text hunks (binary data, a pure rename or
    /// mode change): such changes are refused, never silently dropped.
    fn finish_git_section(
        &self,
        header: GitHeader,
        file: Option<&FilePatch>,
    ) -> Result<(), PatchError> {
        if let Some(reason) = header.refused {
            return Err(self.refused(header.line, reason));
        }
        if file.is_none() {
            return Err(self.refused(
                header.line,
                "a `diff --git` section without text hunks (a binary change, rename or mode change) is not supported",
            ));
        }
        Ok(())
    }

    fn is_file_header(&self) -> bool {
        matches!(
            (self.peek(0), self.peek(1), self.peek(2)),
            (Some(a), Some(b), Some(c))
                if a.starts_with("--- ") && b.starts_with("+++ ") && parse_hunk_header(c).is_some()
        )
    }

    fn file_section(&mut self) -> Result<FilePatch, PatchError> {
        let line = self.at + 1;
        let old_path = self.header_path(self.peek(0).unwrap_or_default(), line)?;
        let new_path = self.header_path(self.peek(1).unwrap_or_default(), line + 1)?;
        if old_path.is_none() && new_path.is_none() {
            return Err(self.malformed(line, "both sides are /dev/null"));
        }
        self.at += 2;
        let mut hunks = Vec::new();
        while let Some((old_start, old_len, new_start, new_len)) =
            self.peek(0).and_then(parse_hunk_header)
        {
            let header_line = self.at + 1;
            self.at += 1;
            let lines = self.hunk_body(header_line, old_len, new_len)?;
            hunks.push(Hunk {
                old_start,
                old_len,
                new_start,
                new_len,
                line: header_line,
                lines,
            });
        }
        let file = FilePatch {
            old_path,
            new_path,
            line,
            hunks,
        };
        self.check_sides(&file)?;
        Ok(file)
    }

    /// A created file has only added lines, a deleted one only removed lines.
    fn check_sides(&self, file: &FilePatch) -> Result<(), PatchError> {
        for hunk in &file.hunks {
            if file.old_path.is_none() && hunk.old_len != 0 {
                return Err(self.malformed(
                    hunk.line,
                    "a created file (--- /dev/null) cannot have old lines",
                ));
            }
            if file.new_path.is_none() && hunk.new_len != 0 {
                return Err(self.malformed(
                    hunk.line,
                    "a deleted file (+++ /dev/null) cannot have new lines",
                ));
            }
        }
        Ok(())
    }

    /// The path on a `---`/`+++` line with its first component stripped
    /// (`patch -p1`); `None` for `/dev/null`.
    fn header_path(&self, header: &str, line: usize) -> Result<Option<String>, PatchError> {
        let name = header[4..].trim_end_matches(['\n', '\r']);
        // A tab separates the name from an optional timestamp.
        let name = name.split('\t').next().unwrap_or_default().trim_end();
        if name == "/dev/null" {
            return Ok(None);
        }
        let name =
            unquote(name).ok_or_else(|| self.malformed(line, format!("bad quoted path {name}")))?;
        match name.split_once('/') {
            Some((_, rest)) if !rest.is_empty() => Ok(Some(rest.to_string())),
            _ => Err(self.malformed(
                line,
                format!(
                    "path {name:?} has no leading component to strip (expected a/... or b/...)"
                ),
            )),
        }
    }

    fn hunk_body(
        &mut self,
        header_line: usize,
        old_len: usize,
        new_len: usize,
    ) -> Result<Vec<Line>, PatchError> {
        let (mut old_left, mut new_left) = (old_len, new_len);
        let mut lines = Vec::with_capacity(old_len.max(new_len));
        while old_left > 0 || new_left > 0 {
            let Some(raw) = self.peek(0) else { break };
            if self.ends_hunk_early(raw) {
                break;
            }
            let (kind, text) = match raw.as_bytes().first() {
                Some(b' ') => (LineKind::Context, &raw[1..]),
                Some(b'-') => (LineKind::Remove, &raw[1..]),
                Some(b'+') => (LineKind::Add, &raw[1..]),
                // A context line whose leading blank an editor or mailer removed.
                Some(b'\n') => (LineKind::Context, raw),
                Some(b'\r') if raw == "\r\n" => (LineKind::Context, raw),
                _ => break,
            };
            match kind {
                LineKind::Context if old_left == 0 || new_left == 0 => break,
                LineKind::Remove if old_left == 0 => break,
                LineKind::Add if new_left == 0 => break,
                _ => {}
            }
            if kind != LineKind::Add {
                old_left -= 1;
            }
            if kind != LineKind::Remove {
                new_left -= 1;
            }
            lines.push(Line {
                kind,
                text: text.to_string(),
            });
            self.at += 1;
            self.no_newline_marker(&mut lines);
        }
        if old_left == new_left && old_left > 0 {
            // Trailing blank context lines lost in transit: GNU patch assumes them.
            for _ in 0..old_left {
                lines.push(Line {
                    kind: LineKind::Context,
                    text: "\n".to_string(),
                });
            }
        } else if old_left > 0 || new_left > 0 {
            return Err(self.malformed(
                header_line,
                format!(
                    "hunk ends early at line {}: {old_left} old and {new_left} new lines missing of the {old_len} and {new_len} its header announces",
                    self.at + 1
                ),
            ));
        }
        self.no_newline_marker(&mut lines);
        Ok(lines)
    }

    /// `\ No newline at end of file` after a line: the line has no ending.
    fn no_newline_marker(&mut self, lines: &mut [Line]) {
        if self.peek(0).is_some_and(|l| l.starts_with('\\')) {
            if let Some(last) = lines.last_mut() {
                let trimmed = last.text.strip_suffix('\n').unwrap_or(&last.text);
                last.text = trimmed.strip_suffix('\r').unwrap_or(trimmed).to_string();
            }
            self.at += 1;
        }
    }

    /// The start of the next git section, or git's signature (`-- ` and a
    /// version line at the very end), cut a short hunk.
    fn ends_hunk_early(&self, raw: &str) -> bool {
        raw.starts_with("diff --git ") || (raw == "-- \n" && self.lines.len() - self.at <= 3)
    }
}

/// A git extended header line that announces a change we do not apply.
fn refused_git_header(text: &str) -> Option<String> {
    let symlink = |mode: &str| mode.trim() == "120000";
    if let Some(mode) = text
        .strip_prefix("new file mode ")
        .or_else(|| text.strip_prefix("deleted file mode "))
        .or_else(|| text.strip_prefix("new mode "))
        .or_else(|| text.strip_prefix("old mode "))
    {
        if symlink(mode) {
            return Some("the patch creates, deletes or changes a symbolic link".into());
        }
        if mode.trim() == "160000" {
            return Some("the patch changes a git submodule".into());
        }
    }
    if text.starts_with("Binary files ") || text == "GIT binary patch" {
        return Some("binary patches are not supported".into());
    }
    if text.starts_with("rename from ") || text.starts_with("copy from ") {
        return Some("renames and copies are not supported".into());
    }
    None
}

/// `@@ -A[,B] +C[,D] @@ ...` as (A, B, C, D); a missing count is 1.
fn parse_hunk_header(line: &str) -> Option<(usize, usize, usize, usize)> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let range = |r: &str| -> Option<(usize, usize)> {
        match r.split_once(',') {
            Some((start, len)) => Some((number(start)?, number(len)?)),
            None => Some((number(r)?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d))
}

/// A decimal count that fits comfortably (hunks are bounded by the file size).
fn number(s: &str) -> Option<usize> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// git quotes names with unusual bytes in C style (`"a/x\ty"`); plain names
/// pass through.
fn unquote(name: &str) -> Option<String> {
    let Some(inner) = name.strip_prefix('"') else {
        return Some(name.to_string());
    };
    let inner = inner.strip_suffix('"')?;
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next()? {
            b'n' => bytes.push(b'\n'),
            b't' => bytes.push(b'\t'),
            b'"' => bytes.push(b'"'),
            b'\\' => bytes.push(b'\\'),
            d @ b'0'..=b'3' => {
                let d2 = it.next()?;
                let d3 = it.next()?;
                if !(b'0'..=b'7').contains(&d2) || !(b'0'..=b'7').contains(&d3) {
                    return None;
                }
                bytes.push((d - b'0') * 64 + (d2 - b'0') * 8 + (d3 - b'0'));
            }
            _ => return None,
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Patch, PatchError> {
        Patch::parse(text, Path::new("t.patch"))
    }

    const SIMPLE: &str = "From: A <a@example.org>\nSubject: [PATCH] fix\n\nbody\n---\n x | 2 +-\n\ndiff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n-- \n2.39.2\n";

    #[test]
    fn reads_mail_header_and_one_hunk() {
        let p = parse(SIMPLE).unwrap();
        assert_eq!(p.subject.as_deref(), Some("[PATCH] fix"));
        assert_eq!(p.from.as_deref(), Some("A <a@example.org>"));
        assert_eq!(p.files.len(), 1);
        let h = &p.files[0].hunks[0];
        assert_eq!(
            (h.old_start, h.old_len, h.new_start, h.new_len),
            (1, 3, 1, 3)
        );
        assert_eq!(h.old_lines().collect::<String>(), "one\ntwo\nthree\n");
        assert_eq!(h.new_lines().collect::<String>(), "one\nTWO\nthree\n");
        assert_eq!(p.files[0].path(), "x");
    }

    #[test]
    fn the_diffstat_separator_is_not_a_file_header() {
        // `---` alone and ` x | 2 +-` must not start a section.
        let p = parse(SIMPLE).unwrap();
        assert_eq!(p.files[0].line, 10);
    }

    #[test]
    fn no_newline_marker_strips_the_ending() {
        let p = parse("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n").unwrap();
        let h = &p.files[0].hunks[0];
        assert_eq!(h.lines[0].text, "a");
        assert_eq!(h.lines[1].text, "b");
    }

    #[test]
    fn chopped_blank_context_is_restored_as_gnu_patch_does() {
        let p = parse("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n c\n").unwrap();
        let h = &p.files[0].hunks[0];
        assert_eq!(h.old_lines().collect::<Vec<_>>(), ["a\n", "c\n", "\n"]);
    }

    #[test]
    fn uneven_shortfall_is_malformed_at_the_hunk() {
        let err = parse("--- a/x\n+++ b/x\n@@ -1,3 +1,2 @@\n-a\n+b\n").unwrap_err();
        assert!(
            matches!(err, PatchError::Malformed { line: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn empty_line_is_blank_context() {
        let p = parse("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n").unwrap();
        assert_eq!(p.files[0].hunks[0].lines[1].kind, LineKind::Context);
    }

    #[test]
    fn created_and_deleted_files() {
        let p = parse("--- /dev/null\n+++ b/t/new.t\n@@ -0,0 +1,2 @@\n+a\n+b\n--- a/old\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n").unwrap();
        assert_eq!(p.files[0].old_path, None);
        assert_eq!(p.files[0].new_path.as_deref(), Some("t/new.t"));
        assert_eq!(p.files[1].new_path, None);
        assert_eq!(p.files[1].path(), "old");
    }

    #[test]
    fn binary_symlink_and_rename_sections_are_refused() {
        for header in [
            "diff --git a/x b/x\nnew file mode 120000\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+/etc/passwd\n",
            "diff --git a/x b/x\nindex 1..2\nBinary files a/x and b/x differ\n",
            "diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n",
        ] {
            let err = parse(header).unwrap_err();
            assert!(matches!(err, PatchError::Refused { line: 1, .. }), "{err}");
        }
    }

    #[test]
    fn text_without_changes_is_an_error() {
        assert!(matches!(
            parse("just a mail\n"),
            Err(PatchError::Malformed { .. })
        ));
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        let p = parse("--- \"a/sp ace\\tx\"\n+++ \"b/sp ace\\tx\"\n@@ -1 +1 @@\n-a\n+b\n").unwrap();
        assert_eq!(p.files[0].path(), "sp ace\tx");
    }

    #[test]
    fn hunk_header_forms() {
        assert_eq!(parse_hunk_header("@@ -1 +1 @@"), Some((1, 1, 1, 1)));
        assert_eq!(
            parse_hunk_header("@@ -0,0 +1,5 @@ sub x {"),
            Some((0, 0, 1, 5))
        );
        assert_eq!(parse_hunk_header("@@ -1,a +1 @@"), None);
        assert_eq!(parse_hunk_header("@@ -99999999999 +1 @@"), None);
    }
}
