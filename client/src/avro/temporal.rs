//! Avro's date and time logical types against the forms chrono and time serialize to (text, and
//! the `time` crate's tuples): the encoder turns them into the epoch count the schema's unit asks
//! for, the decoder turns the count back into what the type's `Deserialize` reads. Text is RFC
//! 3339, exact and small on purpose (`T` or space between date and time, optional `Z`/`±HH:MM[:SS]`
//! offset, any fraction digits) in proleptic Gregorian days; out-of-range values are typed errors.

use std::fmt::Write as _;

use super::CodecError;

/// The logical type at a node, reduced to what conversion needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Temporal {
    /// Days since 1970-01-01 (`int`).
    Date,
    /// Time of day in milliseconds (`int`) or microseconds (`long`).
    Time(Unit),
    /// Instant since the epoch, UTC; presented with a `Z` offset.
    Timestamp(Unit),
    /// Wall-clock date and time without an offset.
    Local(Unit),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Millis,
    Micros,
    Nanos,
}

impl Unit {
    fn per_second(self) -> i64 {
        match self {
            Unit::Millis => 1_000,
            Unit::Micros => 1_000_000,
            Unit::Nanos => 1_000_000_000,
        }
    }

    fn digits(self) -> usize {
        match self {
            Unit::Millis => 3,
            Unit::Micros => 6,
            Unit::Nanos => 9,
        }
    }
}

const SECONDS_PER_DAY: i64 = 86_400;

/// The count `text` stands for under `logical`.
pub(crate) fn parse(logical: Temporal, text: &str) -> Result<i64, CodecError> {
    let bad = |why: &str| CodecError::new(format!("'{text}' is not a {}: {why}", name(logical)));
    let mut cursor = Cursor { rest: text.as_bytes() };
    let value = match logical {
        Temporal::Date => {
            let days = cursor.date().ok_or_else(|| bad("expected YYYY-MM-DD"))?;
            cursor.end().ok_or_else(|| bad("unexpected trailing text"))?;
            days
        }
        Temporal::Time(unit) => {
            let (seconds, fraction) = cursor.time(unit).map_err(&bad)?;
            cursor.end().ok_or_else(|| bad("unexpected trailing text"))?;
            seconds * unit.per_second() + fraction
        }
        Temporal::Timestamp(unit) | Temporal::Local(unit) => {
            let days = cursor.date().ok_or_else(|| bad("expected YYYY-MM-DD"))?;
            if !cursor.eat(b'T') && !cursor.eat(b't') && !cursor.eat(b' ') {
                return Err(bad("expected 'T' between date and time"));
            }
            let (seconds, fraction) = cursor.time(unit).map_err(&bad)?;
            let offset = cursor.offset().ok_or_else(|| bad("expected Z or ±HH:MM offset"))?;
            cursor.end().ok_or_else(|| bad("unexpected trailing text"))?;
            days.checked_mul(SECONDS_PER_DAY)
                .and_then(|s| s.checked_add(seconds - offset))
                .and_then(|s| s.checked_mul(unit.per_second()))
                .and_then(|count| count.checked_add(fraction))
                .ok_or_else(|| bad("out of range"))?
        }
    };
    match logical {
        Temporal::Date | Temporal::Time(Unit::Millis) => {
            i32::try_from(value).map_err(|_| bad("out of range of an Avro int"))?;
        }
        _ => {}
    }
    Ok(value)
}

/// The text form of `count` under `logical`, as chrono's and time's `Deserialize` read it.
pub(crate) fn format(logical: Temporal, count: i64) -> Result<String, CodecError> {
    let mut out = String::with_capacity(32);
    match logical {
        Temporal::Date => write_date(&mut out, count),
        Temporal::Time(unit) => {
            let per_day = SECONDS_PER_DAY * unit.per_second();
            if !(0..per_day).contains(&count) {
                return Err(CodecError::new(format!("{count} is not a time of day")));
            }
            write_time(&mut out, count, unit);
        }
        Temporal::Timestamp(unit) | Temporal::Local(unit) => {
            let per_day = SECONDS_PER_DAY * unit.per_second();
            write_date(&mut out, count.div_euclid(per_day));
            out.push('T');
            write_time(&mut out, count.rem_euclid(per_day), unit);
            if matches!(logical, Temporal::Timestamp(_)) {
                out.push('Z');
            }
        }
    }
    Ok(out)
}

fn name(logical: Temporal) -> &'static str {
    match logical {
        Temporal::Date => "date",
        Temporal::Time(_) => "time of day",
        Temporal::Timestamp(_) => "timestamp",
        Temporal::Local(_) => "local timestamp",
    }
}

fn write_date(out: &mut String, days: i64) {
    let (year, month, day) = civil_from_days(days);
    // Years past four digits carry a sign, as RFC 3339's extended form and chrono write them.
    if (0..=9999).contains(&year) {
        let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    } else {
        let _ = write!(out, "{year:+05}-{month:02}-{day:02}");
    }
}

fn write_time(out: &mut String, count: i64, unit: Unit) {
    let seconds = count / unit.per_second();
    let fraction = count % unit.per_second();
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let _ = write!(out, "{h:02}:{m:02}:{s:02}.{fraction:0width$}", width = unit.digits());
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Cursor<'a> {
    rest: &'a [u8],
}

impl Cursor<'_> {
    fn eat(&mut self, byte: u8) -> bool {
        if self.rest.first() == Some(&byte) {
            self.rest = &self.rest[1..];
            true
        } else {
            false
        }
    }

    fn end(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }

    /// Exactly `n` ASCII digits (`n` ≤ 9, so the value fits).
    fn digits(&mut self, n: usize) -> Option<i64> {
        let head = self.rest.get(..n)?;
        if !head.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.rest = &self.rest[n..];
        Some(head.iter().fold(0, |acc, d| acc * 10 + i64::from(d - b'0')))
    }

    fn date(&mut self) -> Option<i64> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let len = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        // Four digits, or up to six with a sign: years beyond keep every count in range.
        if !(4..=6).contains(&len) {
            return None;
        }
        let year = sign * self.digits(len)?;
        let (month, day) = (self.sep_digits(b'-')?, self.sep_digits(b'-')?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(days_from_civil(year, month, day))
    }

    fn sep_digits(&mut self, sep: u8) -> Option<i64> {
        if !self.eat(sep) {
            return None;
        }
        self.digits(2)
    }

    /// Seconds of the day and the fraction in `unit`s; digits past the unit must be zero, so
    /// nothing is silently dropped.
    fn time(&mut self, unit: Unit) -> Result<(i64, i64), &'static str> {
        let hour = self.digits(2).ok_or("expected HH:MM:SS")?;
        let minute = self.sep_digits(b':').ok_or("expected HH:MM:SS")?;
        let second = self.sep_digits(b':').ok_or("expected HH:MM:SS")?;
        // A leap second (60) has no place in Avro's counts.
        if hour > 23 || minute > 59 || second > 59 {
            return Err("time of day out of range");
        }
        let mut fraction = 0;
        if self.eat(b'.') || self.eat(b',') {
            let len = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if len == 0 {
                return Err("expected digits after the decimal point");
            }
            let (kept, dropped) = self.rest[..len].split_at(len.min(unit.digits()));
            if dropped.iter().any(|&d| d != b'0') {
                return Err("more precision than the schema's unit");
            }
            for position in 0..unit.digits() {
                let digit = kept.get(position).map_or(0, |d| i64::from(d - b'0'));
                fraction = fraction * 10 + digit;
            }
            self.rest = &self.rest[len..];
        }
        Ok((hour * 3600 + minute * 60 + second, fraction))
    }

    /// The offset east of UTC in seconds; none (a local time) counts as UTC.
    fn offset(&mut self) -> Option<i64> {
        if self.rest.is_empty() || self.eat(b'Z') || self.eat(b'z') {
            return Some(0);
        }
        // time's own human-readable form puts a space before the offset.
        self.eat(b' ');
        let sign = match self.rest.first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.rest = &self.rest[1..];
        let hours = self.digits(2)?;
        let minutes = self.sep_digits(b':')?;
        let seconds = if self.rest.is_empty() { 0 } else { self.sep_digits(b':')? };
        if hours > 23 || minutes > 59 || seconds > 59 {
            return None;
        }
        Some(sign * (hours * 3600 + minutes * 60 + seconds))
    }
}

/// The count of the `time` crate's non-text form: tuples of (year, ordinal day), (hour, minute,
/// second, nanosecond), the two together, and an offset (hours, minutes, seconds) after those.
pub(crate) fn from_parts(logical: Temporal, parts: &[i64]) -> Result<i64, CodecError> {
    let bad = |why: &str| CodecError::new(format!("{parts:?} is not a {}: {why}", name(logical)));
    let day = |parts: &[i64]| -> Result<i64, CodecError> {
        let (year, ordinal) = (parts[0], parts[1]);
        if !(-999_999..=999_999).contains(&year) {
            return Err(bad("year out of range"));
        }
        let length = if days_in_month(year, 2) == 29 { 366 } else { 365 };
        if !(1..=length).contains(&ordinal) {
            return Err(bad("day of the year out of range"));
        }
        Ok(days_from_civil(year, 1, 1) + ordinal - 1)
    };
    let clock = |parts: &[i64], unit: Unit| -> Result<i64, CodecError> {
        let (hour, minute, second, nanos) = (parts[0], parts[1], parts[2], parts[3]);
        if !(0..24).contains(&hour)
            || !(0..60).contains(&minute)
            || !(0..60).contains(&second)
            || !(0..1_000_000_000).contains(&nanos)
        {
            return Err(bad("time of day out of range"));
        }
        let per_unit = 1_000_000_000 / unit.per_second();
        if nanos % per_unit != 0 {
            return Err(bad("more precision than the schema's unit"));
        }
        Ok((hour * 3600 + minute * 60 + second) * unit.per_second() + nanos / per_unit)
    };
    let value = match (logical, parts.len()) {
        (Temporal::Date, 2) => day(parts)?,
        (Temporal::Time(unit), 4) => clock(parts, unit)?,
        (Temporal::Timestamp(unit) | Temporal::Local(unit), 6 | 9) => {
            let offset = match parts.get(6..9) {
                Some([h, m, s]) if h.abs() < 26 && m.abs() < 60 && s.abs() < 60 => {
                    h * 3600 + m * 60 + s
                }
                Some(_) => return Err(bad("offset out of range")),
                None => 0,
            };
            let per_day = SECONDS_PER_DAY * unit.per_second();
            let time = clock(&parts[2..6], unit)?;
            day(parts)?
                .checked_mul(per_day)
                .and_then(|count| count.checked_add(time))
                .and_then(|count| count.checked_sub(offset * unit.per_second()))
                .ok_or_else(|| bad("out of range"))?
        }
        _ => return Err(bad("unexpected number of parts")),
    };
    if matches!(logical, Temporal::Date | Temporal::Time(Unit::Millis)) {
        i32::try_from(value).map_err(|_| bad("out of range of an Avro int"))?;
    }
    Ok(value)
}

/// The `time` crate's non-text form of `count` (see [`from_parts`]); timestamps at offset zero.
pub(crate) fn to_parts(logical: Temporal, count: i64) -> Result<Vec<i64>, CodecError> {
    let date = |days: i64| {
        let (year, _, _) = civil_from_days(days);
        [year, days - days_from_civil(year, 1, 1) + 1]
    };
    let clock = |count: i64, unit: Unit| {
        let seconds = count / unit.per_second();
        let nanos = count % unit.per_second() * (1_000_000_000 / unit.per_second());
        [seconds / 3600, seconds / 60 % 60, seconds % 60, nanos]
    };
    Ok(match logical {
        Temporal::Date => date(count).to_vec(),
        Temporal::Time(unit) => {
            if !(0..SECONDS_PER_DAY * unit.per_second()).contains(&count) {
                return Err(CodecError::new(format!("{count} is not a time of day")));
            }
            clock(count, unit).to_vec()
        }
        Temporal::Timestamp(unit) | Temporal::Local(unit) => {
            let per_day = SECONDS_PER_DAY * unit.per_second();
            let mut parts = date(count.div_euclid(per_day)).to_vec();
            parts.extend(clock(count.rem_euclid(per_day), unit));
            if matches!(logical, Temporal::Timestamp(_)) {
                parts.extend([0, 0, 0]);
            }
            parts
        }
    })
}
