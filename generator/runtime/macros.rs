// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Small macros the generated models use instead of repeating impls per type.

use serde::de::{self, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

/// An enum's wire value, and whether it arrived as a JSON string.
pub struct Wire<'de> {
    /// The value as text.
    pub text: Cow<'de, str>,
    /// `false` for a number or boolean.
    pub was_string: bool,
}

/// Reads an enum's wire value. Strings are borrowed when possible; numbers and booleans are
/// read as text too (Plaid lists `4.1` and `3` inside some `type: string` enums), and
/// `wire_enum` accepts them only when they are one of the enum's listed values. `name` is the
/// enum's, for the error ("expected a string value of `name`").
pub fn deserialize_wire<'de, D: Deserializer<'de>>(d: D, name: &'static str) -> Result<Wire<'de>, D::Error> {
    struct WireVisitor(&'static str);
    fn text<'de>(v: impl ToString) -> Wire<'de> {
        Wire { text: Cow::Owned(v.to_string()), was_string: false }
    }
    impl<'de> Visitor<'de> for WireVisitor {
        type Value = Wire<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a string value of {}", self.0)
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Wire { text: Cow::Borrowed(v), was_string: true })
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Wire { text: Cow::Owned(v.to_owned()), was_string: true })
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Wire { text: Cow::Owned(v), was_string: true })
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(text(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(text(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(text(v))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(text(v))
        }
    }
    d.deserialize_any(WireVisitor(name))
}

/// Turns a wire value into an enum value with `parse` (the enum's `from_wire`). Any string is
/// accepted (an unlisted one becomes `Unknown` and re-encodes verbatim); a number or boolean
/// only when it is a listed value, because `Unknown(String)` could not re-encode its type.
pub fn wire_enum<T, E: de::Error>(
    wire: Wire<'_>,
    name: &'static str,
    parse: fn(&str) -> T,
    is_unknown: fn(&T) -> bool,
) -> Result<T, E> {
    let value = parse(&wire.text);
    if !wire.was_string && is_unknown(&value) {
        let expected = format!("a string value of {name}");
        return Err(E::invalid_type(de::Unexpected::Other("a number or boolean"), &expected.as_str()));
    }
    Ok(value)
}

/// A JSON object key, as the generated `Deserialize` impls of the models read it: borrowed from
/// the input when it has no escapes. One impl for every model, instead of a field-identifier
/// enum and visitor per struct (what serde's derive writes, and a large share of build time).
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Reads the value of the key just read into `slot`, refusing a key that appears twice (as
/// serde's derive does: a duplicate is an error, not "last one wins"). Shared by every field
/// of the same type, whatever struct it is in.
pub fn read<'de, T: de::Deserialize<'de>, A: de::MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(<A::Error as de::Error>::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// [`read`] for a timestamp or date field (any `Option` around it): the same value and the
/// same errors as its own `Deserialize`, by a faster route for the common form (issue #23).
pub fn read_fast<'de, T: Fast, A: de::MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(<A::Error as de::Error>::duplicate_field(name));
    }
    *slot = Some(T::from_wire(map.next_value::<T::Wire>()?));
    Ok(())
}

/// A field type that [`read_fast`] decodes through `Wire`, a stand-in with a faster
/// `Deserialize` that reads to the same value.
pub trait Fast: Sized {
    /// What is decoded.
    type Wire: de::DeserializeOwned;
    /// The value it holds.
    fn from_wire(w: Self::Wire) -> Self;
}

impl<T: Fast> Fast for Option<T> {
    type Wire = Option<T::Wire>;
    #[inline]
    fn from_wire(w: Self::Wire) -> Self {
        w.map(T::from_wire)
    }
}

/// Reads a timestamp: `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (what Plaid sends) directly, anything
/// else through chrono's own `Deserialize` route (offsets, leap seconds, a lower-case `t`, a
/// fraction over 9 digits, …), with chrono's errors.
pub struct Timestamp(chrono::DateTime<chrono::Utc>);

impl<'de> de::Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // chrono's text, so that errors read the same.
                f.write_str("an RFC 3339 formatted date and time string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                if let Some(t) = parse_timestamp(v) {
                    return Ok(Timestamp(t));
                }
                v.parse::<chrono::DateTime<chrono::FixedOffset>>()
                    .map(|t| Timestamp(t.with_timezone(&chrono::Utc)))
                    .map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl Fast for chrono::DateTime<chrono::Utc> {
    type Wire = Timestamp;
    #[inline]
    fn from_wire(w: Timestamp) -> Self {
        w.0
    }
}

/// Reads a date: `YYYY-MM-DD` directly, anything else through chrono's route and errors.
pub struct Day(chrono::NaiveDate);

impl<'de> de::Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Day;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a formatted date string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Day, E> {
                if let Some(d) = v.as_bytes().try_into().ok().and_then(parse_ymd) {
                    return Ok(Day(d));
                }
                v.parse::<chrono::NaiveDate>().map(Day).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl Fast for chrono::NaiveDate {
    type Wire = Day;
    #[inline]
    fn from_wire(w: Day) -> Self {
        w.0
    }
}

/// The number written by `digits` (ASCII digits only).
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD`, a valid date; `None` for anything else.
fn parse_ymd(b: &[u8; 10]) -> Option<chrono::NaiveDate> {
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(&b[0..4])?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
}

/// `YYYY-MM-DDTHH:MM:SS[.d{1,9}]Z`, a valid instant without a leap second; `None` for anything
/// else (chrono decides those).
fn parse_timestamp(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let b = s.as_bytes();
    let (head, rest) = (b.get(..19)?, &b[19..]);
    if head[10] != b'T' || head[13] != b':' || head[16] != b':' || rest.last() != Some(&b'Z') {
        return None;
    }
    let date = parse_ymd(head[..10].try_into().ok()?)?;
    let nanos = match &rest[..rest.len() - 1] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => number(frac)? * 10u32.pow(9 - frac.len() as u32),
        _ => return None,
    };
    let (h, m, sec) = (number(&head[11..13])?, number(&head[14..16])?, number(&head[17..19])?);
    // `None` for a leap second (`:60`, chrono's to read) and any other time out of range.
    Some(date.and_hms_nano_opt(h, m, sec, nanos)?.and_utc())
}

/// Skips the value of a key the struct does not have.
pub fn skip<'de, A: de::MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(|_| ())
}

/// One field of a model's written-out `Serialize`, so that the per-struct impl is a list of
/// fields and the generic serializing code exists once, in [`write`], instead of once per
/// struct (issue #14). `S` is the serializer's struct state: a nested value is written by one
/// indirect call to its own `Serialize` for that serializer ([`Node`]), with no type erasure of
/// the serializer (which cost a few dynamic calls per value, issue #23). A field whose value is
/// text, a number, a boolean or a date is a [`Leaf`], written by direct calls.
pub enum Field<'a, S> {
    /// Always written (a required field, or a nullable one that is `null` when `None`).
    Always(&'a dyn Node<S>),
    /// An `Option` field left out of the output when it is `None`: the `Option` itself when it
    /// is `Some` (written as serde's `some`, as the derive writes it).
    SkipNone(Option<&'a dyn Node<S>>),
    /// A required leaf.
    Leaf(Leaf<'a>),
    /// A nullable leaf, always written: `None` as serde's `none`, a value as `some`.
    NullOr(Option<Leaf<'a>>),
    /// An optional leaf, left out when `None`, else written as `some`.
    SkipOr(Option<Leaf<'a>>),
}

impl<'a, S: serde::ser::SerializeStruct> Field<'a, S> {
    /// An `Option` field left out when it is `None`.
    #[inline]
    pub fn skip<T: serde::Serialize>(v: &'a Option<T>) -> Self {
        Field::SkipNone(if v.is_some() { Some(v as &dyn Node<S>) } else { None })
    }
    /// A required leaf field.
    #[inline]
    pub fn leaf<T: AsLeaf>(v: &'a T) -> Self {
        Field::Leaf(v.leaf())
    }
    /// A nullable leaf field (`Option<T>`, `null` when `None`).
    #[inline]
    pub fn null_or<T: AsLeaf>(v: &'a Option<T>) -> Self {
        Field::NullOr(v.as_ref().map(AsLeaf::leaf))
    }
    /// An optional leaf field (`Option<T>`, absent when `None`).
    #[inline]
    pub fn skip_or<T: AsLeaf>(v: &'a Option<T>) -> Self {
        Field::SkipOr(v.as_ref().map(AsLeaf::leaf))
    }
}

/// A field value written into the struct state `S` of one serializer: `serialize_field` for
/// that value's type, behind one indirect call.
pub trait Node<S> {
    /// Writes the field `key` with this value.
    fn put(&self, out: &mut S, key: &'static str) -> Result<(), S::Error>
    where
        S: serde::ser::SerializeStruct;
}

impl<T: serde::Serialize, S: serde::ser::SerializeStruct> Node<S> for T {
    #[inline]
    fn put(&self, out: &mut S, key: &'static str) -> Result<(), S::Error> {
        out.serialize_field(key, self)
    }
}

/// A field value that serde writes with one call: what a model's leaf field holds. Writing it
/// needs no type erasure, which costs a few dynamic calls per value (issue #23).
#[derive(Clone, Copy)]
pub enum Leaf<'a> {
    /// Text: `String`, an identifier, a string enum's wire value.
    Str(&'a str),
    /// A boolean.
    Bool(bool),
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f64`.
    F64(f64),
    /// A UTC timestamp.
    DateTime(&'a chrono::DateTime<chrono::Utc>),
    /// A calendar date.
    Date(&'a chrono::NaiveDate),
}

/// A type whose values are [`Leaf`]s.
pub trait AsLeaf {
    /// The value as a leaf.
    fn leaf(&self) -> Leaf<'_>;
}

macro_rules! as_leaf {
    ($($t:ty => |$v:ident| $e:expr;)*) => {$(
        impl AsLeaf for $t {
            #[inline]
            fn leaf(&self) -> Leaf<'_> {
                let $v = self;
                $e
            }
        }
    )*};
}
as_leaf! {
    String => |v| Leaf::Str(v);
    bool => |v| Leaf::Bool(*v);
    i32 => |v| Leaf::I32(*v);
    i64 => |v| Leaf::I64(*v);
    f64 => |v| Leaf::F64(*v);
    chrono::DateTime<chrono::Utc> => |v| Leaf::DateTime(v);
    chrono::NaiveDate => |v| Leaf::Date(v);
}

impl serde::Serialize for Leaf<'_> {
    #[inline]
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Leaf::Str(v) => s.serialize_str(v),
            Leaf::Bool(v) => s.serialize_bool(v),
            Leaf::I32(v) => s.serialize_i32(v),
            Leaf::I64(v) => s.serialize_i64(v),
            Leaf::F64(v) => s.serialize_f64(v),
            // chrono writes dates with `collect_str`; `serialize_str` of the same text is what
            // serde's `collect_str` does by default, and what serde_json writes for it.
            Leaf::DateTime(v) => {
                let mut buf = [0u8; 30];
                match rfc3339(v, &mut buf) {
                    Some(text) => s.serialize_str(text),
                    None => serde::Serialize::serialize(v, s),
                }
            }
            Leaf::Date(v) => {
                let mut buf = [0u8; 10];
                match ymd(v, &mut buf) {
                    Some(text) => s.serialize_str(text),
                    None => serde::Serialize::serialize(v, s),
                }
            }
        }
    }
}

/// Writes `n` as `N` decimal digits (zero-padded) into `out`.
#[inline]
fn digits<const N: usize>(out: &mut [u8], mut n: u32) {
    for i in (0..N).rev() {
        out[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// A date as chrono prints it (`1990-05-17`), for years 0 to 9999; `None` for the others,
/// which chrono prints itself.
#[inline]
pub(crate) fn ymd<'b>(d: &chrono::NaiveDate, buf: &'b mut [u8; 10]) -> Option<&'b str> {
    use chrono::Datelike as _;
    let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    digits::<4>(&mut buf[0..4], year);
    buf[4] = b'-';
    digits::<2>(&mut buf[5..7], d.month());
    buf[7] = b'-';
    digits::<2>(&mut buf[8..10], d.day());
    std::str::from_utf8(&buf[..]).ok()
}

/// A timestamp as chrono's `Serialize` prints it (RFC 3339, `Z`, and 0, 3, 6 or 9 digits of
/// fraction: the fewest that hold it), for years 0 to 9999 and no leap second; `None` for the
/// others, which chrono prints itself. `tests/serde_differential.rs` compares the two on random values.
#[inline]
pub(crate) fn rfc3339<'b>(t: &chrono::DateTime<chrono::Utc>, buf: &'b mut [u8; 30]) -> Option<&'b str> {
    use chrono::Timelike as _;
    let date: &mut [u8; 10] = (&mut buf[0..10]).try_into().ok()?;
    ymd(&t.date_naive(), date)?;
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    buf[10] = b'T';
    digits::<2>(&mut buf[11..13], t.hour());
    buf[13] = b':';
    digits::<2>(&mut buf[14..16], t.minute());
    buf[16] = b':';
    digits::<2>(&mut buf[17..19], t.second());
    let mut end = 19;
    if nanos != 0 {
        buf[19] = b'.';
        let (value, width) = if nanos % 1_000_000 == 0 {
            (nanos / 1_000_000, 3)
        } else if nanos % 1_000 == 0 {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        match width {
            3 => digits::<3>(&mut buf[20..23], value),
            6 => digits::<6>(&mut buf[20..26], value),
            _ => digits::<9>(&mut buf[20..29], value),
        }
        end = 20 + width;
    }
    buf[end] = b'Z';
    std::str::from_utf8(&buf[..=end]).ok()
}

/// Serializes a struct the way serde's derive does: `serialize_struct` with the number of
/// fields written, each present field in order (a present `Option` as `Some`), `skip_field`
/// for each absent one.
pub fn write<S: serde::Serializer>(
    s: S,
    name: &'static str,
    fields: &[(&'static str, Field<'_, S::SerializeStruct>)],
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct as _;
    let len = fields.iter().filter(|(_, f)| !matches!(f, Field::SkipNone(None) | Field::SkipOr(None))).count();
    let mut out = s.serialize_struct(name, len)?;
    for (key, field) in fields {
        match field {
            Field::Always(v) | Field::SkipNone(Some(v)) => v.put(&mut out, key)?,
            Field::Leaf(v) => out.serialize_field(key, v)?,
            Field::NullOr(v) => out.serialize_field(key, v)?,
            Field::SkipOr(Some(v)) => out.serialize_field(key, &Some(v))?,
            Field::SkipNone(None) | Field::SkipOr(None) => out.skip_field(key)?,
        }
    }
    out.end()
}

/// Every impl these macros write is `#[inline]`, like the models' `Debug` and the operations:
/// it is compiled in the crate that uses it, only for the types that crate uses (issue #14).
///
/// Display, FromStr, Serialize and Deserialize for a string enum that has `as_str` and
/// `from_wire`. Unknown values round-trip verbatim through `Unknown(String)`.
#[allow(unused_macros)]
macro_rules! string_enum {
    // Only ever sent: Deserialize only with `deserialize-requests` (the test kit declares its
    // own, to read requests, and never turns the feature on).
    ($name:ident, sent_only) => {
        $crate::runtime::macros::string_enum!(@common $name);
        #[cfg(feature = "deserialize-requests")]
        $crate::runtime::macros::string_enum!(@deserialize $name);
        #[cfg(feature = "sqlx")]
        $crate::runtime::macros::sqlx_text!($name, as_str);
    };
    ($name:ident) => {
        $crate::runtime::macros::string_enum!(@common $name);
        $crate::runtime::macros::string_enum!(@deserialize $name);
        #[cfg(feature = "sqlx")]
        $crate::runtime::macros::sqlx_text!($name, as_str);
    };
    (@deserialize $name:ident) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            #[inline]
            fn deserialize<__D: ::serde::Deserializer<'de>>(d: __D) -> Result<Self, __D::Error> {
                let wire = $crate::runtime::macros::deserialize_wire(d, stringify!($name))?;
                $crate::runtime::macros::wire_enum(wire, stringify!($name), Self::from_wire, |v| {
                    matches!(v, Self::Unknown(_))
                })
            }
        }
    };
    (@common $name:ident) => {
        impl $crate::runtime::macros::AsLeaf for $name {
            #[inline]
            fn leaf(&self) -> $crate::runtime::macros::Leaf<'_> {
                $crate::runtime::macros::Leaf::Str(self.as_str())
            }
        }
        impl $crate::ToJson for $name {
            #[inline]
            fn write_json(&self, out: &mut String) {
                $crate::runtime::json::str(out, self.as_str());
            }
        }
        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            #[inline]
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }
        impl ::serde::Serialize for $name {
            #[inline]
            fn serialize<__S: ::serde::Serializer>(&self, s: __S) -> Result<__S::Ok, __S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl AsRef<str> for $name {
            #[inline]
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl From<&str> for $name {
            #[inline]
            fn from(s: &str) -> Self {
                Self::from_wire(s)
            }
        }
        impl From<String> for $name {
            #[inline]
            fn from(s: String) -> Self {
                Self::from_wire(&s)
            }
        }
        // Equality, hashing and order are the wire string's: `Unknown("x")` built by hand
        // equals the variant for `x`, and the order is the same in every version of the
        // crate (adding a variant never reorders the others).
        impl PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }
        impl Eq for $name {}
        impl ::std::hash::Hash for $name {
            #[inline]
            fn hash<__H: ::std::hash::Hasher>(&self, h: &mut __H) {
                self.as_str().hash(h)
            }
        }
        impl PartialOrd for $name {
            #[inline]
            fn partial_cmp(&self, other: &Self) -> Option<::std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $name {
            #[inline]
            fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }
        impl PartialEq<str> for $name {
            #[inline]
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
        impl PartialEq<&str> for $name {
            #[inline]
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
        // A status read from a text column: `session.status != row.status` (as the ids have).
        impl PartialEq<String> for $name {
            #[inline]
            fn eq(&self, other: &String) -> bool {
                self.as_str() == other
            }
        }
    };
}
pub(crate) use string_enum;

/// Conversions for an identifier newtype.
#[allow(unused_macros)]
macro_rules! id_newtype {
    ($name:ident, String) => {
        #[cfg(feature = "sqlx")]
        $crate::runtime::macros::sqlx_text!($name, field);
        impl $crate::runtime::macros::AsLeaf for $name {
            #[inline]
            fn leaf(&self) -> $crate::runtime::macros::Leaf<'_> {
                $crate::runtime::macros::Leaf::Str(&self.0)
            }
        }
        impl $crate::ToJson for $name {
            #[inline]
            fn write_json(&self, out: &mut String) {
                $crate::runtime::json::str(out, &self.0);
            }
        }
        impl $name {
            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl From<String> for $name {
            #[inline]
            fn from(s: String) -> Self {
                Self(s)
            }
        }
        impl From<&str> for $name {
            #[inline]
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
        impl From<&String> for $name {
            #[inline]
            fn from(s: &String) -> Self {
                Self(s.clone())
            }
        }
        impl From<&$name> for $name {
            #[inline]
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            #[inline]
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self(s.to_owned()))
            }
        }
        /// Its `Hash`, `Eq` and `Ord` are the string's, so `HashMap<Id, _>::get("…")` works.
        impl ::std::borrow::Borrow<str> for $name {
            #[inline]
            fn borrow(&self) -> &str {
                &self.0
            }
        }
        impl PartialEq<str> for $name {
            #[inline]
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $name {
            #[inline]
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
        impl PartialEq<String> for $name {
            #[inline]
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
        impl From<$name> for String {
            #[inline]
            fn from(id: $name) -> String {
                id.0
            }
        }
        impl AsRef<str> for $name {
            #[inline]
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
    ($name:ident, i64) => {
        impl $crate::runtime::macros::AsLeaf for $name {
            #[inline]
            fn leaf(&self) -> $crate::runtime::macros::Leaf<'_> {
                $crate::runtime::macros::Leaf::I64(self.0)
            }
        }
        impl $crate::ToJson for $name {
            #[inline]
            fn write_json(&self, out: &mut String) {
                $crate::ToJson::write_json(&self.0, out);
            }
        }
        impl From<i64> for $name {
            #[inline]
            fn from(v: i64) -> Self {
                Self(v)
            }
        }
        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}
pub(crate) use id_newtype;

/// With the `sqlx` feature: sqlx's `Type`, `Encode` and `Decode` for an identifier or a string
/// enum, for every database whose `String` has them, as the value's text (the SQL type is
/// `String`'s: `TEXT`, `VARCHAR`, …). So `query(..).bind(&id)` and `row.try_get::<Id, _>(..)`
/// work, and `Option<Id>` binds and reads SQL `NULL`. An enum is stored as its wire value, and
/// any text decodes: a value this version of the crate does not list becomes `Unknown`, as in
/// JSON. SQL `NULL` (which SQLite's `String` reads as "") and a column of another SQL type are
/// sqlx's decode errors, never a panic or an empty value.
/// `field`: an identifier (its `String` is encoded in place); `as_str`: an enum.
#[allow(unused_macros)]
macro_rules! sqlx_text {
    ($name:ident, $how:ident) => {
        impl<DB: ::sqlx_core::database::Database> ::sqlx_core::types::Type<DB> for $name
        where
            String: ::sqlx_core::types::Type<DB>,
        {
            #[inline]
            fn type_info() -> <DB as ::sqlx_core::database::Database>::TypeInfo {
                <String as ::sqlx_core::types::Type<DB>>::type_info()
            }
            #[inline]
            fn compatible(ty: &<DB as ::sqlx_core::database::Database>::TypeInfo) -> bool {
                <String as ::sqlx_core::types::Type<DB>>::compatible(ty)
            }
        }
        impl<'q, DB: ::sqlx_core::database::Database> ::sqlx_core::encode::Encode<'q, DB> for $name
        where
            String: ::sqlx_core::encode::Encode<'q, DB>,
        {
            #[inline]
            fn encode_by_ref(
                &self,
                buf: &mut <DB as ::sqlx_core::database::Database>::ArgumentBuffer<'q>,
            ) -> Result<::sqlx_core::encode::IsNull, ::sqlx_core::error::BoxDynError> {
                $crate::runtime::macros::sqlx_text!(@encode self, buf, 'q, DB, $how)
            }
        }
        impl<'r, DB: ::sqlx_core::database::Database> ::sqlx_core::decode::Decode<'r, DB> for $name
        where
            String: ::sqlx_core::decode::Decode<'r, DB>,
        {
            #[inline]
            fn decode(
                value: <DB as ::sqlx_core::database::Database>::ValueRef<'r>,
            ) -> Result<Self, ::sqlx_core::error::BoxDynError> {
                // SQLite's `String` reads SQL NULL as "": an id or a status must not.
                if ::sqlx_core::value::ValueRef::is_null(&value) {
                    return Err(concat!("unexpected NULL for ", stringify!($name), " (read an Option of it)").into());
                }
                <String as ::sqlx_core::decode::Decode<'r, DB>>::decode(value).map(Self::from)
            }
        }
    };
    (@encode $self:ident, $buf:ident, $q:lifetime, $db:ident, field) => {
        <String as ::sqlx_core::encode::Encode<$q, $db>>::encode_by_ref(&$self.0, $buf)
    };
    (@encode $self:ident, $buf:ident, $q:lifetime, $db:ident, as_str) => {
        <String as ::sqlx_core::encode::Encode<$q, $db>>::encode($self.as_str().to_owned(), $buf)
    };
}
#[allow(unused_imports)]
pub(crate) use sqlx_text;

/// Marks a type as an operation's response, exposing its `request_id` (if it has one) to the
/// client's tracing span without parsing the body twice.
#[allow(unused_macros)]
macro_rules! response_envelope {
    ($name:ident, $field:ident) => {
        impl $crate::runtime::ResponseMeta for $name {
            fn request_id(&self) -> Option<&str> {
                Some(AsRef::<str>::as_ref(&self.$field))
            }
        }
    };
    ($name:ident) => {
        impl $crate::runtime::ResponseMeta for $name {}
    };
}
pub(crate) use response_envelope;
