//! Time as the Graph API writes and reads it: `2019-09-26T22:36:43+0000` timestamps,
//! Pacific-time sentences in token errors, and `since`/`until` values; and HTTP dates
//! (`Last-Modified`, `If-Modified-Since`) for the media CDN.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset, Weekday};

fn utc(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// ISO-8601 with a `+0000` offset, as every IG timestamp is written (facts §4.2).
pub fn iso(t: i64) -> String {
    let mut out = Vec::with_capacity(24);
    write_iso(&mut out, t);
    String::from_utf8(out).unwrap_or_default()
}

/// [`iso`] as a JSON string, appended to an answer being written (`http::json`).
pub(crate) fn push_iso(out: &mut Vec<u8>, t: i64) {
    out.push(b'"');
    write_iso(out, t);
    out.push(b'"');
}

/// `00` to `99`, so each pair of digits is one look-up.
const TWO_DIGITS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Written by hand: it runs for every timestamp of every page, and the `time` crate's
/// conversion and generic formatter were ~4% of a media page's instructions (callgrind,
/// `cargo xtask bench`). Years outside 0000..=9999 go through the `time` crate.
fn write_iso(out: &mut Vec<u8>, t: i64) {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant, "chrono-Compatible
    // Low-Level Date Algorithms", civil_from_days).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
        out.extend_from_slice(utc(t).format(&fmt).unwrap_or_default().as_bytes());
        return;
    }
    // Every part is below 100 here (years within 0000..=9999).
    let two = |n: i64| {
        usize::try_from(n)
            .ok()
            .and_then(|n| TWO_DIGITS.get(n))
            .copied()
            .unwrap_or(*b"00")
    };
    let (c, y) = (two(year / 100), two(year % 100));
    let (mo, d) = (two(month), two(day));
    let (h, mi, se) = (two(secs / 3600), two(secs / 60 % 60), two(secs % 60));
    out.extend_from_slice(&[
        c[0], c[1], y[0], y[1], b'-', mo[0], mo[1], b'-', d[0], d[1], b'T', h[0], h[1], b':', mi[0], mi[1], b':',
        se[0], se[1], b'+', b'0', b'0', b'0', b'0',
    ]);
}

/// Whether US Pacific daylight time is in force at `t` (second Sunday of March 2:00 local
/// to first Sunday of November 2:00 local, the rule since 2007).
fn pacific_is_dst(t: i64) -> bool {
    let year = utc(t).year();
    let nth_sunday = |month: time::Month, n: u8| -> Option<Date> {
        let first = Date::from_calendar_date(year, month, 1).ok()?;
        let to_sunday = (7 + 7 - first.weekday().number_days_from_sunday()) % 7;
        first.checked_add(time::Duration::days(i64::from(to_sunday) + 7 * i64::from(n - 1)))
    };
    let (Some(start), Some(end)) = (nth_sunday(time::Month::March, 2), nth_sunday(time::Month::November, 1)) else {
        return false;
    };
    // 2:00 PST = 10:00 UTC; 2:00 PDT = 09:00 UTC.
    let start_utc = PrimitiveDateTime::new(start, time::Time::from_hms(10, 0, 0).unwrap_or(time::Time::MIDNIGHT))
        .assume_utc()
        .unix_timestamp();
    let end_utc = PrimitiveDateTime::new(end, time::Time::from_hms(9, 0, 0).unwrap_or(time::Time::MIDNIGHT))
        .assume_utc()
        .unix_timestamp();
    t >= start_utc && t < end_utc
}

/// `Tuesday, 24-Nov-26 14:00:00 PST`, the form used in 190/463 messages (facts §1.3).
pub(crate) fn pacific_sentence(t: i64) -> String {
    let dst = pacific_is_dst(t);
    let offset = UtcOffset::from_hms(if dst { -7 } else { -8 }, 0, 0).unwrap_or(UtcOffset::UTC);
    let local = utc(t).to_offset(offset);
    let day = match local.weekday() {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    };
    let fmt = format_description!("[day]-[month repr:short]-[year repr:last_two] [hour]:[minute]:[second]");
    format!(
        "{day}, {} {}",
        local.format(&fmt).unwrap_or_default(),
        if dst { "PDT" } else { "PST" }
    )
}

/// Reads a `since`/`until` value: a unix timestamp, an RFC 3339 / ISO-8601 date-time
/// (with `+0000` or `Z`), or a plain `YYYY-MM-DD` date (midnight UTC).
/// Graph also takes strtotime() phrases; only these unambiguous forms are accepted here.
pub fn parse_time_param(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    if let Ok(dt) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(dt.unix_timestamp());
    }
    let plus0000 =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]");
    if let Ok(dt) = OffsetDateTime::parse(s, &plus0000) {
        return Some(dt.unix_timestamp());
    }
    let date = format_description!("[year]-[month]-[day]");
    Date::parse(s, &date)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}

/// An IMF-fixdate as HTTP headers write it (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn http_date(t: i64) -> String {
    let fmt = format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    utc(t).format(&fmt).unwrap_or_default()
}

/// Reads an IMF-fixdate (the form every current client sends); other forms are `None`.
pub(crate) fn parse_http_date(s: &str) -> Option<i64> {
    let fmt = format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    PrimitiveDateTime::parse(s.trim(), &fmt)
        .ok()
        .map(|d| d.assume_utc().unix_timestamp())
}

/// A duration as production's sentences quote one: whole hours ("24 hours", "1 hour"), else
/// whole minutes, else seconds. What a sentence quoting a knob's duration is computed with
/// (a container's expiry, the tagged-posts window, the container cap's window, the story
/// lifetime), so the knob and its sentence cannot disagree.
pub(crate) fn duration(seconds: i64) -> String {
    let (n, unit) = match seconds {
        s if s != 0 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s != 0 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_the_sentences_quote_them() {
        assert_eq!(duration(86_400), "24 hours");
        assert_eq!(duration(3_600), "1 hour");
        assert_eq!(duration(90), "90 seconds");
        assert_eq!(duration(120), "2 minutes");
        assert_eq!(duration(7 * 86_400), "168 hours");
    }

    #[test]
    fn http_dates_round_trip() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
    }

    #[test]
    fn iso_uses_plus_0000() {
        assert_eq!(iso(1_569_537_403), "2019-09-26T22:36:43+0000");
    }

    #[test]
    fn iso_matches_the_time_crate_everywhere() {
        let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
        let mut t: i64 = -62_167_219_200; // 0000-01-01
        while t < 253_402_300_800 {
            assert_eq!(iso(t), utc(t).format(&fmt).unwrap_or_default(), "at {t}");
            t += 7_654_321;
        }
        for t in [0, 59, 86_399, 951_782_400, 4_107_542_399, -1, i64::MIN, i64::MAX] {
            assert_eq!(iso(t), utc(t).format(&fmt).unwrap_or_default(), "at {t}");
        }
    }

    #[test]
    fn pacific_sentence_switches_between_pst_and_pdt() {
        // 2026-11-24 22:00 UTC is 14:00 PST.
        assert_eq!(pacific_sentence(1_795_557_600), "Tuesday, 24-Nov-26 14:00:00 PST");
        // 2026-07-01 19:00 UTC is 12:00 PDT.
        assert_eq!(pacific_sentence(1_782_932_400), "Wednesday, 01-Jul-26 12:00:00 PDT");
    }

    #[test]
    fn since_and_until_accept_unix_and_iso_forms() {
        assert_eq!(parse_time_param("1569537403"), Some(1_569_537_403));
        assert_eq!(parse_time_param("2019-09-26T22:36:43+0000"), Some(1_569_537_403));
        assert_eq!(parse_time_param("2019-09-26T22:36:43Z"), Some(1_569_537_403));
        assert_eq!(parse_time_param("2019-09-26"), Some(1_569_456_000));
        assert_eq!(parse_time_param("yesterday-ish"), None);
    }
}
