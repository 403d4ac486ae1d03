//! The untyped data a META file holds before it is converted: Perl's view of
//! it, where every scalar is a string.
//!
//! CPAN::Meta works on plain Perl data, so the converter is ported over this
//! tree rather than over typed structs. Perl scalars carry no type a META
//! reader may rely on, so JSON numbers and booleans become the strings Perl
//! would print for them (`1.10` -> `"1.1"`, `true` -> `"1"`), and YAML
//! scalars are strings already.

use std::collections::BTreeMap;

/// A Perl value as Parse::CPAN::Meta returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Undef,
    Str(String),
    Array(Vec<Value>),
    Hash(Hash),
}

pub(crate) type Hash = BTreeMap<String, Value>;

impl Value {
    pub(crate) fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// Perl truth: undef, `""` and `"0"` are false; references are true.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Value::Undef => false,
            Value::Str(s) => !(s.is_empty() || s == "0"),
            Value::Array(_) | Value::Hash(_) => true,
        }
    }

    pub(crate) fn is_defined(&self) -> bool {
        !matches!(self, Value::Undef)
    }

    /// The string of a scalar; `None` for undef and references.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_hash(&self) -> Option<&Hash> {
        match self {
            Value::Hash(h) => Some(h),
            _ => None,
        }
    }

    /// How Perl would interpolate the value into a string (`"$x"`): the
    /// string, `""` for undef, and a `HASH(0x...)`-like marker for references.
    /// Only used where CPAN::Meta stringifies a reference by accident.
    pub(crate) fn perl_string(&self) -> String {
        match self {
            Value::Undef => String::new(),
            Value::Str(s) => s.clone(),
            Value::Array(_) => "ARRAY(0x0)".to_string(),
            Value::Hash(_) => "HASH(0x0)".to_string(),
        }
    }

    /// The value as JSON, scalars as strings.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Undef => serde_json::Value::Null,
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            Value::Hash(h) => {
                serde_json::Value::Object(h.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// Reads JSON already parsed by serde_json the way JSON::PP hands it to
    /// Perl: numbers as Perl prints them, booleans as `"1"`/`"0"`.
    pub(crate) fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Undef,
            serde_json::Value::Bool(b) => Value::str(if *b { "1" } else { "0" }),
            serde_json::Value::Number(n) => Value::Str(perl_number(n)),
            serde_json::Value::String(s) => Value::str(s.clone()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Hash(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// A JSON number as Perl prints it after JSON::PP decoded it: integers as
/// written, other numbers through a double with `%.15g`.
fn perl_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    n.as_f64().map(format_g15).unwrap_or_else(|| n.to_string())
}

/// C's `printf("%.15g", x)`, which is how Perl turns a double into a string.
pub(crate) fn format_g15(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf" } else { "-Inf" }.to_string();
    }
    // Scientific form with 15 significant digits decides the exponent.
    let sci = format!("{x:.14e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    if !(-4..15).contains(&exp) {
        let m = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.abs());
    }
    let decimals = usize::try_from(14 - exp).unwrap_or(0);
    trim_fraction(&format!("{x:.decimals$}")).to_string()
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Decodes bytes as Parse::CPAN::Meta does (`Encode::decode('UTF-8', ...,
/// PERLQQ)`): malformed bytes become the text `\xHH`, never an error.
pub(crate) fn decode_utf8_perlqq(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(&String::from_utf8_lossy(good));
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for b in bad.iter().take(n) {
                    out.push_str(&format!("\\x{b:02X}"));
                }
                rest = bad.get(n..).unwrap_or(&[]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_perl() {
        assert_eq!(format_g15(1.10), "1.1");
        assert_eq!(format_g15(2.0), "2");
        assert_eq!(format_g15(1e3), "1000");
        assert_eq!(format_g15(0.1), "0.1");
        assert_eq!(format_g15(1.5e20), "1.5e+20");
        assert_eq!(format_g15(1e-5), "1e-05");
        assert_eq!(format_g15(0.000123), "0.000123");
        assert_eq!(format_g15(123456789012345.0), "123456789012345");
        assert_eq!(format_g15(1234567890123456.0), "1.23456789012346e+15");
    }

    #[test]
    fn malformed_utf8_becomes_perlqq_escapes() {
        assert_eq!(decode_utf8_perlqq(b"a\xffb"), "a\\xFFb");
        assert_eq!(decode_utf8_perlqq("é".as_bytes()), "é");
    }
}
