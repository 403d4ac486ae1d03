//! The few date computations the index needs (UTC, proleptic Gregorian), on
//! top of the advisory crate's calendar arithmetic.

use cpansec_advisory::time::days_from_civil;
pub use cpansec_advisory::time::format_rfc3339;

/// Seconds since 1970 now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Reads `YYYY-MM-DD` (anything after the date is ignored) as midnight UTC.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Both are in range, so they fit.
    Some(days_from_civil(y, m as u32, d as u32) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_786_890_660), "2026-08-16T14:31:00Z");
        let t = parse_date("2024-02-29").unwrap();
        assert_eq!(format_rfc3339(t), "2024-02-29T00:00:00Z");
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("20x4-01-01"), None);
    }
}
