//! Sorting many versions at once: the bulk path behind `cpansec version sort`.
//!
//! Building a [`Version`] per item would allocate per item. Here each version
//! becomes an integer key instead: its first four significant components
//! (trailing zeros dropped), each narrowed to the bits that the largest value
//! in its position needs, and a stable least-significant-digit radix sort
//! orders the keys. Versions with more than four significant components, or
//! whose narrowed components need more than 64 bits, take a general path
//! that compares full component lists.
//!
//! At this scale memory and passes both cost: a freshly touched page costs as
//! much as parsing dozens of versions, but parsing every line a second time
//! costs more than the pages that keep what the first parse found (measured:
//! 16 more bytes a line, 39 more page faults for the advisory database's
//! versions, 15% less time). [`sort_lines`] parses each line once and finds
//! line ends with a byte loop: versions are a few bytes long, too short for a
//! vectorised search to pay off.

use crate::error::VersionError;
use crate::version::{Components, Version, scan_into, scan_simple};

/// Sorts `items` by version.pm order and returns the permutation: `result[k]`
/// is the index in `items` of the k-th smallest. Stable (equal versions keep
/// their order). The first unparseable item is returned as an error with its
/// index.
pub fn sort_permutation<S: AsRef<str>>(items: &[S]) -> Result<Vec<usize>, (usize, VersionError)> {
    let mut parts: Vec<u32> = Vec::with_capacity(16);
    let mut prefixes: Vec<u128> = Vec::with_capacity(items.len());
    let mut long: Vec<(usize, Vec<u32>)> = Vec::new();
    let mut widths = Widths::default();
    for (index, item) in items.iter().enumerate() {
        let item = item.as_ref();
        let prefix = scan_prefix(item, &mut parts).map_err(|err| (index, err))?;
        if parts.len() > 4 {
            long.push((index, parts[4..].to_vec()));
        }
        widths.widen(prefix);
        prefixes.push(prefix);
    }
    if long.is_empty() && widths.fit() && u32::try_from(items.len()).is_ok() {
        let keys: Vec<u64> = prefixes.iter().map(|&p| widths.key(p)).collect();
        return Ok(radix_order(&keys)
            .into_iter()
            .map(|index| index as usize)
            .collect());
    }
    let mut keys: Vec<(u128, usize)> = prefixes.into_iter().zip(0..).collect();
    keys.sort_unstable();
    if !long.is_empty() {
        let rest = |index: usize| -> &[u32] {
            long.binary_search_by_key(&index, |(i, _)| *i)
                .map_or(&[], |at| long[at].1.as_slice())
        };
        for run in keys.chunk_by_mut(|a, b| a.0 == b.0) {
            if run.len() > 1 {
                run.sort_by(|a, b| rest(a.1).cmp(rest(b.1)).then(a.1.cmp(&b.1)));
            }
        }
    }
    Ok(keys.into_iter().map(|(_, index)| index).collect())
}

/// The lines of a text in version.pm order; see [`sort_lines`].
#[derive(Debug)]
pub struct SortedLines<'a> {
    text: &'a str,
    order: Order<'a>,
}

#[derive(Debug)]
enum Order<'a> {
    /// Where each line starts, in sorted order.
    Compact(Sorted<u32>),
    /// The lines, and their indexes in sorted order.
    General {
        lines: Vec<&'a str>,
        order: Vec<usize>,
    },
}

impl<'a> SortedLines<'a> {
    /// The lines (without their `\n` or `\r\n`) in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        let text = self.text;
        let (compact, general) = match &self.order {
            Order::Compact(starts) => (
                Some(
                    starts
                        .as_slice()
                        .iter()
                        .map(move |&start| line_at(text, start as usize)),
                ),
                None,
            ),
            Order::General { lines, order } => (None, Some(order.iter().map(move |&n| lines[n]))),
        };
        compact
            .into_iter()
            .flatten()
            .chain(general.into_iter().flatten())
    }

    /// Writes the lines in sorted order, each followed by `\n`. A line that
    /// ends in `\n` in the text goes out with it in one piece: no search for
    /// its end but the one that finds it, and one copy.
    pub fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let Order::Compact(starts) = &self.order else {
            for line in self.iter() {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
            return Ok(());
        };
        let bytes = self.text.as_bytes();
        for &start in starts.as_slice() {
            let start = start as usize;
            let end = line_end(bytes, start);
            let line = &bytes[start..end];
            if end < bytes.len() && line.last() != Some(&b'\r') {
                out.write_all(&bytes[start..=end])?;
            } else {
                out.write_all(line.strip_suffix(b"\r").unwrap_or(line))?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// How many lines there are.
    pub fn len(&self) -> usize {
        match &self.order {
            Order::Compact(starts) => starts.as_slice().len(),
            Order::General { order, .. } => order.len(),
        }
    }

    /// Whether the text had no lines.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sorts the lines of `text` by version.pm order, ascending or descending;
/// equal versions keep their input order either way. Lines end at `\n`, one
/// `\r` before it is dropped, and a last line needs no `\n`. The first
/// unparseable line is returned as an error with its 0-based line number.
pub fn sort_lines(text: &str, descending: bool) -> Result<SortedLines<'_>, (usize, VersionError)> {
    let mut parts: Vec<u32> = Vec::new();
    let mut widths = Widths::default();
    let mut compact = u32::try_from(text.len()).is_ok();
    // Sized once: grown by doubling, each vector would be copied into fresh
    // pages several times over. Both are twice the line count: the radix
    // sort moves keys and line starts between their two halves.
    let lines = line_count(text);
    let mut starts: Vec<u32> = Vec::with_capacity(2 * lines);
    // Each line's 128-bit prefix as two words; then, in the lower half, the
    // keys made from them.
    let mut keys: Vec<u64> = Vec::with_capacity(2 * lines);
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut number = 0;
    while start < bytes.len() {
        let (prefix, end) = match scan_common(bytes, start) {
            Some(found) => found,
            None => {
                let end = line_end(bytes, start);
                let line = &text[start..end];
                let line = line.strip_suffix('\r').unwrap_or(line);
                let leading = Leading::scan(line, &mut parts).map_err(|err| (number, err))?;
                compact &= !leading.is_long();
                (leading.packed(), end)
            }
        };
        widths.widen(prefix);
        keys.push((prefix >> 64) as u64);
        keys.push(prefix as u64);
        starts.push(start as u32);
        start = end + 1;
        number += 1;
    }
    if !(compact && widths.fit()) {
        return Ok(sort_lines_generally(text, descending));
    }
    let n = starts.len();
    // Key `i` goes where prefix `i/2` was: slot `i` is read (as part of
    // prefix `i/2`, or of prefix `i` itself when `i` is 0) before it is
    // written.
    for i in 0..n {
        let prefix = (u128::from(keys[2 * i]) << 64) | u128::from(keys[2 * i + 1]);
        let key = widths.key(prefix);
        keys[i] = if descending { !key } else { key };
    }
    Ok(SortedLines {
        text,
        order: Order::Compact(radix_sort(keys, starts)),
    })
}

/// The packed prefix of the line at `start` when it has one of the common
/// shapes, and where the line ends (its `\n`, or the end of the text):
/// digits with single dots between them, each run at most nine digits, at
/// most four components, perhaps a leading `v`, perhaps one `_` between two
/// digits of the last component after a dot (an alpha release, `1.23_01`,
/// whose digits read as if it were not there). One dot and no `v` make a
/// decimal, whose fraction is read in groups of three (`1.5` is 1.500,
/// `1.0203` is 1.020.300); otherwise each run is a component. Anything else
/// (`\r`, a fifth component, an empty line, ...) is `None`, for
/// [`Leading::scan`] to read: this finds the line's end and its prefix in
/// the one pass over its bytes, and agrees with [`Leading::scan`] wherever
/// it answers (tested).
fn scan_common(bytes: &[u8], start: usize) -> Option<(u128, usize)> {
    let dotted = bytes.get(start) == Some(&b'v');
    let mut at = start + usize::from(dotted);
    let mut parts = [0u32; 4];
    let mut count = 0;
    let mut value: u32 = 0;
    let mut digits = 0;
    let mut alpha = false;
    let mut after_digit = false;
    loop {
        let c = bytes.get(at).copied().unwrap_or(b'\n');
        match c {
            b'0'..=b'9' if digits < 9 => {
                value = value * 10 + u32::from(c - b'0');
                digits += 1;
                after_digit = true;
                at += 1;
                continue;
            }
            b'_' if after_digit && !alpha && count > 0 => alpha = true,
            b'.' if after_digit && !alpha => {
                *parts.get_mut(count)? = value;
                count += 1;
                value = 0;
                digits = 0;
            }
            b'\n' if after_digit => {
                *parts.get_mut(count)? = value;
                count += 1;
                break;
            }
            _ => return None,
        }
        after_digit = false;
        at += 1;
    }
    if count == 2 && !dotted {
        // The fraction, padded to nine digits, is three groups of three.
        let fraction = parts[1] * 10u32.pow(9 - digits);
        parts = [
            parts[0],
            fraction / 1_000_000,
            fraction / 1000 % 1000,
            fraction % 1000,
        ];
    }
    let prefix = parts
        .iter()
        .fold(0u128, |packed, &v| (packed << 32) | u128::from(v));
    Some((prefix, at))
}

/// The lines of `text` with the offset each starts at: split at `\n`, one
/// trailing `\r` dropped, no empty last line. A byte loop: lines of versions
/// are a few bytes long, too short for a vectorised search to pay off.
fn line_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = line_end(bytes, start);
        let line = &text[start..end];
        let at = start;
        start = end + 1;
        Some((at, line.strip_suffix('\r').unwrap_or(line)))
    })
}

/// Where the line that starts at `start` ends: its `\n`, or the end of the
/// text. A byte loop (see [`line_spans`]).
fn line_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && bytes[end] != b'\n' {
        end += 1;
    }
    end
}

/// How many lines [`line_spans`] yields for `text`.
fn line_count(text: &str) -> usize {
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    newlines + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

/// [`sort_lines`] for versions the integer keys cannot hold.
fn sort_lines_generally(text: &str, descending: bool) -> SortedLines<'_> {
    let lines: Vec<&str> = line_spans(text).map(|(_, line)| line).collect();
    // Every line parsed in the first reading.
    let mut order = sort_permutation(&lines).unwrap_or_default();
    if descending {
        reverse_stably(&lines, &mut order);
    }
    SortedLines {
        text,
        order: Order::General { lines, order },
    }
}

/// Turns an ascending stable order into a descending one that still keeps
/// equal versions in input order.
fn reverse_stably(lines: &[&str], order: &mut [usize]) {
    order.reverse();
    let same = |a: usize, b: usize| Version::parse(lines[a]).ok() == Version::parse(lines[b]).ok();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && same(order[start], order[end]) {
            end += 1;
        }
        order[start..end].reverse();
        start = end;
    }
}

/// The line of `text` that starts at `start`.
fn line_at(text: &str, start: usize) -> &str {
    line_spans(&text[start..])
        .next()
        .map_or("", |(_, line)| line)
}

/// Parses `item` into `parts` (trailing zero components dropped) and packs
/// the first four big-endian into a u128.
fn scan_prefix(item: &str, parts: &mut Vec<u32>) -> Result<u128, VersionError> {
    parts.clear();
    scan_into(item, false, parts).map_err(|reason| VersionError::new(item, reason))?;
    while parts.last() == Some(&0) {
        parts.pop();
    }
    Ok((0..4).fold(0u128, |packed, k| {
        (packed << 32) | u128::from(parts.get(k).copied().unwrap_or(0))
    }))
}

/// The components [`sort_lines`] keeps of a version: the first four, and
/// whether a later one is nonzero (which makes the version too long for a
/// key). Scanning into it allocates nothing.
#[derive(Debug, Default)]
struct Leading {
    values: [u32; 4],
    count: usize,
    /// The position of the first nonzero component after the fourth.
    nonzero_after_four: Option<usize>,
}

impl Components for Leading {
    fn count(&self) -> usize {
        self.count
    }

    fn push(&mut self, value: u32) {
        if let Some(slot) = self.values.get_mut(self.count) {
            *slot = value;
        } else if value != 0 && self.nonzero_after_four.is_none() {
            self.nonzero_after_four = Some(self.count);
        }
        self.count += 1;
    }

    fn truncate(&mut self, count: usize) {
        if count < self.count {
            self.values.iter_mut().skip(count).for_each(|v| *v = 0);
            self.nonzero_after_four = self.nonzero_after_four.filter(|&at| at < count);
            self.count = count;
        }
    }
}

impl Leading {
    /// Scans `item`: the common shapes directly, anything else through the
    /// general scanner (into `parts`, scratch space).
    fn scan(item: &str, parts: &mut Vec<u32>) -> Result<Leading, VersionError> {
        let mut leading = Leading::default();
        if scan_simple(item, &mut leading).is_none() {
            scan_prefix(item, parts)?;
            parts.iter().for_each(|&v| leading.push(v));
        }
        Ok(leading)
    }

    fn is_long(&self) -> bool {
        self.nonzero_after_four.is_some()
    }

    /// The first four components big-endian in a u128, as [`scan_prefix`]
    /// packs them.
    fn packed(&self) -> u128 {
        self.values
            .iter()
            .fold(0u128, |packed, &v| (packed << 32) | u128::from(v))
    }
}

/// The bits each of the four packed components needs: the width of the
/// largest value seen in that position.
#[derive(Debug, Default)]
struct Widths([u32; 4]);

impl Widths {
    fn component(prefix: u128, k: u32) -> u64 {
        ((prefix >> (96 - 32 * k)) & 0xFFFF_FFFF) as u64
    }

    fn widen(&mut self, prefix: u128) {
        for (k, width) in (0u32..).zip(self.0.iter_mut()) {
            *width = (*width).max(64 - Self::component(prefix, k).leading_zeros());
        }
    }

    /// Whether the narrowed components fit in 64 bits.
    fn fit(&self) -> bool {
        self.0.iter().sum::<u32>() <= 64
    }

    /// The components of `prefix` side by side, each in its width.
    fn key(&self, prefix: u128) -> u64 {
        (0u32..).zip(self.0).fold(0u64, |key, (k, width)| {
            key.checked_shl(width).unwrap_or(0) | Self::component(prefix, k)
        })
    }
}

/// The indexes of `keys` in ascending key order, equal keys in index order;
/// see [`radix_sort`].
fn radix_order(keys: &[u64]) -> Vec<u32> {
    let n = keys.len();
    let mut slots = Vec::with_capacity(2 * n);
    slots.extend_from_slice(keys);
    let mut indexes = Vec::with_capacity(2 * n);
    indexes.extend(0..n as u32);
    radix_sort(slots, indexes).as_slice().to_vec()
}

/// Items in sorted order: the half of a vector that the last pass of
/// [`radix_sort`] wrote.
#[derive(Debug)]
struct Sorted<T> {
    items: Vec<T>,
    /// Whether the sorted items are the upper half.
    upper: bool,
}

impl<T> Sorted<T> {
    fn as_slice(&self) -> &[T] {
        let (lower, upper) = self.items.split_at(self.items.len() / 2);
        if self.upper { upper } else { lower }
    }
}

/// A least-significant-digit radix sort of `keys`, a byte a pass, moving
/// `items[k]` along with `keys[k]`. Skips the passes in which every key has
/// the same digit (for real versions, some of the high ones). Linear in the
/// input, and stable: equal keys keep their order.
///
/// Each vector holds its `n` entries and has room for `n` more; the passes
/// alternate between the two halves, so sorting needs no memory beyond what
/// the caller filled, which at this scale is what costs (every freshly
/// touched page). Keys and items move together, so that no pass looks
/// anything up at random.
fn radix_sort<T: Copy + Default>(mut keys: Vec<u64>, mut items: Vec<T>) -> Sorted<T> {
    let n = items.len();
    // The upper half, if the caller used it, is scratch.
    keys.resize(2 * n, 0);
    items.resize(2 * n, T::default());
    let digit = |key: u64, pass: usize| (key >> (pass * 8)) as u8 as usize;
    let mut counts = [[0u32; 256]; 8];
    for &key in &keys[..n] {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[digit(key, pass)] += 1;
        }
    }
    let (mut keys_from, mut keys_to) = keys.split_at_mut(n);
    let (mut items_from, mut items_to) = items.split_at_mut(n);
    let mut upper = false;
    for (pass, count) in counts.iter_mut().enumerate() {
        if count.iter().any(|&c| c as usize == n) {
            continue;
        }
        let mut next = 0;
        for c in count.iter_mut() {
            let m = *c;
            *c = next;
            next += m;
        }
        for (&key, &item) in keys_from.iter().zip(items_from.iter()) {
            let at = &mut count[digit(key, pass)];
            keys_to[*at as usize] = key;
            items_to[*at as usize] = item;
            *at += 1;
        }
        std::mem::swap(&mut keys_from, &mut keys_to);
        std::mem::swap(&mut items_from, &mut items_to);
        upper = !upper;
    }
    Sorted { items, upper }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn radix_order_sorts_stably(
            keys in prop::collection::vec(prop_oneof![0u64..4, any::<u64>(), 0u64..(1 << 40)], 0..300)
        ) {
            let mut expected: Vec<u32> = (0..keys.len() as u32).collect();
            expected.sort_by_key(|&i| keys[i as usize]);
            prop_assert_eq!(radix_order(&keys), expected);
        }

        /// The compact and general paths of `sort_lines` agree with sorting
        /// `Version`s one by one, in both directions, for versions with few
        /// and many components, small and huge ones.
        #[test]
        fn sort_lines_agrees_with_version_ord(
            items in prop::collection::vec(
                prop_oneof![
                    (0u32..30, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b:03}")),
                    (0u32..4, 0u32..4, 0u32..4).prop_map(|(a, b, c)| format!("v{a}.{b}.{c}")),
                    (0u32..3, 0u32..3, 0u32..3, 0u32..3, 0u32..3)
                        .prop_map(|(a, b, c, d, e)| format!("{a}.{b}.{c}.{d}.{e}")),
                    (0u32..u32::MAX / 2).prop_map(|a| format!("{a}.1.{a}")),
                    Just("1.0".to_string()),
                    Just("1.000".to_string()),
                    Just("v1".to_string()),
                ],
                0..60,
            ),
            crlf in any::<bool>(),
            trailing_newline in any::<bool>(),
            descending in any::<bool>(),
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = items.join(eol);
            if trailing_newline && !text.is_empty() {
                text.push_str(eol);
            }
            let mut expected: Vec<(Version, usize)> = items
                .iter()
                .enumerate()
                .map(|(i, s)| (Version::parse(s).expect("generated versions parse"), i))
                .collect();
            expected.sort_by(|a, b| {
                let by_version = if descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
                by_version.then(a.1.cmp(&b.1))
            });
            let expected: Vec<&str> = expected.iter().map(|(_, i)| items[*i].as_str()).collect();
            let sorted = sort_lines(&text, descending).expect("generated versions parse");
            prop_assert_eq!(sorted.len(), expected.len());
            prop_assert_eq!(sorted.iter().collect::<Vec<_>>(), expected.clone());
            let mut written = Vec::new();
            sorted.write_to(&mut written).expect("into memory");
            let lines: String = expected.iter().map(|l| format!("{l}\n")).collect();
            prop_assert_eq!(String::from_utf8(written).expect("UTF-8"), lines);
        }
    }

    proptest! {
        /// Scanning into a [`Leading`] (the simple path, or the general one
        /// copied over) keeps what [`scan_prefix`] computes from the full list.
        #[test]
        fn leading_agrees_with_scan_prefix(
            item in prop_oneof![
                "v?[0-9_]{0,11}(\\.[0-9_]{0,11}){0,7}",
                "[ v0-9._a-z-]{0,16}",
                (0u32..3, 0u32..3).prop_map(|(a, b)| format!("{a}.0.0.0.{b}.0")),
            ]
        ) {
            let mut parts = Vec::new();
            let expected = scan_prefix(&item, &mut parts).map(|p| (p, parts.len() > 4));
            let mut scratch = Vec::new();
            let got = Leading::scan(&item, &mut scratch).map(|l| (l.packed(), l.is_long()));
            prop_assert_eq!(got.ok(), expected.ok());
        }

        /// Where [`scan_common`] answers, it finds the line's end and agrees
        /// with [`Leading::scan`]; it answers for every plain decimal and
        /// dotted version of up to four components.
        #[test]
        fn scan_common_agrees_with_leading(
            item in prop_oneof![
                "[0-9]{0,10}(\\.[0-9]{0,10}){0,5}",
                "v?[0-9_.]{0,12}\r?",
                "v?[0-9]{1,4}(\\.[0-9]{1,4}){0,4}(_[0-9]{0,3})?(\\.[0-9])?",
            ],
            more in "(\n[0-9.]{0,4}){0,2}",
        ) {
            let text = format!("{item}{more}");
            let mut scratch = Vec::new();
            let expected = Leading::scan(&item, &mut scratch).map(|l| (l.packed(), l.is_long()));
            match scan_common(text.as_bytes(), 0) {
                Some((prefix, end)) => {
                    prop_assert_eq!(end, item.len());
                    prop_assert_eq!(expected.ok(), Some((prefix, false)));
                }
                None => {
                    let plain = !item.is_empty()
                        && item.split('.').count() <= 4
                        && item.split('.').all(|run| {
                            (1..=9).contains(&run.len()) && run.bytes().all(|b| b.is_ascii_digit())
                        });
                    prop_assert!(!plain, "no answer for {:?}", item);
                }
            }
        }
    }

    #[test]
    fn sort_lines_names_the_first_bad_line() {
        let (line, err) = sort_lines("1.0\n2.0\n1.2.3_4_5\nnope\n", false).unwrap_err();
        assert_eq!((line, err.input.as_str()), (2, "1.2.3_4_5"));
    }

    proptest! {
        #[test]
        fn line_count_counts_the_spans(text in "[0-9.\r\n]{0,40}") {
            prop_assert_eq!(line_count(&text), line_spans(&text).count());
        }
    }

    #[test]
    fn empty_text_has_no_lines() {
        assert!(sort_lines("", false).expect("empty is fine").is_empty());
    }
}
