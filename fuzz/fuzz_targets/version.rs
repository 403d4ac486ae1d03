//! Any string: parsing never panics; the bulk sort paths agree with the
//! one-at-a-time parser and with each other, and the written lines with the
//! sorted ones; an accepted version's normal form parses back to an equal
//! version; ordering is consistent with equality.
#![no_main]

use cpansec_version::{Version, sort_lines, sort_permutation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let lines: Vec<&str> = data.lines().collect();
    let single: Vec<Option<Version>> = lines.iter().map(|l| Version::parse(l).ok()).collect();
    let permutation = sort_permutation(&lines);
    // The line sorter reads the same lines (str::lines keeps a final bare `\r`).
    if !data.ends_with('\r') {
        match (&permutation, sort_lines(data, false)) {
            (Ok(order), Ok(sorted)) => {
                let expected: Vec<&str> = order.iter().map(|&n| lines[n]).collect();
                assert_eq!(sorted.iter().collect::<Vec<_>>(), expected);
                let mut written = Vec::new();
                sorted.write_to(&mut written).expect("into memory");
                let lines: String = expected.iter().map(|l| format!("{l}\n")).collect();
                assert_eq!(written, lines.into_bytes());
            }
            (Err((a, _)), Err((b, _))) => assert_eq!(*a, b),
            _ => panic!("sort_lines and sort_permutation disagree on accepting the input"),
        }
    }
    match permutation {
        Ok(order) => {
            assert!(single.iter().all(Option::is_some));
            for pair in order.windows(2) {
                let (a, b) = (
                    single[pair[0]].as_ref().unwrap(),
                    single[pair[1]].as_ref().unwrap(),
                );
                assert!(a < b || (a == b && pair[0] < pair[1]));
            }
        }
        Err((index, _)) => {
            assert!(single[index].is_none());
            assert!(single[..index].iter().all(Option::is_some));
        }
    }
    for v in single.into_iter().flatten() {
        let normal = Version::parse(&v.normal()).expect("normal form parses");
        assert_eq!(normal, v);
        let numified = Version::parse(&v.numify()).expect("numified form parses");
        assert_eq!(numified.cmp(&v).is_eq(), numified == v);
        let _ = Version::declare(&v.to_string());
    }
});
