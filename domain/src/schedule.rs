//! When a planned act falls due: local times of day and a recurrence.
//!
//! Times are local to the establishment ("toilette at 08:00" stays 08:00
//! across daylight-saving changes); occurrences are computed as instants.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};

/// After how long a planned occurrence nobody answered is « non tracé »:
/// the tablets' round and the hub's console say it from this one figure.
pub const UNRECORDED_AFTER_MINUTES: i64 = 240;

/// How far back the round keeps what nobody recorded: a week, so that a
/// weekend's forgotten care is still there on Monday. Older days are listed
/// per unit and day in the console.
pub const UNRECORDED_LOOKBACK_DAYS: i64 = 7;

/// How often the act comes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recurrence {
    Daily,
    /// Every `n` days counted from the schedule's start date.
    EveryNDays(u16),
    /// On the given weekdays.
    Weekdays(#[serde(with = "weekday_list")] Vec<Weekday>),
    /// Si besoin: recorded when needed, never due.
    AsNeeded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub times: Vec<Time>,
    pub recurrence: Recurrence,
    pub start: Date,
    pub end: Option<Date>,
}

impl Schedule {
    pub fn validate(&self) -> Result<()> {
        match &self.recurrence {
            Recurrence::AsNeeded => return Ok(()),
            Recurrence::EveryNDays(0) => {
                return Err(DomainError::invalid("schedule", "every 0 days"));
            }
            Recurrence::Weekdays(w) if w.is_empty() => {
                return Err(DomainError::invalid("schedule", "no weekday chosen"));
            }
            _ => {}
        }
        if self.times.is_empty() {
            return Err(DomainError::invalid("schedule", "no time of day"));
        }
        if self.times.len() > 48 {
            return Err(DomainError::invalid("schedule", "more than 48 times a day"));
        }
        if self.end.is_some_and(|e| e < self.start) {
            return Err(DomainError::invalid("schedule", "ends before it starts"));
        }
        Ok(())
    }

    /// The occurrences in `[from, to)` that nobody answered (`answered`
    /// holds the answered ones, in milliseconds) and that are at least
    /// [`UNRECORDED_AFTER_MINUTES`] old at `now`: « non tracé ».
    pub fn unrecorded(
        &self,
        tz: &TimeZone,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
        answered: &std::collections::HashSet<i64>,
    ) -> Vec<Timestamp> {
        let cut = now.as_second().saturating_sub(UNRECORDED_AFTER_MINUTES * 60);
        self.occurrences(tz, from, to)
            .into_iter()
            .filter(|t| t.as_second() <= cut && !answered.contains(&t.as_millisecond()))
            .collect()
    }

    /// Whether the act is planned on this local date.
    pub fn occurs_on(&self, date: Date) -> bool {
        if date < self.start || self.end.is_some_and(|e| date > e) {
            return false;
        }
        match &self.recurrence {
            Recurrence::Daily => true,
            // 0 is refused by validate(); never divide by it all the same.
            Recurrence::EveryNDays(0) => false,
            Recurrence::EveryNDays(n) => {
                let days = (date - self.start).get_days();
                days.rem_euclid(i32::from(*n)) == 0
            }
            Recurrence::Weekdays(days) => days.contains(&date.weekday()),
            Recurrence::AsNeeded => false,
        }
    }

    /// The instants in `[from, to)` when the act is due, in order.
    pub fn occurrences(&self, tz: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut out = Vec::new();
        if matches!(self.recurrence, Recurrence::AsNeeded) || from >= to {
            return out;
        }
        let first = from.to_zoned_datetime(tz.clone()).date();
        let last = to.to_zoned_datetime(tz.clone()).date();
        let mut day = first;
        while day <= last {
            if self.occurs_on(day) {
                for t in &self.times {
                    // A time inside a DST gap moves forward (jiff's "compatible").
                    // (Straight to the instant: no zoned value built per occurrence.)
                    if let Ok(ts) = tz.to_ambiguous_timestamp(day.to_datetime(*t)).compatible()
                        && ts >= from
                        && ts < to
                    {
                        out.push(ts);
                    }
                }
            }
            match day.checked_add(1.day()) {
                Ok(d) => day = d,
                Err(_) => break,
            }
        }
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn paris() -> TimeZone {
        TimeZone::get("Europe/Paris").unwrap()
    }

    fn at(d: Date, h: i8, m: i8) -> Timestamp {
        d.at(h, m, 0, 0).to_zoned_datetime(paris()).unwrap().timestamp()
    }

    #[test]
    fn daily_times_in_a_morning_window() {
        let s = Schedule {
            times: vec![time(8, 0, 0, 0), time(12, 0, 0, 0), time(20, 0, 0, 0)],
            recurrence: Recurrence::Daily,
            start: date(2026, 1, 1),
            end: None,
        };
        let d = date(2026, 11, 23);
        let occ = s.occurrences(&paris(), at(d, 7, 0), at(d, 13, 0));
        assert_eq!(occ, vec![at(d, 8, 0), at(d, 12, 0)]);
        // The window's end is exclusive.
        assert_eq!(s.occurrences(&paris(), at(d, 7, 0), at(d, 12, 0)).len(), 1);
    }

    #[test]
    fn unrecorded_is_unanswered_and_four_hours_old() {
        let s = Schedule {
            times: vec![time(8, 0, 0, 0), time(12, 0, 0, 0)],
            recurrence: Recurrence::Daily,
            start: date(2026, 11, 23),
            end: None,
        };
        let (from, to) = (at(date(2026, 11, 23), 0, 0), at(date(2026, 11, 24), 0, 0));
        let none = std::collections::HashSet::new();
        // 12:00 at 15:59 is not four hours old yet; 08:00 is.
        assert_eq!(
            s.unrecorded(&paris(), from, to, at(date(2026, 11, 23), 15, 59), &none),
            [at(date(2026, 11, 23), 8, 0)]
        );
        let both = s.unrecorded(&paris(), from, to, at(date(2026, 11, 23), 16, 0), &none);
        assert_eq!(both.len(), 2);
        let answered = std::collections::HashSet::from([at(date(2026, 11, 23), 8, 0).as_millisecond()]);
        assert_eq!(
            s.unrecorded(&paris(), from, to, at(date(2026, 11, 23), 16, 0), &answered),
            [at(date(2026, 11, 23), 12, 0)]
        );
    }

    #[test]
    fn every_three_days_from_start() {
        let s = Schedule {
            times: vec![time(10, 0, 0, 0)],
            recurrence: Recurrence::EveryNDays(3),
            start: date(2026, 11, 1),
            end: Some(date(2026, 11, 30)),
        };
        assert!(s.occurs_on(date(2026, 11, 1)));
        assert!(!s.occurs_on(date(2026, 11, 2)));
        assert!(s.occurs_on(date(2026, 11, 4)));
        assert!(!s.occurs_on(date(2026, 10, 29)));
        assert!(!s.occurs_on(date(2026, 12, 1)));
        let occ = s.occurrences(&paris(), at(date(2026, 11, 1), 0, 0), at(date(2026, 12, 5), 0, 0));
        assert_eq!(occ.len(), 10);
    }

    #[test]
    fn weekdays_and_as_needed() {
        let s = Schedule {
            times: vec![time(9, 0, 0, 0)],
            recurrence: Recurrence::Weekdays(vec![Weekday::Monday, Weekday::Thursday]),
            start: date(2026, 1, 1),
            end: None,
        };
        assert!(s.occurs_on(date(2026, 11, 23))); // a Monday
        assert!(!s.occurs_on(date(2026, 11, 24)));
        let prn = Schedule { recurrence: Recurrence::AsNeeded, times: vec![], ..s };
        prn.validate().unwrap();
        assert!(prn.occurrences(&paris(), at(date(2026, 11, 23), 0, 0), at(date(2026, 11, 24), 0, 0)).is_empty());
    }

    #[test]
    fn local_time_holds_across_daylight_saving() {
        let s = Schedule {
            times: vec![time(8, 0, 0, 0)],
            recurrence: Recurrence::Daily,
            start: date(2026, 1, 1),
            end: None,
        };
        // Paris leaves summer time on 25 October 2026: 08:00 is 06:00 UTC before, 07:00 after.
        let occ = s.occurrences(&paris(), at(date(2026, 10, 24), 0, 0), at(date(2026, 10, 26), 0, 0));
        assert_eq!(occ.len(), 2);
        assert_eq!((occ[1].as_second() - occ[0].as_second()) / 3600, 25);
    }

    #[test]
    fn invalid_schedules() {
        let base = Schedule { times: vec![], recurrence: Recurrence::Daily, start: date(2026, 1, 1), end: None };
        assert!(base.validate().is_err());
        let zero = Schedule { times: vec![time(8, 0, 0, 0)], recurrence: Recurrence::EveryNDays(0), ..base.clone() };
        assert!(zero.validate().is_err());
        let backwards = Schedule { times: vec![time(8, 0, 0, 0)], end: Some(date(2025, 1, 1)), ..base };
        assert!(backwards.validate().is_err());
    }
}

/// Weekdays as ISO numbers (Monday = 1), since jiff's `Weekday` has no serde.
mod weekday_list {
    use jiff::civil::Weekday;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        days.iter().map(|d| d.to_monday_one_offset()).collect::<Vec<i8>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        Vec::<i8>::deserialize(d)?
            .into_iter()
            .map(|n| Weekday::from_monday_one_offset(n).map_err(|_| serde::de::Error::custom("weekday must be 1 to 7")))
            .collect()
    }
}
