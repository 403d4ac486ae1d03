//! The SBOM's creation time, in whole seconds since the Unix epoch, written
//! as RFC 3339 UTC (`2023-11-14T22:13:20Z`), the one form CycloneDX, SPDX 2.3
//! and SPDX 3.0.1 all accept (SPDX 3 forbids fractions and offsets).
//!
//! The caller chooses the time: `SOURCE_DATE_EPOCH` for reproducible builds
//! (<https://reproducible-builds.org/specs/source-date-epoch/>), else now.
//! The library never reads the clock or the environment itself.

use std::fmt;

/// Seconds since 1970-01-01T00:00:00Z.
///
/// Invariant: between year 0 and year 9999, so the RFC 3339 form always has
/// four year digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(i64);

/// `-62167219200`: 0000-01-01T00:00:00Z.
const MIN: i64 = -62_167_219_200;
/// `253402300799`: 9999-12-31T23:59:59Z.
const MAX: i64 = 253_402_300_799;

impl Timestamp {
    /// `None` outside years 0 to 9999.
    pub fn from_unix(seconds: i64) -> Option<Timestamp> {
        (MIN..=MAX).contains(&seconds).then_some(Timestamp(seconds))
    }

    /// Reads a `SOURCE_DATE_EPOCH` value: ASCII decimal digits only (the
    /// specification's "integer", no sign, no spaces), within years 0 to 9999.
    pub fn from_source_date_epoch(value: &str) -> Option<Timestamp> {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value.parse().ok().and_then(Timestamp::from_unix)
    }

    /// The current time (the system clock; before 1970 reads as 1970).
    pub fn now() -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Timestamp(i64::try_from(secs).unwrap_or(MAX).min(MAX))
    }

    pub fn unix(self) -> i64 {
        self.0
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        let t = |s| Timestamp::from_unix(s).map(|t| t.to_string());
        assert_eq!(t(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(t(1_700_000_000).as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(t(951_782_400).as_deref(), Some("2000-02-29T00:00:00Z"));
        assert_eq!(t(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(t(MIN).as_deref(), Some("0000-01-01T00:00:00Z"));
        assert_eq!(t(MAX).as_deref(), Some("9999-12-31T23:59:59Z"));
        assert_eq!(t(MAX + 1), None);
    }

    #[test]
    fn agrees_with_date_over_many_days() {
        // Every 1,000,003 seconds over 1970..2100 against the civil calendar
        // recomputed by day counting.
        let mut days_before_year = 0i64;
        let mut expect = Vec::new();
        for y in 1970..2100i64 {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let lens = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            let mut day = days_before_year;
            for (m, len) in lens.iter().enumerate() {
                for d in 1..=*len {
                    expect.push((day, y, m as u32 + 1, d as u32));
                    day += 1;
                }
            }
            days_before_year = day;
        }
        for (day, y, m, d) in expect.iter().step_by(7) {
            assert_eq!(civil_from_days(*day), (*y, *m, *d));
        }
    }

    #[test]
    fn source_date_epoch_is_digits_only() {
        assert!(Timestamp::from_source_date_epoch("1700000000").is_some());
        for bad in ["", "-1", " 1", "1e9", "+5", "99999999999999999999"] {
            assert_eq!(Timestamp::from_source_date_epoch(bad), None, "{bad:?}");
        }
    }
}
