// Runtime of the generated crate. This file is real, compiled and tested code kept in
// generator/runtime/ and copied verbatim into every generated crate.

//! JSON text written directly (issue #23): [`ToJson`] writes a model's JSON into a `String`
//! with its keys already quoted by the generator, without going through serde's data model.
//! The bytes are exactly what `serde_json::to_string` writes for the same value through the
//! model's `Serialize` (`tests/serde_differential.rs` compares them on every spec example and
//! random bodies); this is the form the client sends request bodies in.

use std::collections::BTreeMap;

/// Writes a value as compact JSON text, the same bytes as `serde_json::to_string` writes for it.
///
/// Every model, identifier and enum of this crate implements it. It is faster than serde's
/// path (no per-key escaping: the keys are written by the generator) and than encoding a
/// `serde_json::Value` of the same JSON (figures in the crate README's "Storing and
/// reloading"); it cannot fail. Read the text back with [`crate::decode`].
///
/// ```
/// use plaid_idv::ToJson;
/// use plaid_idv::types::IdentityVerificationGetRequest;
///
/// let request = IdentityVerificationGetRequest::new("idv_52xR9LKo77r1Np");
/// let text = request.to_json();
/// assert_eq!(text, r#"{"identity_verification_id":"idv_52xR9LKo77r1Np"}"#);
/// assert_eq!(text, serde_json::to_string(&request).unwrap());
/// ```
pub trait ToJson {
    /// Appends this value's JSON to `out`.
    fn write_json(&self, out: &mut String);

    /// This value as JSON text.
    #[inline]
    fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_json(&mut out);
        out
    }
}

/// Writes `"key":value,` for a field that is always written; `key` is the quoted, escaped key
/// with its colon, as the generator writes it.
#[allow(dead_code)] // a portion without structs uses neither this nor `opt`
#[inline]
pub fn field<T: ToJson + ?Sized>(out: &mut String, key: &str, value: &T) {
    out.push_str(key);
    value.write_json(out);
    out.push(',');
}

/// Writes `"key":value,` for an `Option` field left out when it is `None`.
#[allow(dead_code)]
#[inline]
pub fn opt<T: ToJson>(out: &mut String, key: &str, value: &Option<T>) {
    if let Some(v) = value {
        field(out, key, v);
    }
}

/// Ends an object that began with `{`: every field wrote a trailing comma, so the last one
/// becomes the closing brace (an object with no field is `{}`).
#[inline]
pub fn close(out: &mut String) {
    if out.ends_with(',') {
        out.pop();
    }
    out.push('}');
}

/// Whether any of the 8 bytes in `w` is below 0x20, a quote or a backslash: the bytes
/// serde_json escapes. Exact for the word as a whole (the classic "has a byte less than" and
/// "has a zero byte" tests), so a clean word is copied without looking at its bytes one by one.
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = w.wrapping_sub(ONES * 0x20) & !w;
    let quote = w ^ (ONES * b'"' as u64);
    let slash = w ^ (ONES * b'\\' as u64);
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    (below | zero(quote) | zero(slash)) & HIGH != 0
}

/// Writes `s` as a JSON string, escaped as serde_json escapes it: `"` and `\`, the control
/// characters `\b \t \n \f \r` by name and the others as `\u00xx` (lower-case hex); nothing
/// else, so other text (non-ASCII included) is copied as it is.
pub fn str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            if !needs_escape(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let named = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => {
                i += 1;
                continue;
            }
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.push_str(&s[start..i]);
        if named.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(named);
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

impl ToJson for str {
    #[inline]
    fn write_json(&self, out: &mut String) {
        str(out, self);
    }
}

impl ToJson for String {
    #[inline]
    fn write_json(&self, out: &mut String) {
        str(out, self);
    }
}

impl ToJson for bool {
    #[inline]
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for i32 {
    #[inline]
    fn write_json(&self, out: &mut String) {
        out.push_str(itoa::Buffer::new().format(*self));
    }
}

impl ToJson for i64 {
    #[inline]
    fn write_json(&self, out: &mut String) {
        out.push_str(itoa::Buffer::new().format(*self));
    }
}

impl ToJson for f64 {
    /// As serde_json writes it, by serde_json's own `Number` (whose text is its serializer's,
    /// whichever version of serde_json is in the build), and `null` for NaN and the
    /// infinities, which JSON cannot hold.
    #[inline]
    fn write_json(&self, out: &mut String) {
        use std::fmt::Write as _;
        match serde_json::Number::from_f64(*self) {
            // Writing into a `String` cannot fail.
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.push_str("null"),
        }
    }
}

impl ToJson for chrono::DateTime<chrono::Utc> {
    #[inline]
    fn write_json(&self, out: &mut String) {
        let mut buf = [0u8; 30];
        match super::macros::rfc3339(self, &mut buf) {
            Some(text) => {
                out.push('"');
                out.push_str(text);
                out.push('"');
            }
            None => via_serde(out, self),
        }
    }
}

impl ToJson for chrono::NaiveDate {
    #[inline]
    fn write_json(&self, out: &mut String) {
        let mut buf = [0u8; 10];
        match super::macros::ymd(self, &mut buf) {
            Some(text) => {
                out.push('"');
                out.push_str(text);
                out.push('"');
            }
            None => via_serde(out, self),
        }
    }
}

impl ToJson for serde_json::Value {
    #[inline]
    fn write_json(&self, out: &mut String) {
        via_serde(out, self);
    }
}

/// What serde_json writes for `v`: for the values that are rare or free-form (a date outside
/// years 0–9999, a leap second, any-JSON fields).
fn via_serde<T: serde::Serialize + ?Sized>(out: &mut String, v: &T) {
    match serde_json::to_string(v) {
        Ok(text) => out.push_str(&text),
        // Not reached for the types above: a `Value`'s keys are strings and chrono's dates
        // always print. `null` keeps the output valid JSON if serde_json ever refused one.
        Err(_) => out.push_str("null"),
    }
}

impl<T: ToJson> ToJson for Option<T> {
    /// `null` for `None`: a field that is always written (nullable) or an element of a list.
    #[inline]
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson + ?Sized> ToJson for Box<T> {
    #[inline]
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    #[inline]
    fn write_json(&self, out: &mut String) {
        out.push('[');
        let mut items = self.iter();
        if let Some(first) = items.next() {
            first.write_json(out);
            for v in items {
                out.push(',');
                v.write_json(out);
            }
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for BTreeMap<String, T> {
    #[inline]
    fn write_json(&self, out: &mut String) {
        out.push('{');
        for (k, v) in self {
            str(out, k);
            out.push(':');
            v.write_json(out);
            out.push(',');
        }
        close(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_as_serde_json_escapes_them() {
        let mut all = String::new();
        for c in (0u32..0x80).chain([0xe9, 0x2028, 0x1f600]).filter_map(char::from_u32) {
            all.push(c);
        }
        // Every escape at every offset in and across the 8-byte words.
        for pad in 0..9 {
            for tail in ["", "x", "\u{e9}"] {
                let s = format!("{}{all}{tail}{}", "a".repeat(pad), "\"\\\n\u{1f}");
                let mut out = String::new();
                str(&mut out, &s);
                assert_eq!(out, serde_json::to_string(&s).unwrap(), "pad {pad}");
            }
        }
    }

    #[test]
    fn numbers_and_empty_containers_match_serde_json() {
        for f in [0.0, -0.0, 1.0, 0.1, 1e300, -2.5e-8, f64::NAN, f64::INFINITY, f64::MIN_POSITIVE] {
            assert_eq!(f.to_json(), serde_json::to_string(&f).unwrap());
        }
        for i in [0, -1, i64::MIN, i64::MAX] {
            assert_eq!(i.to_json(), serde_json::to_string(&i).unwrap());
        }
        assert_eq!(Vec::<i32>::new().to_json(), "[]");
        assert_eq!(vec![Some(1), None].to_json(), "[1,null]");
        assert_eq!(BTreeMap::<String, bool>::new().to_json(), "{}");
        let m = BTreeMap::from([("a\"".to_string(), true), ("b".to_string(), false)]);
        assert_eq!(m.to_json(), serde_json::to_string(&m).unwrap());
    }
}
