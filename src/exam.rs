/*!
`--exam-at "YYYY-MM-DD HH:MM"`: the exam this run prepares for. The report shows when check-in
opens (the profile's `[checklist] check_in_minutes`, 30 for OnVUE), how long until the exam, and
advises re-checking at the same time of day as the exam, since home bandwidth varies by hour
(Pearson's own advice: run the system test again at the exam's time of day).

The plan stores plain civil (wall-clock) times next to the UTC instant, so a saved report renders
the same on any machine.
*/

use anyhow::{Context, bail};
use jiff::civil::DateTime;
use jiff::{Timestamp, tz::TimeZone};
use serde::{Deserialize, Serialize};

/// The exam, as the report records it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExamPlan {
    /// The exam's start, as an instant (UTC, RFC 3339).
    #[schemars(with = "String")]
    pub at: Timestamp,
    /// The exam's start in the candidate's local time, as typed (`YYYY-MM-DDTHH:MM:SS`).
    #[schemars(with = "String")]
    pub local: DateTime,
    /// When this check ran, in the same local time.
    #[schemars(with = "String")]
    pub checked_local: DateTime,
    /// Minutes before the exam that check-in opens, when the profile says.
    #[serde(default)]
    pub check_in_minutes: Option<u32>,
}

/// How far ahead an exam may be: more than a year is taken for a mistyped year.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// Parse `--exam-at` ("YYYY-MM-DD HH:MM", local time in `tz`) for a run starting at `now`.
/// A malformed value, a time that does not exist locally (skipped when the clocks go forward),
/// a time in the past, or one more than [`MAX_DAYS_AHEAD`] days ahead is an error. A time that
/// happens twice (when the clocks go back) is taken as the first of the two.
pub fn plan(
    text: &str,
    tz: &TimeZone,
    now: Timestamp,
    check_in_minutes: Option<u32>,
) -> anyhow::Result<ExamPlan> {
    let bad = || {
        format!(
            "--exam-at {text:?} is not a local date and time written \"YYYY-MM-DD HH:MM\" \
             (for example \"2026-12-01 09:30\")"
        )
    };
    let t = text.trim();
    let ok_shape = t.len() == 16
        && t.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            10 => c == ' ' || c == 'T',
            13 => c == ':',
            _ => c.is_ascii_digit(),
        });
    if !ok_shape {
        bail!(bad());
    }
    let local: DateTime = t.replace(' ', "T").parse().with_context(bad)?;
    let ambiguous = tz.to_ambiguous_zoned_datetime(local);
    if let jiff::tz::AmbiguousOffset::Gap { .. } = ambiguous.offset() {
        bail!(
            "--exam-at {text:?} does not exist in the local time zone{}: the clocks go forward \
             over it; check the exam's time",
            tz.iana_name()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        );
    }
    let zoned = ambiguous
        .earlier()
        .ok()
        .filter(|z| z.timestamp().as_second() - now.as_second() <= MAX_DAYS_AHEAD * 86_400)
        .with_context(|| {
            format!(
                "--exam-at {text:?} is more than a year away: check the year (the exam's date \
                 and time, for example \"2026-12-01 09:30\")"
            )
        })?;
    let at = zoned.timestamp();
    if at <= now {
        bail!(
            "--exam-at {text:?} is in the past (it is now {}): give the exam's future date and time",
            now.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M")
        );
    }
    Ok(ExamPlan {
        at,
        local: zoned.datetime(),
        checked_local: now.to_zoned_datetime(tz.clone()).datetime(),
        check_in_minutes,
    })
}

/// "3 days 4 h", "2 h 5 min", "40 min".
pub fn human_duration(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let plural = |n: i64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{} {h} h", plural(d, "day")),
    }
}

impl ExamPlan {
    /// The instant check-in opens: the profile's minutes before the exam, or the exam's start
    /// when the profile does not say (when a watch stops).
    pub fn check_in_at(&self) -> Timestamp {
        let before = jiff::SignedDuration::from_mins(i64::from(self.check_in_minutes.unwrap_or(0)));
        self.at.checked_sub(before).unwrap_or(self.at)
    }

    /// When check-in opens, in local time.
    pub fn check_in_local(&self) -> Option<DateTime> {
        let m = self.check_in_minutes?;
        self.local.checked_sub(jiff::Span::new().minutes(m)).ok()
    }

    /// The lines every renderer prints, plain text: exam time and countdown, check-in, advice.
    pub fn lines(&self, report_time: Timestamp) -> Vec<String> {
        let mut lines = Vec::new();
        let when = self.local.strftime("%A %-d %B %Y at %H:%M");
        let left = self.at.as_second() - report_time.as_second();
        if left > 0 {
            lines.push(format!(
                "Exam: {when}, {} after this check.",
                human_duration(left)
            ));
        } else {
            lines.push(format!("Exam: {when}; it had started when this check ran."));
        }
        if let (Some(m), Some(open)) = (self.check_in_minutes, self.check_in_local()) {
            if open <= self.checked_local && left > 0 {
                lines.push(format!(
                    "Check-in is open (since {}, {m} minutes before the exam): start it now, \
                     with your ID and phone at hand and the room prepared.",
                    open.strftime("%H:%M")
                ));
            } else {
                lines.push(format!(
                    "Check-in opens at {} ({m} minutes before the exam): have your ID and phone \
                     ready and the room prepared by then.",
                    open.strftime("%H:%M")
                ));
            }
        }
        let exam_min = self.local.hour() as i32 * 60 + self.local.minute() as i32;
        let run_min = self.checked_local.hour() as i32 * 60 + self.checked_local.minute() as i32;
        let apart = (exam_min - run_min).rem_euclid(1440);
        let apart = apart.min(1440 - apart);
        let at = self.local.strftime("%H:%M");
        if left > 0 && left < 86_400 {
            lines.push(
                "The exam is less than a day away: fix what is marked above, then run examready \
                 once more just before check-in."
                    .to_string(),
            );
        } else if apart <= 60 {
            lines.push(format!(
                "This check ran at {}, near the exam's time of day, so its network figures are \
                 representative. Run it once more on the exam day, before check-in.",
                self.checked_local.strftime("%H:%M")
            ));
        } else {
            lines.push(format!(
                "Home bandwidth varies by the hour: run examready again at about {at} (the exam's \
                 time of day) on a day before the exam, and once more before check-in."
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> TimeZone {
        TimeZone::UTC
    }
    fn now() -> Timestamp {
        "2026-11-24T20:00:00Z".parse().unwrap()
    }

    #[test]
    fn parses_local_time_and_reports_check_in_and_countdown() {
        let p = plan("2026-11-27 09:30", &utc(), now(), Some(30)).unwrap();
        assert_eq!(p.at, "2026-11-27T09:30:00Z".parse::<Timestamp>().unwrap());
        let lines = p.lines(now()).join("\n");
        assert!(
            lines.contains("Friday 27 November 2026 at 09:30"),
            "{lines}"
        );
        assert!(lines.contains("2 days 13 h after this check"), "{lines}");
        assert!(
            lines.contains("Check-in opens at 09:00 (30 minutes"),
            "{lines}"
        );
        assert!(
            lines.contains("run examready again at about 09:30"),
            "{lines}"
        );
    }

    #[test]
    fn check_in_opens_the_profile_s_minutes_before_the_exam_or_at_its_start() {
        let p = plan("2026-11-27 09:30", &utc(), now(), Some(30)).unwrap();
        assert_eq!(
            p.check_in_at(),
            "2026-11-27T09:00:00Z".parse::<Timestamp>().unwrap()
        );
        let p = plan("2026-11-27 09:30", &utc(), now(), None).unwrap();
        assert_eq!(p.check_in_at(), p.at);
    }

    #[test]
    fn same_time_of_day_is_called_representative() {
        let p = plan("2026-11-26 20:40", &utc(), now(), None).unwrap();
        let lines = p.lines(now()).join("\n");
        assert!(lines.contains("near the exam's time of day"), "{lines}");
        assert!(!lines.contains("Check-in"), "{lines}");
    }

    #[test]
    fn respects_the_time_zone() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let p = plan("2026-11-27 09:30", &tz, now(), Some(30)).unwrap();
        assert_eq!(p.at, "2026-11-27T08:30:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(p.checked_local.to_string(), "2026-11-24T21:00:00");
    }

    #[test]
    fn bad_or_past_input_is_a_clear_error() {
        for bad in [
            "tomorrow",
            "2026-11-27",
            "2026-13-01 09:00",
            "2026-11-27 25:00",
            "27/11/2026 09:00",
            "2026-11-27 09:00:00",
        ] {
            let e = plan(bad, &utc(), now(), None).unwrap_err().to_string();
            assert!(e.contains("YYYY-MM-DD HH:MM"), "{bad}: {e}");
        }
        let e = plan("2026-11-24 19:59", &utc(), now(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("in the past"), "{e}");
    }

    #[test]
    fn an_exam_within_the_hour_says_check_in_is_open() {
        let p = plan("2026-11-24 20:20", &utc(), now(), Some(30)).unwrap();
        let lines = p.lines(now()).join("\n");
        assert!(lines.contains("Check-in is open (since 19:50"), "{lines}");
        assert!(lines.contains("less than a day away"), "{lines}");
        assert!(!lines.contains("on a day before the exam"), "{lines}");
        let p = plan("2026-11-25 08:00", &utc(), now(), Some(30)).unwrap();
        let lines = p.lines(now()).join("\n");
        assert!(lines.contains("Check-in opens at 07:30"), "{lines}");
    }

    #[test]
    fn far_future_and_clock_change_times() {
        for far in ["2028-01-01 09:00", "9999-12-31 23:59"] {
            let e = plan(far, &utc(), now(), None).unwrap_err().to_string();
            assert!(e.contains("more than a year away"), "{far}: {e}");
        }
        assert!(plan("2027-11-24 19:00", &utc(), now(), None).is_ok());
        let paris = TimeZone::get("Europe/Paris").unwrap();
        // 2027-03-28 02:30 is skipped in Paris (02:00 -> 03:00).
        let e = plan("2027-03-28 02:30", &paris, now(), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("does not exist") && e.contains("Europe/Paris"),
            "{e}"
        );
        // 2027-10-31 02:30 happens twice: the first one (still summer time, +02) is taken.
        let p = plan("2027-10-31 02:30", &paris, now(), None).unwrap();
        assert_eq!(p.at, "2027-10-31T00:30:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(p.local.to_string(), "2027-10-31T02:30:00");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(40 * 60), "40 min");
        assert_eq!(human_duration(2 * 3600 + 5 * 60), "2 h 5 min");
        assert_eq!(human_duration(86400 + 4 * 3600), "1 day 4 h");
    }
}
