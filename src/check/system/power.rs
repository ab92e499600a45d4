//! Judging power (battery, charger, sleep timeout) and a pending restart.

use crate::model::Finding;
use crate::os::power::PowerFacts;
use crate::os::reboot::RebootReason;

use super::SystemRequirements;

pub fn judge_restart(
    reasons: Option<&[RebootReason]>,
    req: &SystemRequirements,
    out: &mut Vec<Finding>,
) {
    if req.warn_pending_restart != Some(true) {
        return;
    }
    let Some(reasons) = reasons else { return };
    if reasons.is_empty() {
        out.push(Finding::pass(
            super::SystemCode::RestartNone,
            "No restart is pending.",
        ));
        return;
    }
    let why: Vec<&str> = reasons.iter().map(|r| r.describe()).collect();
    out.push(Finding::warn(
        super::SystemCode::RestartPending,
        format!("A restart is pending: {}.", why.join("; ")),
        "Restart the computer now and let any updates finish, then run the check again: restart \
         before the exam, not during it (a forced restart ends a proctored exam).",
    ));
}

pub fn judge_power(p: &PowerFacts, req: &SystemRequirements, out: &mut Vec<Finding>) {
    let before = out.len();
    if p.on_battery == Some(true) && req.warn_on_battery == Some(true) {
        let level = p
            .battery_percent
            .map(|v| format!(" ({}% charged)", super::num(v)))
            .unwrap_or_default();
        out.push(Finding::warn(
            super::SystemCode::PowerOnBattery,
            format!("The computer runs on battery{level}."),
            "Plug in the charger and keep it plugged in for the whole exam: a laptop on battery \
             may slow down or sleep, and the exam ends if it shuts down.",
        ));
    }
    if let (Some(true), Some(level), Some(min)) =
        (p.on_battery, p.battery_percent, req.min_battery_percent)
        && level < min.0
    {
        out.push(Finding::warn(
            super::SystemCode::PowerBatteryLow,
            format!(
                "The battery is at {}%, below the {}% this profile asks for an exam on battery.",
                super::num(level),
                super::num(min.0)
            ),
            "Charge the computer before the exam and keep the charger plugged in during it.",
        )
        .judging(super::figures::BATTERY, level, Some(min.0), "%"));
    }
    if let (Some(minutes), Some(min)) = (p.sleep_after_min_now(), req.min_sleep_minutes)
        && minutes != 0
        && minutes < min
    {
        let source = if p.on_battery == Some(true) {
            "on battery"
        } else {
            "when plugged in"
        };
        out.push(Finding::warn(
            super::SystemCode::PowerSleepSoon,
            format!(
                "The computer goes to sleep after {minutes} idle minutes {source}; reading a long \
                 question can take longer."
            ),
            format!(
                "Set sleep to at least {min} minutes (or Never) for the exam: Windows: Settings > \
                 System > Power & battery > Screen and sleep; macOS: System Settings > Battery \
                 (or Energy Saver) > Options; Linux: Settings > Power > Automatic Suspend."
            ),
        ));
    }
    let judged = req.warn_on_battery.is_some()
        || req.min_battery_percent.is_some()
        || req.min_sleep_minutes.is_some();
    if out.len() == before && judged && p.on_battery.is_some() {
        let what = if p.battery == Some(true) {
            "The computer is on the charger"
        } else {
            "The computer has no battery"
        };
        let sleep = match p.sleep_after_min_now() {
            Some(0) => ", set never to sleep".to_string(),
            Some(m) => format!(", sleeps after {m} idle minutes"),
            None => String::new(),
        };
        out.push(Finding::pass(
            super::SystemCode::PowerOk,
            format!("{what}{sleep}."),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::units::Percent;

    fn req() -> SystemRequirements {
        SystemRequirements {
            warn_pending_restart: Some(true),
            warn_on_battery: Some(true),
            min_battery_percent: Some(Percent(50.0)),
            min_sleep_minutes: Some(30),
            ..Default::default()
        }
    }

    fn codes(out: &[Finding]) -> Vec<(&str, Status)> {
        out.iter().map(|f| (f.code.as_str(), f.status)).collect()
    }

    #[test]
    fn laptop_on_low_battery_that_sleeps_soon() {
        let p = PowerFacts {
            battery: Some(true),
            on_battery: Some(true),
            battery_percent: Some(23.0),
            sleep_after_min_ac: Some(0),
            sleep_after_min_battery: Some(5),
        };
        let mut out = Vec::new();
        judge_power(&p, &req(), &mut out);
        assert_eq!(
            codes(&out),
            [
                ("power-on-battery", Status::Warn),
                ("power-battery-low", Status::Warn),
                ("power-sleep-soon", Status::Warn)
            ]
        );
        assert!(out[0].message.contains("23% charged"), "{}", out[0].message);
        assert!(out[2].message.contains("after 5 idle minutes on battery"));
    }

    #[test]
    fn plugged_in_and_desktop_pass() {
        let p = PowerFacts {
            battery: Some(true),
            on_battery: Some(false),
            battery_percent: Some(12.0),
            sleep_after_min_ac: Some(0),
            sleep_after_min_battery: Some(5),
        };
        let mut out = Vec::new();
        judge_power(&p, &req(), &mut out);
        assert_eq!(codes(&out), [("power-ok", Status::Pass)]);
        assert_eq!(
            out[0].message,
            "The computer is on the charger, set never to sleep."
        );
        let desktop = PowerFacts {
            battery: Some(false),
            on_battery: Some(false),
            ..Default::default()
        };
        let mut out = Vec::new();
        judge_power(&desktop, &req(), &mut out);
        assert_eq!(out[0].message, "The computer has no battery.");
        // Nothing known: nothing said.
        let mut out = Vec::new();
        judge_power(&PowerFacts::default(), &req(), &mut out);
        assert!(out.is_empty());
        // A profile without power rules says nothing either.
        let mut out = Vec::new();
        judge_power(&p, &SystemRequirements::default(), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn pending_restart_warns_with_its_reasons() {
        let mut out = Vec::new();
        judge_restart(
            Some(&[RebootReason::WindowsUpdate, RebootReason::FileRename]),
            &req(),
            &mut out,
        );
        assert_eq!(codes(&out), [("restart-pending", Status::Warn)]);
        assert!(
            out[0]
                .message
                .contains("Windows Update has installed updates")
        );
        assert!(out[0].remedy.as_ref().unwrap().contains("not during it"));
        let mut out = Vec::new();
        judge_restart(Some(&[]), &req(), &mut out);
        assert_eq!(codes(&out), [("restart-none", Status::Pass)]);
        let mut out = Vec::new();
        judge_restart(None, &req(), &mut out);
        assert!(out.is_empty());
    }
}
